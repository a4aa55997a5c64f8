/**
 * A small subset of npm's semver ranges, for the `cdevents` filter dialect's `versions`: the event version is the
 * `<M.m.p>` suffix of a CDEvents type. Supported (see docs/router.md, "Filters"):
 *
 * - `*`, `x` or an empty string: any version;
 * - X-ranges and exact versions: `0.x`, `0.3`, `0.3.x`, `0.3.0`, `=0.3.0`, `0.6.0-draft`;
 * - comparators `>`, `>=`, `<`, `<=` with full or partial versions (`>=0.2.0`, `<1`);
 * - caret `^0.3` (`>=0.3.0 <0.4.0`), `^1.2` (`>=1.2.0 <2.0.0`) and tilde `~0.3.1` (`>=0.3.1 <0.4.0`);
 * - space-separated comparators all apply (`>=0.2.0 <1.0.0`); `||` separates alternatives (`0.3.x || ^0.5`).
 *
 * As in npm, a pre-release version (`0.6.0-draft`) satisfies a range only if one of the alternative's comparators
 * names a pre-release of the same `M.m.p`. Hyphen ranges (`1.2.3 - 2.3.4`) and build metadata are not supported.
 * @module
 */
import { compareVersions, type Version } from "@cairn/cdevents";

/** A comparison operator of a desugared comparator. */
type Operator = "<" | "<=" | ">" | ">=" | "=";

/** One comparator on a full version. */
interface Comparator {
  readonly op: Operator;
  readonly version: Version;
}

/** A parsed range: alternatives (`||`), each a list of comparators that must all hold (empty: any version). */
export interface VersionRange {
  /** The range text as written. */
  readonly source: string;
  /** Alternatives; each is a conjunction of comparators. */
  readonly alternatives: readonly (readonly Comparator[])[];
}

/** Outcome of {@link parseVersionRange}: the range, or the problem and its offset in the text. */
export type VersionRangeResult =
  | { readonly ok: true; readonly range: VersionRange }
  | { readonly ok: false; readonly message: string; readonly offset: number };

/** A partial version: components absent or wildcards are `undefined`. */
interface Partial {
  readonly major: number | undefined;
  readonly minor: number | undefined;
  readonly patch: number | undefined;
  readonly pre: string;
}

const v = (major: number, minor: number, patch: number, pre = ""): Version => ({ major, minor, patch, pre });
/** Satisfied by no version: no release is below 0.0.0, and pre-releases of 0.0.0 need a pre-release comparator. */
const NOTHING: readonly Comparator[] = [{ op: "<", version: v(0, 0, 0) }];

class ParseFailure {
  readonly message: string;
  readonly offset: number;
  constructor(message: string, offset: number) {
    this.message = message;
    this.offset = offset;
  }
}

/** Parses a version range (see the module documentation for the grammar). Never throws. */
export function parseVersionRange(text: string): VersionRangeResult {
  const parser = new RangeParser(text);
  try {
    return { ok: true, range: { source: text, alternatives: parser.range() } };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, message: e.message, offset: e.offset };
    throw e;
  }
}

/** True when `version` satisfies `range`. */
export function satisfies(range: VersionRange, version: Version): boolean {
  return range.alternatives.some((set) => satisfiesAll(set, version));
}

function satisfiesAll(set: readonly Comparator[], version: Version): boolean {
  for (const c of set) if (!test(c, version)) return false;
  if (version.pre === "") return true;
  // npm's rule: a pre-release only matches when a comparator names a pre-release of the same M.m.p.
  return set.some(
    (c) =>
      c.version.pre !== "" &&
      c.version.major === version.major &&
      c.version.minor === version.minor &&
      c.version.patch === version.patch,
  );
}

function test(c: Comparator, version: Version): boolean {
  const cmp = compareVersions(version, c.version);
  switch (c.op) {
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    case "=":
      return cmp === 0;
  }
}

class RangeParser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  range(): Comparator[][] {
    const alternatives = [this.#set()];
    while (this.#text.startsWith("||", this.#at)) {
      this.#at += 2;
      alternatives.push(this.#set());
    }
    this.#spaces();
    if (this.#at < this.#text.length) this.#fail(`unexpected ${JSON.stringify(this.#text[this.#at])}`);
    return alternatives;
  }

  #set(): Comparator[] {
    const comparators: Comparator[] = [];
    for (;;) {
      this.#spaces();
      if (this.#at >= this.#text.length || this.#text.startsWith("||", this.#at)) return comparators;
      comparators.push(...this.#comparator());
    }
  }

  #comparator(): readonly Comparator[] {
    const op = /^(\^|~|>=|<=|>|<|=)?/.exec(this.#text.slice(this.#at))?.[0] ?? "";
    this.#at += op.length;
    this.#spaces();
    const p = this.#partial();
    switch (op) {
      case "^":
        return caret(p);
      case "~":
        return tilde(p);
      case ">":
        return greater(p);
      case ">=":
        return p.major === undefined ? [] : [{ op: ">=", version: floor(p) }];
      case "<":
        return p.major === undefined ? NOTHING : [{ op: "<", version: floor(p) }];
      case "<=":
        return lessOrEqual(p);
      default:
        return xRange(p);
    }
  }

  #partial(): Partial {
    const start = this.#at;
    const major = this.#component(start);
    let minor: number | undefined;
    let patch: number | undefined;
    let pre = "";
    let parts = 1;
    if (this.#text[this.#at] === ".") {
      this.#at++;
      minor = this.#component(start);
      parts++;
      if (this.#text[this.#at] === ".") {
        this.#at++;
        patch = this.#component(start);
        parts++;
        const m = /^-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)/.exec(this.#text.slice(this.#at));
        if (m) {
          if (major === undefined || minor === undefined || patch === undefined)
            this.#fail("a pre-release needs a full version (M.m.p-pre)", start);
          pre = m[1] ?? "";
          this.#at += m[0].length;
        }
      }
    }
    if (pre === "" && this.#text[this.#at] === "-") this.#fail("a pre-release needs a full version (M.m.p-pre)");
    // A wildcard makes every later component a wildcard: `1.x.3` means `1.x`.
    if (major === undefined) return { major: undefined, minor: undefined, patch: undefined, pre };
    if (minor === undefined) return { major, minor: undefined, patch: undefined, pre };
    return parts === 3 ? { major, minor, patch, pre } : { major, minor, patch: undefined, pre };
  }

  #component(versionStart: number): number | undefined {
    const m = /^(?:[xX*]|0|[1-9]\d{0,8})/.exec(this.#text.slice(this.#at));
    if (!m) {
      const what = this.#at < this.#text.length ? JSON.stringify(this.#text[this.#at]) : "the end of the range";
      this.#fail(`expected a version number, x or *, found ${what}`, Math.max(this.#at, versionStart));
    }
    const token = m?.[0] ?? "";
    this.#at += token.length;
    if (/^\d/.test(this.#text[this.#at] ?? ""))
      this.#fail(token === "0" ? "version numbers have no leading zeros" : "unexpected digit");
    return /^\d+$/.test(token) ? Number(token) : undefined;
  }

  #spaces(): void {
    while (this.#text[this.#at] === " " || this.#text[this.#at] === "\t") this.#at++;
  }

  #fail(message: string, at = this.#at): never {
    throw new ParseFailure(message, at);
  }
}

/** The lowest version a partial stands for: wildcards as 0. */
function floor(p: Partial): Version {
  return v(p.major ?? 0, p.minor ?? 0, p.patch ?? 0, p.pre);
}

function xRange(p: Partial): readonly Comparator[] {
  if (p.major === undefined) return [];
  if (p.minor === undefined)
    return [
      { op: ">=", version: floor(p) },
      { op: "<", version: v(p.major + 1, 0, 0) },
    ];
  if (p.patch === undefined)
    return [
      { op: ">=", version: floor(p) },
      { op: "<", version: v(p.major, p.minor + 1, 0) },
    ];
  return [{ op: "=", version: floor(p) }];
}

function greater(p: Partial): readonly Comparator[] {
  if (p.major === undefined) return NOTHING;
  if (p.minor === undefined) return [{ op: ">=", version: v(p.major + 1, 0, 0) }];
  if (p.patch === undefined) return [{ op: ">=", version: v(p.major, p.minor + 1, 0) }];
  return [{ op: ">", version: floor(p) }];
}

function lessOrEqual(p: Partial): readonly Comparator[] {
  if (p.major === undefined) return [];
  if (p.minor === undefined) return [{ op: "<", version: v(p.major + 1, 0, 0) }];
  if (p.patch === undefined) return [{ op: "<", version: v(p.major, p.minor + 1, 0) }];
  return [{ op: "<=", version: floor(p) }];
}

function caret(p: Partial): readonly Comparator[] {
  if (p.major === undefined) return [];
  const low: Comparator = { op: ">=", version: floor(p) };
  if (p.minor === undefined || p.major > 0) return [low, { op: "<", version: v(p.major + 1, 0, 0) }];
  if (p.patch === undefined || p.minor > 0) return [low, { op: "<", version: v(0, p.minor + 1, 0) }];
  return [low, { op: "<", version: v(0, 0, p.patch + 1) }];
}

function tilde(p: Partial): readonly Comparator[] {
  if (p.major === undefined) return [];
  const low: Comparator = { op: ">=", version: floor(p) };
  if (p.minor === undefined) return [low, { op: "<", version: v(p.major + 1, 0, 0) }];
  return [low, { op: "<", version: v(p.major, p.minor + 1, 0) }];
}
