/**
 * Locating values inside JSON text that is already known to be valid, so the hub can store each CDEvent exactly as
 * it was sent (the `data` member of a structured envelope, the entries of a batch) without re-serialising it.
 * @module
 */

/** A value's position in the text: `text.slice(start, end)`. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first non-white-space character at or after `i` (`text.length` when none). */
export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

// `i` is at an opening quote; returns the index after the closing one (`text.length` when unterminated). The
// closing quote is found with `indexOf` (native, far faster than a loop over the characters of a long string); a
// quote preceded by an odd number of backslashes is escaped, and the search goes on after it.
function skipString(text: string, i: number): number {
  let q = text.indexOf('"', i + 1);
  while (q !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    q = text.indexOf('"', q + 1);
  }
  return text.length;
}

/** Index just after the JSON value starting at `i` (no leading whitespace). */
export function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) i = skipString(text, i) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return i;
  }
  // Number, true, false, null: up to the next delimiter.
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
    i++;
  }
  return i;
}

/** The span of member `name` of the object starting at `start` (after whitespace), or null if absent. */
export function memberSpan(text: string, start: number, name: string): Span | null {
  const i = skipSpace(text, start);
  return text.charCodeAt(i) === 0x7b ? scanObject(text, i, name).member : null;
}

// Walks the members of the object whose `{` is at `i`: the index after its `}` and the span of member `name`.
function scanObject(text: string, i: number, name: string): { end: number; member: Span | null } {
  i = skipSpace(text, i + 1);
  let member: Span | null = null;
  while (i < text.length && text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes("\\") ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw;
    i = skipSpace(text, keyEnd);
    i = skipSpace(text, i + 1); // past ':'
    const end = skipValue(text, i);
    // JSON.parse keeps the last of repeated members; so does this.
    if (key === name) member = { start: i, end };
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipSpace(text, i + 1);
  }
  return { end: i + 1, member };
}

/** An element of an array, and the span of the member asked for when the element is an object holding it. */
export interface ElementSpan extends Span {
  readonly member: Span | null;
}

/**
 * The spans of the elements of the array at the top of `text`, or null if it is not an array. With `name`, each
 * object element's member of that name is located in the same pass (the text is walked once).
 */
export function elementSpans(text: string, name = ""): ElementSpan[] | null {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x5b) return null;
  i = skipSpace(text, i + 1);
  const spans: ElementSpan[] = [];
  if (text.charCodeAt(i) === 0x5d) return spans;
  while (i < text.length) {
    const object = name !== "" && text.charCodeAt(i) === 0x7b ? scanObject(text, i, name) : null;
    const end = object ? object.end : skipValue(text, i);
    spans.push({ start: i, end, member: object ? object.member : null });
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipSpace(text, i + 1);
  }
  return spans;
}
