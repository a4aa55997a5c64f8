/**
 * How often the PostgreSQL store notifies other replicas of its appends: at most once per interval, and always, within
 * three intervals, for the last one.
 * @module
 */

/**
 * Default interval. Each notification wakes every listening backend and, through it, every replica (the appending
 * one included); one per append cost PostgreSQL about 10 µs of CPU per event with groups of 22 and lengthened
 * each append, which holds the append lock. Another replica's stream may hear of an event up to three intervals
 * later than it did.
 */
export const NOTIFY_INTERVAL_MS = 10;

/**
 * Decides which appends notify and sends a trailing notification for the others. An append asks {@link take}
 * before it is sent (true: its statement notifies) and reports {@link settled} once it committed or failed. A
 * sequence no notification covers is sent by `send` when no append has notified for two intervals and none that
 * will is in flight: under steady load the next notifying append covers it, and no extra transaction (with its
 * own commit flush) is spent on it.
 */
export class NotifyThrottle {
  readonly #send: (lastSequence: number) => Promise<unknown>;
  readonly #intervalMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  // Highest sequence a notification carried or is carrying, and the highest still waiting for one.
  #notified = 0;
  #pending = 0;
  // Notifying appends sent and not yet settled: each will carry a sequence above any pending one.
  #covering = 0;
  #timer: NodeJS.Timeout | null = null;
  // Trailing notifications go one at a time, in order (the pool could run two on two connections, the later first).
  #sending: Promise<unknown> = Promise.resolve();

  constructor(send: (lastSequence: number) => Promise<unknown>, intervalMs = NOTIFY_INTERVAL_MS) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  /** Whether the append about to be sent should notify; if so, the interval starts again now. */
  take(): boolean {
    const now = performance.now();
    if (now - this.#lastAt < this.#intervalMs) return false;
    this.#lastAt = now;
    this.#covering++;
    return true;
  }

  /**
   * An append committed with `lastSequence` (0: nothing new, or it failed); `notified`: what {@link take} answered
   * for it.
   */
  settled(lastSequence: number, notified: boolean): void {
    if (notified) {
      this.#covering--;
      this.#notified = Math.max(this.#notified, lastSequence);
      if (this.#pending <= this.#notified) this.#cancel();
    } else if (lastSequence > this.#notified && lastSequence > this.#pending) this.#pending = lastSequence;
    if (this.#pending > 0) this.#arm();
  }

  #arm(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      if (this.#covering > 0 || performance.now() - this.#lastAt < 2 * this.#intervalMs) this.#arm();
      else this.#flush();
    }, this.#intervalMs);
  }

  /** Sends what is pending now (on close), stops the timer, and resolves once every notification was sent. */
  async flush(): Promise<void> {
    this.#flush();
    await this.#sending;
  }

  #flush(): void {
    const seq = this.#pending;
    this.#cancel();
    if (seq <= this.#notified) return;
    this.#lastAt = performance.now();
    this.#notified = seq;
    // A lost notification is not an error of any append: a replica's listener catches up when it reconnects, and
    // the next notification carries a later sequence.
    this.#sending = this.#sending.then(() => this.#send(seq)).catch(() => {});
  }

  #cancel(): void {
    this.#pending = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
