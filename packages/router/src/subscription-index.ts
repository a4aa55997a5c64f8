/**
 * The subscription index: many compiled subscriptions, and for one event the ids of those that match — without
 * evaluating every subscription. Each subscription is filed under the strongest necessary condition its filters
 * imply on `type` or `source` (see `index-conditions.ts`): exact values in hash maps, prefixes in a prefix map;
 * subscriptions without one go to a scan list. An event's candidates are the union of the buckets its `type` and
 * `source` hit, plus the scan list; each candidate is then checked with its full predicate. The answer is exactly
 * the set "every subscription whose predicate passes" (property-tested against that naive evaluation).
 * @module
 */
import type { FunctionRegistry } from "@cairn/cesql";
import { type EventAttributes, readAttribute } from "./attributes.ts";
import { type CompiledSubscription, compileSubscription } from "./compile-subscription.ts";
import { RouterError, RouterErrorCode } from "./errors.ts";
import { type IndexCondition, type IndexedAttribute, necessaryCondition } from "./index-conditions.ts";
import { PrefixMap } from "./prefix-map.ts";
import type { Subscription } from "./subscription.ts";

/** Stands for an attribute whose getter threw: not a string, so every entry filed under it is checked in full. */
const THREW: unique symbol = Symbol("threw");

interface Entry {
  readonly compiled: CompiledSubscription;
  /** Insertion order: results come back in it. */
  readonly order: number;
  /** Where it is filed; undefined: the scan list. */
  readonly condition: IndexCondition | undefined;
}

interface AttributeBuckets {
  readonly exact: Map<string, Set<Entry>>;
  readonly prefix: PrefixMap<Entry>;
  /** Every entry filed under this attribute, for events whose value is not a string (checked in full). */
  readonly all: Set<Entry>;
}

/** How the index files its subscriptions. */
export interface SubscriptionIndexStats {
  readonly subscriptions: number;
  /** Subscriptions filed under a condition on `type` or `source`. */
  readonly indexed: number;
  /** Subscriptions checked for every event. */
  readonly scanned: number;
  /** Distinct exact `type` and `source` keys. */
  readonly exactKeys: { readonly type: number; readonly source: number };
  /** Distinct `type` and `source` prefixes. */
  readonly prefixKeys: { readonly type: number; readonly source: number };
}

/** Options of {@link SubscriptionIndex}. */
export interface SubscriptionIndexOptions {
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

/**
 * Matches events against many subscriptions. Add, replace and remove subscriptions by id at any time.
 * @example
 * ```ts
 * const index = new SubscriptionIndex();
 * index.add(subscription); // a validated Subscription
 * index.match({ specversion: "1.0", id: "1", source: "ci", type: "dev.cdevents.service.deployed.0.2.0" }); // ["s1"]
 * ```
 */
export class SubscriptionIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #buckets: Readonly<Record<IndexedAttribute, AttributeBuckets>> = {
    type: { exact: new Map(), prefix: new PrefixMap(), all: new Set() },
    source: { exact: new Map(), prefix: new PrefixMap(), all: new Set() },
  };
  readonly #scan = new Set<Entry>();
  readonly #options: SubscriptionIndexOptions;
  #order = 0;

  constructor(options: SubscriptionIndexOptions = {}) {
    this.#options = options;
  }

  /**
   * Adds a subscription.
   * @throws RouterError `CAIRN_ERR_ROUTER_DUPLICATE_SUBSCRIPTION` when its id is already present (use
   * {@link replace}), `CAIRN_ERR_ROUTER_INVALID_SUBSCRIPTION` when its filters do not compile.
   */
  add(subscription: Subscription): void {
    if (this.#entries.has(subscription.id))
      throw new RouterError(
        RouterErrorCode.DuplicateSubscription,
        `subscription ${subscription.id} is already indexed`,
      );
    this.#insert(this.#compile(subscription), this.#order++);
  }

  /**
   * Adds a subscription or replaces the one with the same id (keeping its place in the result order).
   * @throws RouterError `CAIRN_ERR_ROUTER_INVALID_SUBSCRIPTION` when its filters do not compile; the index is then
   * unchanged.
   */
  replace(subscription: Subscription): void {
    const compiled = this.#compile(subscription);
    const old = this.#entries.get(subscription.id);
    if (old) this.#unfile(old);
    this.#insert(compiled, old ? old.order : this.#order++);
  }

  /** Removes a subscription; false when the id is not present. */
  remove(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    this.#unfile(entry);
    this.#entries.delete(id);
    return true;
  }

  /** True when a subscription with this id is present. */
  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The subscription with this id. */
  get(id: string): Subscription | undefined {
    return this.#entries.get(id)?.compiled.subscription;
  }

  /** Number of subscriptions. */
  get size(): number {
    return this.#entries.size;
  }

  /** Ids in insertion order. */
  ids(): string[] {
    return this.#sorted([...this.#entries.values()]).map((e) => e.compiled.id);
  }

  /** Ids of the subscriptions whose filters the event passes, in insertion order. Never throws. */
  match(event: EventAttributes): string[] {
    return this.#matching(event).map((e) => e.compiled.id);
  }

  /** The subscriptions whose filters the event passes, in insertion order. Never throws. */
  matchSubscriptions(event: EventAttributes): Subscription[] {
    return this.#matching(event).map((e) => e.compiled.subscription);
  }

  /** Where a subscription is filed: its condition, `null` for the scan list, undefined when absent. */
  conditionOf(id: string): IndexCondition | null | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : (entry.condition ?? null);
  }

  /** Counts, for monitoring how much of the work the index saves. */
  stats(): SubscriptionIndexStats {
    const { type, source } = this.#buckets;
    return {
      subscriptions: this.#entries.size,
      indexed: this.#entries.size - this.#scan.size,
      scanned: this.#scan.size,
      exactKeys: { type: type.exact.size, source: source.exact.size },
      prefixKeys: { type: type.prefix.size, source: source.prefix.size },
    };
  }

  #compile(subscription: Subscription): CompiledSubscription {
    const functions = this.#options.functions;
    return compileSubscription(subscription, functions === undefined ? {} : { functions });
  }

  #insert(compiled: CompiledSubscription, order: number): void {
    const entry: Entry = { compiled, order, condition: necessaryCondition(compiled.node) };
    this.#entries.set(compiled.id, entry);
    if (entry.condition === undefined) {
      this.#scan.add(entry);
      return;
    }
    for (const atom of entry.condition) {
      const buckets = this.#buckets[atom.attribute];
      buckets.all.add(entry);
      if (atom.op === "prefix") buckets.prefix.add(atom.value, entry);
      else {
        let set = buckets.exact.get(atom.value);
        if (set === undefined) {
          set = new Set();
          buckets.exact.set(atom.value, set);
        }
        set.add(entry);
      }
    }
  }

  #unfile(entry: Entry): void {
    if (entry.condition === undefined) {
      this.#scan.delete(entry);
      return;
    }
    for (const atom of entry.condition) {
      const buckets = this.#buckets[atom.attribute];
      buckets.all.delete(entry);
      if (atom.op === "prefix") buckets.prefix.delete(atom.value, entry);
      else {
        const set = buckets.exact.get(atom.value);
        set?.delete(entry);
        if (set?.size === 0) buckets.exact.delete(atom.value);
      }
    }
  }

  #matching(event: EventAttributes): Entry[] {
    const candidates = new Set<Entry>(this.#scan);
    const add = (e: Entry) => {
      candidates.add(e);
    };
    this.#candidates("type", event, add);
    this.#candidates("source", event, add);
    const out: Entry[] = [];
    for (const entry of candidates) if (entry.compiled.matches(event)) out.push(entry);
    return this.#sorted(out);
  }

  #candidates(attribute: IndexedAttribute, event: EventAttributes, add: (e: Entry) => void): void {
    const buckets = this.#buckets[attribute];
    if (buckets.all.size === 0) return;
    let value: unknown;
    try {
      value = readAttribute(event, attribute);
    } catch {
      value = THREW;
    }
    if (typeof value === "string") {
      const exact = buckets.exact.get(value);
      if (exact) for (const e of exact) add(e);
      buckets.prefix.collect(value, add);
    } else if (value !== undefined && value !== null) {
      // Not a string (a malformed event): casts could make any atom hold, so check all of them in full.
      for (const e of buckets.all) add(e);
    }
    // Absent: no atom on this attribute can hold (a missing attribute fails exact, prefix, CESQL and cdevents).
  }

  #sorted(entries: Entry[]): Entry[] {
    return entries.length > 1 ? entries.sort((a, b) => a.order - b.order) : entries;
  }
}
