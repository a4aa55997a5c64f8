/**
 * A prefix index: values registered under string prefixes, found for a text by every registered prefix of it.
 * Prefixes are grouped by length in hash maps; a lookup probes one map per distinct prefix length not longer than
 * the text (in practice a handful: type prefixes such as `dev.cdevents.service.` share few lengths), so it costs
 * O(lengths) hash probes rather than a scan of all prefixes.
 * @module
 */

/** Values keyed by prefix. */
export class PrefixMap<V> {
  /** Distinct prefix lengths in use, ascending. */
  #lengths: number[] = [];
  readonly #byLength = new Map<number, Map<string, Set<V>>>();

  /** Registers `value` under `prefix`. */
  add(prefix: string, value: V): void {
    let bucket = this.#byLength.get(prefix.length);
    if (bucket === undefined) {
      bucket = new Map();
      this.#byLength.set(prefix.length, bucket);
      this.#lengths = [...this.#lengths, prefix.length].sort((a, b) => a - b);
    }
    let values = bucket.get(prefix);
    if (values === undefined) {
      values = new Set();
      bucket.set(prefix, values);
    }
    values.add(value);
  }

  /** Removes `value` from `prefix`. */
  delete(prefix: string, value: V): void {
    const bucket = this.#byLength.get(prefix.length);
    const values = bucket?.get(prefix);
    if (bucket === undefined || values === undefined) return;
    values.delete(value);
    if (values.size > 0) return;
    bucket.delete(prefix);
    if (bucket.size > 0) return;
    this.#byLength.delete(prefix.length);
    this.#lengths = this.#lengths.filter((n) => n !== prefix.length);
  }

  /** Calls `visit` with every value registered under a prefix of `text` (a value may come once per prefix). */
  collect(text: string, visit: (value: V) => void): void {
    for (const length of this.#lengths) {
      if (length > text.length) return;
      const values = this.#byLength.get(length)?.get(text.slice(0, length));
      if (values !== undefined) for (const v of values) visit(v);
    }
  }

  /** Number of distinct prefixes. */
  get size(): number {
    let n = 0;
    for (const bucket of this.#byLength.values()) n += bucket.size;
    return n;
  }
}
