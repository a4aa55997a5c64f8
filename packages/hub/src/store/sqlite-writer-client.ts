/**
 * The main thread's handle on the SQLite writer thread (`sqlite-writer.ts`): sends packed appends and retention
 * deletes, and resolves each once the writer has committed it. The worker keeps the process alive only while a
 * request is outstanding, like a socket with a pending query.
 * @module
 */
import { Worker } from "node:worker_threads";
import { StoreError, StoreErrorCode } from "./errors.ts";
import type { AppendResult } from "./sqlite-append.ts";
import { packEvents } from "./sqlite-pack.ts";
import type { CarriedOutcomes, WriterData, WriterReply, WriterRequest } from "./sqlite-writer.ts";
import type { DeliveryOutcomeRecord, InlineDelivery, NewEvent } from "./types.ts";

// The writer's module beside this one: `.ts` when the hub runs from its sources, `.js` when it runs compiled
// (`dist/`, as `cairn serve` does), so the writer thread runs the same build as the main thread.
const WRITER_MODULE = new URL(
  `./sqlite-writer${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`,
  import.meta.url,
);

type Pending = { resolve: (reply: WriterReply & { ok: true }) => void; reject: (e: unknown) => void };

// Distributes a request without its id (each `WriterRequest` variant keeps its own fields).
type Request = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, "id"> : never) : never;

/** The cause of a failed writer request: the driver's message and SQLite result code, as the worker saw them. */
export class WriterFailure extends Error {
  readonly errcode: number | undefined;
  readonly code: string | undefined;

  constructor(reply: WriterReply & { ok: false }) {
    super(reply.message);
    this.name = "WriterFailure";
    this.errcode = reply.errcode;
    this.code = reply.code;
  }
}

/** Outcome batches waiting to be sent, and their callers. */
interface Held {
  readonly outcomes: DeliveryOutcomeRecord[];
  readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

// Settles every caller of `held` with the answer to the request that recorded its outcomes.
const settleHeld = (held: Held): Pending => ({
  resolve: () => {
    for (const w of held.waiters) w.resolve();
  },
  reject: (e) => {
    for (const w of held.waiters) w.reject(e);
  },
});

/**
 * A started writer thread on one SQLite file.
 *
 * Delivery outcomes do not get a message of their own while the writer is busy: they are held and carried by the
 * next request (an append records them in its own transaction, under its fsync), or sent alone once the writer is
 * idle. They would wait in the writer's queue anyway; this saves a round trip between the threads and, with an
 * append, a transaction — per delivery, at low rates, the largest cost of routing after the append itself.
 */
export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #held: Held | null = null;
  #flushScheduled = false;
  #carriedBatches = 0;
  #next = 1;
  #stopped: StoreError | null = null;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker, ready: Pending) {
    this.#worker = worker;
    this.#pending.set(0, ready);
    worker.on("message", (reply: WriterReply) => this.#answer(reply));
    worker.on("error", (e) =>
      this.#stop(new StoreError(StoreErrorCode.Failed, "the SQLite writer failed", { cause: e })),
    );
    this.#exited = new Promise((resolve) =>
      worker.once("exit", () => {
        this.#stop(new StoreError(StoreErrorCode.Closed, "the SQLite writer has stopped"));
        resolve();
      }),
    );
  }

  /** Starts a writer on `path` (already migrated) and waits until its connection is open. */
  static async start(data: WriterData): Promise<SqliteWriter> {
    const worker = new Worker(WRITER_MODULE, { workerData: data });
    let writer: SqliteWriter | undefined;
    await new Promise<void>((resolve, reject) => {
      writer = new SqliteWriter(worker, { resolve: () => resolve(), reject });
    });
    worker.unref();
    return writer as SqliteWriter;
  }

  /** Why the writer stopped (it failed, or was closed), or null while it runs. */
  get failure(): StoreError | null {
    return this.#stopped;
  }

  /**
   * Appends in one transaction: per event its sequence, or minus the stored one for a duplicate; with `routes`
   * (each event's deliveries), routed inline (see `InlineRouting`).
   */
  async append(
    events: readonly NewEvent[],
    routes: readonly (readonly InlineDelivery[])[] | null,
  ): Promise<AppendResult> {
    const packed = packEvents(events, routes);
    const reply = await this.#send({ op: "append", packed, count: events.length, route: routes !== null });
    return {
      sequences: reply.sequences ?? new Float64Array(0),
      deliveries: reply.deliveries ?? 0,
      routedThrough: reply.routedThrough ?? 0,
      claims: reply.claims ?? new Float64Array(0),
    };
  }

  /** Deletes events by sequence in one transaction (and off the counters); the number it deleted. */
  async delete(seqs: number[]): Promise<number> {
    return (await this.#send({ op: "delete", seqs })).deleted ?? 0;
  }

  /**
   * Records delivery outcomes (in one transaction with the other outcomes and, maybe, an append sent with them); see
   * the class comment for when they are sent.
   */
  outcomes(outcomes: DeliveryOutcomeRecord[]): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#held ??= { outcomes: [], waiters: [] };
      const held = this.#held;
      for (const o of outcomes) held.outcomes.push(o);
      held.waiters.push({ resolve, reject });
      this.#scheduleFlush();
    });
  }

  /** How many outcome batches went out carried by another request (diagnostics, tests). */
  get carriedBatches(): number {
    return this.#carriedBatches;
  }

  /** Lets the outstanding requests finish, closes the writer's connection and ends the thread. */
  async close(): Promise<void> {
    if (!this.#stopped) await this.#send({ op: "close" }).catch(() => {});
    // The connection is closed (or the thread is gone): end the thread now rather than wait for it to wind down
    // unreferenced, which could let the process exit with this promise unsettled.
    await this.#worker.terminate();
    await this.#exited;
  }

  #send(request: Request): Promise<WriterReply & { ok: true }> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const carried = request.op === "outcomes" ? undefined : this.#takeHeld();
    const id = this.#next++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id, ...(carried ? { carried } : {}) });
    });
  }

  // The held outcomes as a carried request with its own id, whose answer settles every waiter (or undefined).
  #takeHeld(): CarriedOutcomes | undefined {
    const held = this.#held;
    if (!held) return undefined;
    this.#held = null;
    const id = this.#next++;
    this.#pending.set(id, settleHeld(held));
    this.#carriedBatches++;
    return { id, outcomes: held.outcomes };
  }

  // Sends the held outcomes alone at the end of this turn of the event loop if the writer is idle then (a request
  // sent in the same turn carries them; a busy writer's answer schedules this again).
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const held = this.#held;
      if (!held || this.#stopped || this.#pending.size > 0) return;
      this.#held = null;
      const { resolve, reject } = settleHeld(held);
      this.#send({ op: "outcomes", outcomes: held.outcomes }).then(resolve, reject);
    });
  }

  #answer(reply: WriterReply): void {
    if (reply.carried) this.#answer(reply.carried);
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) {
      this.#worker.unref();
      if (this.#held) this.#scheduleFlush();
    }
    if (reply.ok) p.resolve(reply);
    else p.reject(new WriterFailure(reply));
  }

  #stop(error: StoreError): void {
    this.#stopped ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    for (const w of this.#held?.waiters ?? []) w.reject(error);
    this.#held = null;
    this.#worker.unref();
  }
}
