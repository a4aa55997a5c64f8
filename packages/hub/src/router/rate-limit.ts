/**
 * A token bucket per subscription (`delivery.rateLimit`, deliveries started per second): a burst of at most one
 * second's worth, refilled continuously. In memory: each hub process limits what it starts itself.
 * @module
 */

/** A token bucket of `rate` tokens per second holding at most `max(1, rate)`. */
export class TokenBucket {
  readonly rate: number;
  readonly #capacity: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, now: number) {
    this.rate = rate;
    this.#capacity = Math.max(1, rate);
    this.#tokens = this.#capacity;
    this.#at = now;
  }

  #refill(now: number): void {
    if (now > this.#at) this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = Math.max(this.#at, now);
  }

  /** Whole tokens available now. */
  available(now: number): number {
    this.#refill(now);
    return Math.floor(this.#tokens);
  }

  /** Takes `n` tokens (the caller checked `available`). */
  take(n: number, now: number): void {
    this.#refill(now);
    this.#tokens -= n;
  }

  /** Gives back `n` tokens taken for starts that did not happen (never beyond the burst). */
  give(n: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#capacity, this.#tokens + n);
  }

  /** Milliseconds until a whole token is available (0 when one is). */
  wait(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.rate) * 1000);
  }
}
