/**
 * How often the PostgreSQL store notifies other replicas of its appends: at most once per interval, and always,
 * within one interval, for the last one.
 * @module
 */

/**
 * Default interval. Each notification wakes every listening backend and, through it, every replica (the appending
 * one included); one per append cost PostgreSQL about 10 µs of CPU per event with groups of 22 and lengthened
 * each append, which holds the append lock. Ten milliseconds is what another replica's stream may wait longer.
 */
export const NOTIFY_INTERVAL_MS = 10;

/**
 * Decides which appends notify and sends a trailing notification for the others. An append asks {@link take}
 * before it is sent (true: its statement notifies); once committed, {@link committed} reports its last sequence,
 * and a sequence no notification has covered is sent by `send` when the interval has passed.
 */
export class NotifyThrottle {
  readonly #send: (lastSequence: number) => Promise<unknown>;
  readonly #intervalMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  // Highest sequence a notification carried or is carrying, and the highest still waiting for one.
  #notified = 0;
  #pending = 0;
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
    return true;
  }

  /** An append committed with `lastSequence` (0: nothing new); `notified`: its statement notified. */
  committed(lastSequence: number, notified: boolean): void {
    if (lastSequence <= 0) return;
    if (notified) {
      this.#notified = Math.max(this.#notified, lastSequence);
      if (this.#pending <= this.#notified) this.#cancel();
      return;
    }
    if (lastSequence <= this.#notified || lastSequence <= this.#pending) return;
    this.#pending = lastSequence;
    this.#timer ??= setTimeout(
      () => void this.#flush(),
      Math.max(0, this.#lastAt + this.#intervalMs - performance.now()),
    );
  }

  /** Sends what is pending now (on close), stops the timer, and resolves once every notification was sent. */
  async flush(): Promise<void> {
    await this.#flush();
    await this.#sending;
  }

  async #flush(): Promise<void> {
    const seq = this.#pending;
    this.#cancel();
    if (seq <= this.#notified) return;
    this.#lastAt = performance.now();
    this.#notified = seq;
    // A lost notification is not an error of any append: a replica's listener catches up when it reconnects, and
    // the next notification carries a later sequence.
    this.#sending = this.#sending.then(() => this.#send(seq)).catch(() => {});
    await this.#sending;
  }

  #cancel(): void {
    this.#pending = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
