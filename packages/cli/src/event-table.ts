/**
 * The human output of `events` and `tail`: one line per stored event — sequence, event time, type, source and
 * subject id — in columns.
 * @module
 */
import type { Output } from "./io.ts";

/** A stored event as the hub's API returns it: `{ sequence, receivedAt, cloudEvent, event }`. */
export interface StoredEventJson {
  readonly sequence: number;
  readonly receivedAt: string;
  readonly cloudEvent: Record<string, unknown>;
  readonly event: {
    readonly context?: { readonly type?: unknown; readonly source?: unknown; readonly timestamp?: unknown };
    readonly subject?: { readonly id?: unknown };
  };
}

const HEADER = ["SEQ", "TIME", "TYPE", "SOURCE", "SUBJECT"] as const;

function text(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "-" : JSON.stringify(v);
}

/** The cells of one event; the time is the event's own (`context.timestamp`), as the `--from`/`--to` filters use. */
export function eventCells(e: StoredEventJson): string[] {
  const context = e.event.context ?? {};
  return [
    String(e.sequence),
    text(context.timestamp ?? e.receivedAt),
    text(context.type),
    text(context.source),
    text(e.event.subject?.id),
  ];
}

/**
 * Prints rows under a header. Pages (and streamed events) arrive one after another, so column widths only ever grow:
 * later lines may be wider than earlier ones, never narrower.
 */
export class EventTable {
  readonly #out: Output;
  readonly #widths: number[] = HEADER.map((h) => h.length);
  #headed = false;

  constructor(out: Output) {
    this.#out = out;
  }

  /** Prints events, with the header before the first. */
  print(events: readonly StoredEventJson[]): void {
    const rows = events.map(eventCells);
    for (const row of rows)
      row.forEach((cell, i) => {
        this.#widths[i] = Math.max(this.#widths[i] ?? 0, cell.length);
      });
    if (!this.#headed && rows.length > 0) {
      this.#headed = true;
      this.#out.line(this.#out.style("bold", this.#format(HEADER)));
    }
    for (const row of rows) this.#out.line(this.#format(row));
  }

  #format(cells: readonly string[]): string {
    const last = cells.length - 1;
    return cells
      .map((cell, i) =>
        i === 0 ? cell.padStart(this.#widths[0] ?? 0) : i === last ? cell : cell.padEnd(this.#widths[i] ?? 0),
      )
      .join("  ");
  }
}
