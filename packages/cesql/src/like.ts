/**
 * LIKE patterns (spec §3.4.3), compiled once into a matcher that never backtracks more than one segment: `%` splits
 * the pattern into segments of fixed length, the first must match at the start, the last at the end, and each one
 * between at its leftmost place after the previous one. Worst case O(text × pattern); no regular expression, so
 * no catastrophic backtracking on user-supplied patterns.
 *
 * Escapes: `\%` and `\_` match `%` and `_`, `\\` matches one backslash, and a backslash before anything else matches
 * itself (the test kit's `'ab\c' LIKE 'ab\c'` is true).
 * @module
 */

/** Tests a text against one compiled pattern. */
export type LikeMatcher = (text: string) => boolean;

/** One pattern segment: code points, with `null` for `_` (any one character). */
type Segment = readonly (string | null)[];

/** Compiles a LIKE pattern (the string literal's value, escapes still in it). */
export function compileLike(pattern: string): LikeMatcher {
  const segments = splitPattern(pattern);
  if (segments.every((s) => !s.includes(null))) return literalMatcher(segments.map((s) => s.join("")));
  return wildcardMatcher(segments);
}

/** Splits a pattern on unescaped `%` into segments; consecutive `%` collapse. */
function splitPattern(pattern: string): Segment[] {
  const chars = Array.from(pattern);
  const segments: (string | null)[][] = [[]];
  let current = segments[0] as (string | null)[];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    if (c === "\\" && (next === "%" || next === "_" || next === "\\")) {
      current.push(next);
      i++;
    } else if (c === "%") {
      if (current.length > 0 || segments.length === 1) {
        current = [];
        segments.push(current);
      }
    } else current.push(c === "_" ? null : c);
  }
  return segments;
}

/** Without `_`, segments are plain strings: startsWith, endsWith and indexOf do all the work. */
function literalMatcher(parts: readonly string[]): LikeMatcher {
  const first = parts[0] as string;
  if (parts.length === 1) return (text) => text === first;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1);
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  if (middle.length === 0) {
    if (first === "" && last === "") return () => true;
    return (text) => text.length >= minLength && text.startsWith(first) && text.endsWith(last);
  }
  return (text) => {
    if (text.length < minLength || !text.startsWith(first) || !text.endsWith(last)) return false;
    const limit = text.length - last.length;
    let pos = first.length;
    for (const part of middle) {
      const found = text.indexOf(part, pos);
      if (found < 0 || found + part.length > limit) return false;
      pos = found + part.length;
    }
    return true;
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * With `_`, text is compared character by character. A text without surrogates is indexed directly (a character is a
 * code unit); otherwise it is split into code points first, so that `_` matches one character, not half of one.
 */
function wildcardMatcher(segments: readonly Segment[]): LikeMatcher {
  return (text) => matchSegments(SURROGATE.test(text) ? Array.from(text) : text, segments);
}

function matchSegments(text: ArrayLike<string>, segments: readonly Segment[]): boolean {
  const first = segments[0] as Segment;
  if (segments.length === 1) return text.length === first.length && matchesAt(text, 0, first);
  const last = segments[segments.length - 1] as Segment;
  const limit = text.length - last.length;
  if (limit < first.length || !matchesAt(text, 0, first) || !matchesAt(text, limit, last)) return false;
  let pos = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const segment = segments[s] as Segment;
    while (pos + segment.length <= limit && !matchesAt(text, pos, segment)) pos++;
    if (pos + segment.length > limit) return false;
    pos += segment.length;
  }
  return true;
}

function matchesAt(text: ArrayLike<string>, at: number, segment: Segment): boolean {
  for (let j = 0; j < segment.length; j++) {
    const want = segment[j];
    if (want !== null && text[at + j] !== want) return false;
  }
  return true;
}
