/**
 * Background retention: every interval, delete events older than the maximum age and the oldest events past the
 * maximum size. The store deletes in short transactions and yields between them, so ingest is not blocked.
 * @module
 */
import type { Logger } from "pino";
import type { HubConfig } from "./config/config.ts";
import type { EventStore, RetentionLimits } from "./store/types.ts";

/** Runs retention on a timer and on demand. */
export class Retention {
  readonly #store: EventStore;
  readonly #config: HubConfig["retention"];
  readonly #log: Logger;
  readonly #onDeleted: (n: number) => void;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(store: EventStore, config: HubConfig["retention"], log: Logger, onDeleted: (n: number) => void) {
    this.#store = store;
    this.#config = config;
    this.#log = log;
    this.#onDeleted = onDeleted;
  }

  /** True when a limit is configured. */
  get enabled(): boolean {
    return this.#config.maxAgeMs !== null || this.#config.maxBytes !== null;
  }

  /** Starts the timer (no-op without limits). */
  start(): void {
    if (!this.enabled || this.#timer) return;
    this.#timer = setInterval(() => void this.run().catch(() => {}), this.#config.intervalMs);
    this.#timer.unref();
  }

  /** One pass now (joins a pass already running); resolves to the number of events deleted. */
  run(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #pass(): Promise<number> {
    const limits: { -readonly [K in keyof RetentionLimits]: RetentionLimits[K] } = {};
    if (this.#config.maxAgeMs !== null) limits.receivedBefore = Date.now() - this.#config.maxAgeMs;
    if (this.#config.maxBytes !== null) limits.maxBytes = this.#config.maxBytes;
    try {
      const deleted = await this.#store.prune(limits);
      if (deleted > 0) {
        this.#onDeleted(deleted);
        this.#log.info({ deleted }, "retention deleted events");
      }
      return deleted;
    } catch (err) {
      this.#log.error({ err }, "retention failed");
      throw err;
    }
  }

  /** Stops the timer and waits for a running pass. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }
}
