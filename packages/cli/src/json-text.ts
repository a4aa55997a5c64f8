/**
 * Slicing JSON text without re-serialising it. The hub answers with events exactly as they were received (key
 * order, number spelling, escapes); `--json` and `--jsonl` pass that text on instead of a `JSON.stringify` copy.
 * The input has already been checked with `JSON.parse`, so the scanner only needs to find boundaries.
 * @module
 */

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);

function skipWhitespace(text: string, i: number): number {
  let at = i;
  while (at < text.length && WHITESPACE.has(text.charAt(at))) at++;
  return at;
}

function skipString(text: string, i: number): number {
  let at = i + 1;
  while (at < text.length) {
    const c = text.charAt(at);
    if (c === "\\") at += 2;
    else if (c === '"') return at + 1;
    else at++;
  }
  return at;
}

// The end (exclusive) of the value that starts at `i`.
function skipValue(text: string, i: number): number {
  const first = text.charAt(i);
  if (first === '"') return skipString(text, i);
  if (first !== "{" && first !== "[") {
    let at = i;
    while (at < text.length && !",}] \t\n\r".includes(text.charAt(at))) at++;
    return at;
  }
  let depth = 0;
  let at = i;
  while (at < text.length) {
    const c = text.charAt(at);
    if (c === '"') {
      at = skipString(text, at);
      continue;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    at++;
    if (depth === 0) return at;
  }
  return at;
}

/** The text of each item of the array that is the value of `key` in a JSON object's text (empty when absent). */
export function arrayItems(text: string, key: string): string[] {
  let at = skipWhitespace(text, 0);
  if (text.charAt(at) !== "{") return [];
  at++;
  while (at < text.length) {
    at = skipWhitespace(text, at);
    if (text.charAt(at) !== '"') return [];
    const keyEnd = skipString(text, at);
    const name = JSON.parse(text.slice(at, keyEnd)) as string;
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1); // past the colon
    const valueEnd = skipValue(text, valueStart);
    if (name === key) return items(text, valueStart, valueEnd);
    at = skipWhitespace(text, valueEnd) + 1; // past the comma
  }
  return [];
}

function items(text: string, start: number, end: number): string[] {
  if (text.charAt(start) !== "[") return [];
  const out: string[] = [];
  let at = skipWhitespace(text, start + 1);
  while (at < end && text.charAt(at) !== "]") {
    const itemEnd = skipValue(text, at);
    out.push(text.slice(at, itemEnd));
    at = skipWhitespace(text, skipWhitespace(text, itemEnd) + 1); // past the comma
  }
  return out;
}

/**
 * JSON text on one line, for JSON Lines: line breaks can only be insignificant whitespace (JSON strings cannot hold
 * them raw), so text without any is returned as is, and otherwise the whitespace between tokens is removed.
 */
export function oneLine(text: string): string {
  if (!/[\r\n]/.test(text)) return text;
  let out = "";
  let at = 0;
  while (at < text.length) {
    const c = text.charAt(at);
    if (c === '"') {
      const end = skipString(text, at);
      out += text.slice(at, end);
      at = end;
    } else {
      if (!WHITESPACE.has(c)) out += c;
      at++;
    }
  }
  return out;
}
