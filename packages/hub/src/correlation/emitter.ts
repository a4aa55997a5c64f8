/**
 * The emitter: pending firings → the hub's commit path. Each firing's event (built by the loop) is submitted to
 * the group-commit queue like an ingested event, so subscriptions see it; its `(source, id)` — the id is the
 * idempotency key — makes a second submission a duplicate that answers the first one's sequence. Then
 * `markEmitted` records the sequence and, for a trigger with a sink, enqueues the sink delivery, in one
 * transaction. A crash anywhere in between emits the firing again at the next start, with the same outcome: one
 * stored event, one sink delivery.
 * @module
 */
import type { Logger } from "pino";
import type { CommitQueue } from "../ingest/commit-queue.ts";
import { toNewEvent } from "../ingest/record.ts";
import type { CorrelationStore, FiredRecord } from "./store.ts";

const BATCH = 100;
const RETRY_MS = 1000;
// Replicas: another one may have recorded firings this process was not told about.
const POLL_MS = 5000;

/** What the emitter needs. */
export interface EmitterDeps {
  readonly correlations: CorrelationStore;
  readonly commits: CommitQueue;
  readonly log: Logger;
  /** The sink subscription of a trigger, or null (no sink, or the trigger is gone). */
  readonly sinkOf: (triggerId: string) => string | null;
  /** Called after each emission this process recorded. */
  readonly onEmitted: (f: FiredRecord, sequence: number, duplicate: boolean, sink: boolean) => void;
}

/** Emits pending firings. `wake()` when firings were recorded. */
export class Emitter {
  readonly #deps: EmitterDeps;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: EmitterDeps) {
    this.#deps = deps;
  }

  /** Emits what is pending (coalesced). */
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
    if (this.#timer) clearTimeout(this.#timer);
    let delay = POLL_MS;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && (await this.#batch())) {}
      } while (this.#again && !this.#stopped);
    } catch (err) {
      // The store is unavailable or the commit queue full: the firings stay pending and are emitted later.
      this.#deps.log.warn({ err }, "emitting correlated events failed; retrying");
      delay = RETRY_MS;
    }
    if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), delay).unref();
  }

  // Emits one batch; true when there may be more.
  async #batch(): Promise<boolean> {
    const pending = await this.#deps.correlations.pendingFired(BATCH);
    for (const f of pending) {
      if (this.#stopped) return false;
      await this.#emit(f);
    }
    return pending.length === BATCH;
  }

  async #emit(f: FiredRecord): Promise<void> {
    const { correlations, commits } = this.#deps;
    if (!f.event) return;
    const cdevent = JSON.parse(f.event.body) as Record<string, unknown>;
    const record = toNewEvent(cdevent, f.event.body, f.event.attributes, Date.now());
    const [outcome] = await commits.submit([record]);
    if (!outcome) return;
    const subscriptionId = this.#deps.sinkOf(f.triggerId);
    const sink = subscriptionId === null ? null : { subscriptionId, ingestedMs: record.receivedAtMs };
    if (await correlations.markEmitted(f.idempotencyKey, outcome.sequence, sink))
      this.#deps.onEmitted(f, outcome.sequence, outcome.duplicate, sink !== null);
  }

  /** Starts emitting (what a previous process left pending first). */
  start(): void {
    this.wake();
  }

  /** Stops emitting and waits for the emission in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
