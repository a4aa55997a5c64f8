/**
 * Live streams (Server-Sent Events). Each client has a cursor and a filter; when the store reports new events, each
 * client reads what matches after its cursor from the store itself. So a stream is resumable from any sequence
 * (`Last-Event-ID`), sees exactly what the query API would, and a slow client only falls behind: the hub never
 * buffers unboundedly for it (it waits for the socket to drain before reading more).
 * @module
 */
import type { ServerResponse } from "node:http";
import { eventJson } from "../routes/event-json.ts";
import type { EventFilter } from "../routes/query-params.ts";
import type { EventQuery, EventStore } from "../store/types.ts";

const PAGE = 500;
const HEARTBEAT_MS = 15_000;

/** One SSE line group: `id`, `event`, and the JSON split over `data:` lines (an event's text may hold newlines). */
export function sseFrame(id: number, json: string): string {
  return `id: ${id}\nevent: cdevent\ndata: ${json.split(/\r\n|\r|\n/).join("\ndata: ")}\n\n`;
}

class Client {
  readonly res: ServerResponse;
  readonly filter: EventFilter;
  cursor: number;
  #busy = false;
  #again = false;
  closed = false;

  constructor(res: ServerResponse, filter: EventFilter, cursor: number) {
    this.res = res;
    this.filter = filter;
    this.cursor = cursor;
  }

  // Reads and writes until caught up; a notification during a pump makes it go round once more.
  async pump(store: EventStore, known: () => number, onError: (e: unknown) => void): Promise<void> {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#again = false;
        await this.#catchUp(store, known);
      } while (this.#again && !this.closed);
    } catch (e) {
      onError(e);
    } finally {
      this.#busy = false;
    }
  }

  async #catchUp(store: EventStore, known: () => number): Promise<void> {
    for (;;) {
      if (this.closed) return;
      // Everything up to `upTo` is committed (sequences become visible in order), so a short page moves the cursor
      // there even when nothing matched: the next read starts after it instead of rescanning.
      const upTo = known();
      const query: EventQuery = { ...this.filter, after: this.cursor, order: "asc", limit: PAGE };
      const page = await store.query(query);
      for (const e of page.events) {
        if (this.closed) return;
        this.cursor = e.sequence;
        if (!this.res.write(sseFrame(e.sequence, eventJson(e)))) await this.#drain();
      }
      if (page.next === null) {
        this.cursor = Math.max(this.cursor, upTo);
        return;
      }
    }
  }

  #drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }
}

/** All open streams of one hub. */
export class StreamHub {
  readonly #store: EventStore;
  readonly #clients = new Set<Client>();
  readonly #onError: (e: unknown) => void;
  #known = 0;
  #unwatch: (() => void) | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(store: EventStore, onError: (e: unknown) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Starts streaming to `res` (headers already sent): events matching `filter` after `from`, or from the current
   * end when `from` is null. Resolves when the client disconnects or the hub closes.
   */
  async open(res: ServerResponse, filter: EventFilter, from: number | null): Promise<void> {
    this.#start();
    const start = from ?? (await this.#store.stats()).lastSequence;
    this.#known = Math.max(this.#known, start);
    const client = new Client(res, filter, start);
    this.#clients.add(client);
    const closed = new Promise<void>((resolve) => {
      res.on("close", () => {
        client.closed = true;
        this.#clients.delete(client);
        resolve();
      });
    });
    // `id:` without data sets the client's last event id (EventSource's reconnect position) without an event, so a
    // client that drops before its first event resumes from here rather than from "now".
    res.write(`retry: 2000\nid: ${start}\n: resuming after ${start}\n\n`);
    void client.pump(this.#store, () => this.#known, this.#onError);
    return closed;
  }

  #start(): void {
    if (this.#unwatch) return;
    this.#unwatch = this.#store.watch((last) => {
      this.#known = Math.max(this.#known, last);
      for (const c of this.#clients) void c.pump(this.#store, () => this.#known, this.#onError);
    });
    this.#heartbeat = setInterval(() => {
      for (const c of this.#clients) c.res.write(": ping\n\n");
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Ends every stream (shutdown). */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const c of this.#clients) {
      c.closed = true;
      c.res.end();
    }
    this.#clients.clear();
  }
}
