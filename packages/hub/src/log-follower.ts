/**
 * Following the event log with a durable cursor: the shape shared by the routing loop and the correlation loop.
 * Each page of events after the cursor is handed to the consumer, which commits its effects and the cursor move in
 * one transaction of its own store (a transactional outbox over the log), compare-and-set on the cursor so replicas
 * sharing a database never apply a page twice. Woken by the store's watch, and by a timer as a fallback.
 * @module
 */
import type { Logger } from "pino";
import type { EventStore, NewEvent, StoredEvent } from "./store/types.ts";

const PAGE = 500;
const RETRY_MS = 1000;
const POLL_MS = 5000;
// While idle, the cursor follows the log's end in memory and is stored at most this often.
const IDLE_STORE_MS = 1000;
// While idle, a consumer that reloads its definitions before each page (replicas) is woken by new events at most
// this often (see `#told`).
const IDLE_WAKE_MS = 100;

/** What a consumer of the log provides. */
export interface LogConsumer {
  /** For log messages: "routing", "correlation". */
  readonly name: string;
  /** The durable cursor, or null on a database's first start. */
  readonly storedCursor: () => Promise<number | null>;
  /** Records the first cursor (the log's end when the consumer first starts) and returns the one in effect. */
  readonly initCursor: (end: number) => Promise<number>;
  /** False when nothing could use the events (no subscriptions, no triggers): the cursor skips to the log's end. */
  readonly active: () => boolean;
  /** Called before each page (replicas reload definitions another replica changed). */
  readonly beforePage?: () => Promise<void>;
  /**
   * Applies `events` (possibly none, when skipping) and moves the cursor `from` → `to` in one transaction; false
   * when the cursor was no longer at `from` (another replica applied the page).
   */
  readonly commit: (events: readonly StoredEvent[], from: number, to: number) => Promise<boolean>;
  /** Called when caught up, after each pass. */
  readonly afterPass?: () => Promise<void>;
  /**
   * The stored cursor may also be moved by others in this process (routing inside the append transaction): each
   * page re-reads it first, and reads nothing from the log once it is at the log's end.
   */
  readonly sharedCursor?: boolean;
}

/** A durable cursor over the event log driving one consumer. */
export class LogFollower {
  readonly #store: EventStore;
  readonly #log: Logger;
  readonly #consumer: LogConsumer;
  // The cursor in effect, and the one last stored (behind it only while idle, see #page).
  #cursor = 0;
  #stored = 0;
  #storedAtMs = 0;
  // The log's end as last told by the store's watch (or read on start and on timer wakes).
  #end = 0;
  #refreshEnd = false;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #unwatch: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #idleWake: NodeJS.Timeout | null = null;

  constructor(store: EventStore, log: Logger, consumer: LogConsumer) {
    this.#store = store;
    this.#log = log;
    this.#consumer = consumer;
  }

  /** The highest sequence applied. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Starts following. The first start of a database begins at the log's current end. */
  async start(): Promise<void> {
    const c = this.#consumer;
    this.#end = (await this.#store.stats()).lastSequence;
    this.#cursor = (await c.storedCursor()) ?? (await c.initCursor(this.#end));
    this.#stored = this.#cursor;
    this.#unwatch = this.#store.watch((last) => {
      if (last > this.#end) this.#end = last;
      this.#told();
    });
    this.wake();
  }

  /** A shared cursor was moved to `sequence` by someone else in this process, durably. */
  advanced(sequence: number): void {
    if (sequence > this.#cursor) this.#cursor = sequence;
    if (sequence > this.#stored) this.#stored = sequence;
  }

  // New events were appended. An idle consumer that reloads its definitions before each page (a replica: another
  // may have added a subscription) only skips them, and skipping can wait: one pass every IDLE_WAKE_MS reloads
  // once for every append of the interval, where a pass per append cost PostgreSQL two queries per commit. Still
  // correct: the skip comes after a reload that began after the skipped events were committed. (A subscription
  // another replica adds may so receive events from up to that long before it was created.)
  #told(): void {
    const c = this.#consumer;
    if (!c.beforePage || c.active()) {
      this.wake();
      return;
    }
    this.#idleWake ??= setTimeout(() => {
      this.#idleWake = null;
      this.wake();
    }, IDLE_WAKE_MS).unref();
  }

  /** Applies what is new (coalesced: a wake during a pass makes it go round once more). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = null;
    });
  }

  async #pass(): Promise<void> {
    this.#clearTimer();
    let delay = POLL_MS;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && (await this.#page())) {}
      } while (this.#again && !this.#stopped);
      if (!this.#stopped) await this.#consumer.afterPass?.();
    } catch (err) {
      this.#log.error({ err }, `${this.#consumer.name} failed; retrying`);
      delay = RETRY_MS;
    }
    if (!this.#stopped)
      this.#timer = setTimeout(() => {
        // A timer pass (a missed notification, another replica) reads the log's end rather than trusting #end.
        this.#refreshEnd = true;
        this.wake();
      }, delay).unref();
  }

  // One page; true when there may be more.
  async #page(): Promise<boolean> {
    const c = this.#consumer;
    if (this.#refreshEnd) {
      this.#refreshEnd = false;
      this.#end = Math.max(this.#end, (await this.#store.stats()).lastSequence);
    }
    if (c.sharedCursor) {
      // Told of every move made here (see advanced): at the end, there is nothing to read, not even the cursor.
      if (this.#cursor >= this.#end) return false;
      const stored = await c.storedCursor();
      if (stored !== null && stored > this.#stored) this.#cursor = this.#stored = stored;
      if (this.#cursor >= this.#end) return false;
    }
    // With nothing to apply events to, move to the end without reading the events back (otherwise every
    // ingested event would be read again, body and all, only to be dropped). The move is stored at most once a
    // second (a transaction per ingest commit would cost more than the events' routing itself); the next page
    // stores it with its own move, and a restart at worst skips less of what no consumer wanted.
    if (!c.active()) {
      await c.beforePage?.();
      if (!c.active()) {
        this.#cursor = Math.max(this.#cursor, this.#end);
        if (this.#cursor > this.#stored && Date.now() - this.#storedAtMs >= IDLE_STORE_MS)
          await this.#move([], this.#cursor);
        return false;
      }
    }
    const page = await this.#store.query({ after: this.#cursor, order: "asc", limit: PAGE });
    const last = page.events.at(-1);
    if (!last) return false;
    await c.beforePage?.();
    await this.#move(page.events, last.sequence);
    return true;
  }

  // Commits `events` and the move of the stored cursor to `to` (compare-and-set from the stored one).
  async #move(events: readonly StoredEvent[], to: number): Promise<void> {
    if (to <= this.#stored) return;
    if (await this.#consumer.commit(events, this.#stored, to)) this.#cursor = this.#stored = to;
    // Another replica applied this page: continue from where it got.
    else this.#cursor = this.#stored = (await this.#consumer.storedCursor()) ?? this.#stored;
    this.#storedAtMs = Date.now();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#idleWake) clearTimeout(this.#idleWake);
    this.#idleWake = null;
  }

  /** Stops following and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    this.#clearTimer();
    await this.#running;
  }
}

/** A stored event's CloudEvent attributes, and its CDEvent parsed only when asked for. */
export interface ParsedStoredEvent {
  readonly attributes: Record<string, unknown>;
  readonly cdevent: () => unknown;
}

/** Parses what a log consumer needs of a stored event; null (logged) when its attributes are not JSON. */
export function parseStoredEvent(
  e: NewEvent & { readonly sequence?: number },
  log: Logger,
  consumer: string,
): ParsedStoredEvent | null {
  let attributes: Record<string, unknown>;
  try {
    attributes = JSON.parse(e.attributes) as Record<string, unknown>;
  } catch {
    log.error(
      { sequence: e.sequence, source: e.source, id: e.id },
      `attributes are not JSON; event skipped by ${consumer}`,
    );
    return null;
  }
  let cdevent: unknown;
  return {
    attributes,
    cdevent: () => {
      cdevent ??= JSON.parse(e.body) as unknown;
      return cdevent;
    },
  };
}
