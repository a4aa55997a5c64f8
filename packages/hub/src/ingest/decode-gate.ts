/**
 * Bounds how many request bytes are decoded and not yet committed. A decoded event costs several times its text in
 * memory (the parsed JSON, the CloudEvent, the record, the packed group), and it lives until its commit. Without a
 * bound, every connection's batch is decoded as soon as it arrives, and 32 batches of 1000 events waiting for the
 * writer hold 30,000 decoded events. Behind the gate a waiting request holds only its raw body, and the events
 * decoded at any moment are about what the next commits take.
 * @module
 */

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
}

/** A first-in, first-out budget of bytes: requests enter it to decode and leave it once their commit is done. */
export class DecodeGate {
  readonly #limit: number;
  readonly #waiting: Waiter[] = [];
  #inside = 0;
  #waitingBytes = 0;

  /** @param limit Most bytes inside at once; a larger request still enters alone, so none is starved. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes of request bodies waiting to enter (held raw, not decoded). */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** Bytes of the requests inside: decoding, or waiting for their commit. */
  get insideBytes(): number {
    return this.#inside;
  }

  /**
   * Enters with `bytes`: undefined when there is room now (no promise on the fast path), else a promise that
   * resolves when the request's turn comes. Each entry must be followed by one {@link leave} with the same bytes.
   */
  enter(bytes: number): Promise<void> | undefined {
    if (this.#waiting.length === 0 && this.#fits(bytes)) {
      this.#inside += bytes;
      return undefined;
    }
    this.#waitingBytes += bytes;
    return new Promise((resolve) => this.#waiting.push({ bytes, resolve }));
  }

  /** Leaves with the bytes given to {@link enter}, letting waiting requests in, in arrival order. */
  leave(bytes: number): void {
    this.#inside -= bytes;
    for (let next = this.#waiting[0]; next !== undefined && this.#fits(next.bytes); next = this.#waiting[0]) {
      this.#waiting.shift();
      this.#waitingBytes -= next.bytes;
      this.#inside += next.bytes;
      next.resolve();
    }
  }

  #fits(bytes: number): boolean {
    return this.#inside === 0 || this.#inside + bytes <= this.#limit;
  }
}
