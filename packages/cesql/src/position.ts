/**
 * Positions in an expression's text, for error messages and editors.
 * @module
 */

/**
 * Where something is in the expression text. `offset` counts UTF-16 code units from 0 (a JavaScript string index);
 * `line` and `column` count from 1, columns in UTF-16 code units. `\n`, `\r\n` and a lone `\r` each end a line.
 */
export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Turns offsets into {@link SourcePosition}s; line starts are computed once per text. */
export type Locator = (offset: number) => SourcePosition;

/** A {@link Locator} for `text`. */
export function locator(text: string): Locator {
  const starts = lineStarts(text);
  return (offset) => {
    // The last line starting at or before `offset` (binary search: long generated filters have many lines).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
