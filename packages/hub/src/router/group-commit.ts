/**
 * Group commit of delivery outcomes: `complete` and `retryAt` calls made in the same turn of the event loop are
 * recorded by one transaction (one fsync on SQLite, one round of statements on PostgreSQL) instead of one each.
 * Every caller's promise settles only once the transaction that holds its outcome has committed — or rejects with
 * that transaction's error, together with every other outcome of the batch — so durability is what it was with
 * one transaction per outcome.
 * @module
 */

interface Waiting<Op> {
  readonly op: Op;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Batches operations and commits them with `commit`, on the next `setImmediate` (after the I/O callbacks of the
 * current loop turn, which is when concurrent attempts' responses arrive together) or at once when `maxBatch` are
 * waiting. One batch commits at a time; what arrives meanwhile waits for the next. A synchronous `commit` (SQLite)
 * runs within the call of {@link flush}, so a caller can order its own transaction after the waiting outcomes.
 */
export class GroupCommit<Op> {
  readonly #commit: (ops: readonly Op[]) => void | Promise<void>;
  readonly #maxBatch: number;
  #waiting: Waiting<Op>[] = [];
  #scheduled = false;
  #running: Promise<void> | null = null;
  #committing: readonly Op[] = [];

  constructor(commit: (ops: readonly Op[]) => void | Promise<void>, maxBatch = 1000) {
    this.#commit = commit;
    this.#maxBatch = maxBatch;
  }

  /** Outcomes waiting for a commit (not counting a batch being committed). */
  get size(): number {
    return this.#waiting.length;
  }

  /** The operations not yet committed: the batch being committed, then those waiting, oldest first. */
  pending(): Op[] {
    return [...this.#committing, ...this.#waiting.map((w) => w.op)];
  }

  /** Queues `op`; resolves once it is committed, rejects when its batch failed. */
  add(op: Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ op, resolve, reject });
      if (this.#waiting.length >= this.#maxBatch && !this.#running) void this.flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          void this.flush();
        });
      }
    });
  }

  /**
   * Commits everything waiting now, batch after batch; resolves when done (never rejects: failures go to the
   * callers of {@link add}). With a synchronous `commit` and no batch in progress, the commits happen before this
   * returns.
   */
  flush(): Promise<void> {
    if (this.#running) return this.#running.then(() => this.flush());
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      let result: void | Promise<void>;
      try {
        result = this.#commit(batch.map((w) => w.op));
      } catch (err) {
        for (const w of batch) w.reject(err);
        continue;
      }
      if (result instanceof Promise) {
        this.#committing = batch.map((w) => w.op);
        this.#running = result.then(
          () => {
            this.#committing = [];
            for (const w of batch) w.resolve();
          },
          (err: unknown) => {
            this.#committing = [];
            for (const w of batch) w.reject(err);
          },
        );
        const running = this.#running;
        return running.then(() => {
          if (this.#running === running) this.#running = null;
          return this.flush();
        });
      }
      for (const w of batch) w.resolve();
    }
    return Promise.resolve();
  }
}
