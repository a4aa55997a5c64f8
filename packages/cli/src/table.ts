/**
 * Human output in columns for the commands that list things other than events (`subscriptions`, `deadletters`):
 * a bold header, then one line per row, cells padded to the widest seen so far.
 * @module
 */
import type { Output } from "./io.ts";

/** One column: its header and whether its cells are aligned right (numbers). */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/**
 * Prints rows under a header. Pages arrive one after another, so column widths only ever grow: later lines may be
 * wider than earlier ones, never narrower. The last column is not padded (no trailing spaces).
 */
export class Table {
  readonly #out: Output;
  readonly #columns: readonly Column[];
  readonly #widths: number[];
  #headed = false;

  constructor(out: Output, columns: readonly Column[]) {
    this.#out = out;
    this.#columns = columns;
    this.#widths = columns.map((c) => c.header.length);
  }

  /** How many rows were printed (the header not counted). */
  rows = 0;

  /** Prints rows, with the header before the first. */
  print(rows: readonly (readonly string[])[]): void {
    for (const row of rows)
      row.forEach((cell, i) => {
        this.#widths[i] = Math.max(this.#widths[i] ?? 0, cell.length);
      });
    if (!this.#headed && rows.length > 0) {
      this.#headed = true;
      this.#out.line(this.#out.style("bold", this.#format(this.#columns.map((c) => c.header))));
    }
    for (const row of rows) this.#out.line(this.#format(row));
    this.rows += rows.length;
  }

  #format(cells: readonly string[]): string {
    const last = cells.length - 1;
    return cells
      .map((cell, i) => {
        const width = this.#widths[i] ?? 0;
        if (this.#columns[i]?.right) return cell.padStart(width);
        return i === last ? cell : cell.padEnd(width);
      })
      .join("  ");
  }
}

/** A cell's text: strings as they are, absent values as `-`, anything else as JSON. */
export function cellText(v: unknown): string {
  if (typeof v === "string") return v === "" ? '""' : oneLineText(v);
  if (v === undefined || v === null) return "-";
  return JSON.stringify(v);
}

/** Text cut to `max` characters, ending in `…` when cut. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// A cell is one line: line breaks and tabs in a value would break the columns.
function oneLineText(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ");
}
