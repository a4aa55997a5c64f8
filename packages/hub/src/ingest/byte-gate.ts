/**
 * A first-in, first-out byte budget. Ingest passes two in turn:
 *
 * - **Reading** (`limits.maxReadingBytes`): a request enters with its declared length before its body is read and
 *   stays until it starts decoding. Without it every connection's body is read as soon as it arrives: 32 batches of
 *   1000 events held 38 MiB of raw bodies waiting to be decoded. A waiting request's body stays in the socket, so the
 *   client (and TCP) holds it, not the hub.
 * - **Decoding** (`limits.maxDecodingBytes`): a request enters once its body is read and leaves once its commit is
 *   done. A decoded event costs several times its text in memory (the parsed JSON, the CloudEvent, the record, the
 *   packed group) and lives until its commit; without the bound 32 batches of 1000 waiting for the writer held
 *   30,000 decoded events.
 * @module
 */

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
}

/** A first-in, first-out budget of bytes: a request enters with its size and leaves with it when done. */
export class ByteGate {
  readonly #limit: number;
  readonly #waiting: Waiter[] = [];
  #inside = 0;
  #waitingBytes = 0;

  /** @param limit Most bytes inside at once; a larger request still enters alone, so none is starved. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes of the requests waiting to enter. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** Bytes of the requests inside. */
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
