/**
 * Group commit: requests that arrive while a transaction is committing wait together and are committed by the next
 * one, so durability costs one fsync per group rather than per event. The queue is bounded in events and in bytes of
 * event text; a full queue refuses new work at once (the HTTP layer answers 429 with Retry-After) instead of growing
 * memory.
 * @module
 */
import type { AppendOutcome, EventStore, NewEvent } from "../store/types.ts";

/** Thrown by {@link CommitQueue.submit} when accepting the events would exceed the bound. */
export class QueueFullError extends Error {
  readonly code = "CAIRN_ERR_QUEUE_FULL";

  constructor(what: string) {
    super(`the ingest queue is full (${what} waiting)`);
    this.name = "QueueFullError";
  }
}

/** Options of a {@link CommitQueue}. */
export interface CommitQueueOptions {
  /** Most events waiting or committing at once. */
  readonly maxPending: number;
  /**
   * Most bytes of event text (body and attributes, counted in UTF-16 code units: bytes for ASCII) waiting or
   * committing at once. Unbounded when absent.
   */
  readonly maxPendingBytes?: number;
  /** Most events per transaction (whole requests are never split, so one large request may exceed it). */
  readonly maxBatch: number;
  /**
   * Most transactions submitted to the store at once (default 1). With 2, the next group goes to the store while
   * the last commits: a store that commits one transaction at a time anyway (the SQLite writer thread) starts it
   * the moment the last one is done, rather than a round trip later.
   */
  readonly maxCommitting?: number;
  /** Called after each transaction with its size and duration (metrics). */
  readonly onCommit?: (events: number, seconds: number, ok: boolean) => void;
}

interface Waiting {
  readonly events: readonly NewEvent[];
  readonly bytes: number;
  readonly resolve: (outcomes: AppendOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A bounded group-commit queue in front of an {@link EventStore}. */
export class CommitQueue {
  readonly #store: EventStore;
  readonly #options: CommitQueueOptions;
  #waiting: Waiting[] = [];
  #pending = 0;
  #pendingBytes = 0;
  #committing = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  readonly #maxCommitting: number;

  constructor(store: EventStore, options: CommitQueueOptions) {
    this.#store = store;
    this.#options = options;
    this.#maxCommitting = options.maxCommitting ?? 1;
  }

  /** Events waiting or being committed. */
  get depth(): number {
    return this.#pending;
  }

  /** The bound. */
  get capacity(): number {
    return this.#options.maxPending;
  }

  /** Bytes of event text waiting or being committed (see {@link CommitQueueOptions.maxPendingBytes}). */
  get depthBytes(): number {
    return this.#pendingBytes;
  }

  /** True when either bound is reached: a new request would be refused, so it need not even be read. */
  get saturated(): boolean {
    return this.#pending >= this.#options.maxPending || this.#pendingBytes >= this.#maxBytes;
  }

  get #maxBytes(): number {
    return this.#options.maxPendingBytes ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Queues a request's events for the next transaction; resolves once they are durable (outcomes in input order).
   * All events of one call are committed in the same transaction. Throws {@link QueueFullError} at once when full.
   */
  submit(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    const bytes = textBytes(events);
    // An oversized request is still taken when nothing else waits, so the bounds can never starve it.
    if (this.#pending > 0) {
      const max = this.#options.maxPending;
      if (this.#pending + events.length > max)
        return Promise.reject(new QueueFullError(`${this.#pending} of ${max} events`));
      if (this.#pendingBytes + bytes > this.#maxBytes)
        return Promise.reject(new QueueFullError(`${this.#pendingBytes} of ${this.#maxBytes} bytes`));
    }
    this.#pending += events.length;
    this.#pendingBytes += bytes;
    const done = new Promise<AppendOutcome[]>((resolve, reject) => {
      this.#waiting.push({ events, bytes, resolve, reject });
    });
    this.#schedule();
    return done;
  }

  /** Resolves when nothing is waiting or committing. */
  drained(): Promise<void> {
    if (this.#committing === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  // Starts the next group on a later turn of the event loop: the requests read in this turn join it, and what the
  // last commit woke runs first.
  #schedule(): void {
    if (this.#scheduled || this.#waiting.length === 0 || this.#committing >= this.#maxCommitting) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#waiting.length > 0 && this.#committing < this.#maxCommitting) {
        this.#committing++;
        void this.#commit(this.#takeGroup()).finally(() => {
          this.#committing--;
          this.#schedule();
          if (this.#committing === 0 && this.#waiting.length === 0)
            for (const resolve of this.#idle.splice(0)) resolve();
        });
      }
    });
  }

  async #commit(group: readonly Waiting[]): Promise<void> {
    const events = group.flatMap((w) => w.events);
    const started = performance.now();
    try {
      const outcomes = await this.#store.append(events);
      this.#options.onCommit?.(events.length, (performance.now() - started) / 1000, true);
      let at = 0;
      for (const w of group) {
        w.resolve(outcomes.slice(at, at + w.events.length));
        at += w.events.length;
      }
    } catch (e) {
      this.#options.onCommit?.(events.length, (performance.now() - started) / 1000, false);
      for (const w of group) w.reject(e);
    } finally {
      this.#pending -= events.length;
      for (const w of group) this.#pendingBytes -= w.bytes;
    }
  }

  #takeGroup(): Waiting[] {
    let n = 0;
    let i = 0;
    while (i < this.#waiting.length) {
      const size = this.#waiting[i]?.events.length ?? 0;
      if (i > 0 && n + size > this.#options.maxBatch) break;
      n += size;
      i++;
    }
    return this.#waiting.splice(0, i);
  }
}

// The text an event holds in memory while it waits: its body and attributes (the other fields are short).
function textBytes(events: readonly NewEvent[]): number {
  let n = 0;
  for (const e of events) n += e.body.length + e.attributes.length;
  return n;
}
