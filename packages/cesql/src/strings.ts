/**
 * String helpers that count characters as the spec does: Unicode code points, not UTF-16 code units, so that an
 * emoji is one character for `LENGTH`, `LEFT`, `RIGHT` and `SUBSTRING`.
 * @module
 */

const SURROGATE = /[\uD800-\uDFFF]/;

/** The code points of `s` (a text without surrogates needs no splitting: each code unit is one). */
function characters(s: string): string | string[] {
  return SURROGATE.test(s) ? Array.from(s) : s;
}

/** Number of characters (code points). */
export function characterLength(s: string): number {
  return SURROGATE.test(s) ? Array.from(s).length : s.length;
}

/** Characters `start` (0-based, included) to `end` (excluded), both within 0..length. */
export function sliceCharacters(s: string, start: number, end?: number): string {
  const chars = characters(s);
  return typeof chars === "string" ? chars.slice(start, end) : chars.slice(start, end).join("");
}

/**
 * Unicode White_Space (PropList.txt): what `TRIM` removes. JavaScript's `trim()` differs (it removes U+FEFF, which
 * is not White_Space, and keeps U+0085, which is).
 */
const WHITE_SPACE: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** `s` without leading and trailing Unicode white space; a linear scan, where a regular expression could backtrack. */
export function trimWhiteSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && WHITE_SPACE.has(s.charCodeAt(start))) start++;
  while (end > start && WHITE_SPACE.has(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}
