/**
 * Prepared statements and immediate transactions on a SQLite connection that shares its file with other writers — the event store's
 * writer thread, the delivery queue, the correlation store — without ever sleeping on the event loop.
 *
 * When another connection holds the write lock, SQLite's busy handler would sleep (1, 2, 5, 10… ms) inside
 * `BEGIN IMMEDIATE`, on the main thread, stalling ingest and delivery alike. Here `BEGIN` fails at once
 * (`busy_timeout = 0`) and the transaction is tried again on a later turn of the loop, for up to
 * {@link SQLITE_BUSY_TIMEOUT_MS}. Reads outside a transaction keep SQLite's own short waits.
 *
 * A transaction may skip its fsync (`fsync: false`, `synchronous=NORMAL`): in WAL mode the commit is in the log at
 * once (a crashed process loses nothing) but only fsynced by the next FULL commit on the file, or lost, atomically
 * with everything after it, on a power loss. Only for writes that are redone when lost (a cursor that moves with
 * what it produced, a claim, housekeeping).
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StoreError, StoreErrorCode } from "./errors.ts";

/** How long a transaction keeps trying to get the write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

const SQLITE_BUSY = 5;
const BUSY = Symbol("busy");

// The step of a blocking wait for the write lock, in ms, and what `Atomics.wait` sleeps on.
const LOCK_STEP_MS = 0.2;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * `BEGIN IMMEDIATE` on a thread that may block (the event store's writer thread): waits for the write lock in steps
 * of {@link LOCK_STEP_MS}, for up to {@link SQLITE_BUSY_TIMEOUT_MS}, then throws SQLite's busy error. SQLite's own
 * busy handler sleeps 1, 2, 5, 10, 15… ms between tries, so a lock held for a moment by a transaction of the main
 * thread (a claim, a correlation page) held the writer, and every event waiting for its commit, for up to tens of ms.
 */
export function beginImmediateWaiting(db: DatabaseSync): void {
  const deadline = performance.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    const busy = beginImmediateOrBusy(db);
    if (busy === undefined) return;
    if (performance.now() >= deadline) throw busy;
    Atomics.wait(sleeper, 0, 0, LOCK_STEP_MS);
  }
}

// `BEGIN IMMEDIATE` without SQLite's busy handler: undefined once begun, SQLite's busy error when another
// connection holds the write lock; other errors are thrown.
function beginImmediateOrBusy(db: DatabaseSync): unknown {
  db.exec("PRAGMA busy_timeout = 0");
  try {
    db.exec("BEGIN IMMEDIATE");
    return undefined;
  } catch (e) {
    if ((e as { errcode?: unknown }).errcode === SQLITE_BUSY) return e;
    throw e;
  } finally {
    db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

/** Runs `fn` in the transaction just begun on `db`, then commits; rolls back and rethrows when anything fails. */
export function commitOrRollback<T>(db: DatabaseSync, fn: () => T): T {
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/**
 * A connection's `synchronous` setting, FULL (fsync at commit; what connections open with) or NORMAL, changed only
 * when a transaction asks for the other one.
 */
export class SynchronousSetting {
  readonly #db: DatabaseSync;
  #full = true;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** True while commits fsync (the last transaction did not skip it). */
  get full(): boolean {
    return this.#full;
  }

  /** Sets FULL (`fsync`) or NORMAL for the next transaction. */
  set(fsync: boolean): void {
    if (fsync === this.#full) return;
    this.#db.exec(fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    this.#full = fsync;
  }
}

/** Statements prepared once per SQL text on one connection. */
export class StatementCache {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** `sql` prepared on first use. */
  get(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** Forgets the statements (before the connection is closed). */
  clear(): void {
    this.#statements.clear();
  }
}

/** Prepares statements and runs immediate transactions on one connection (see the module comment). */
export class SqliteTransactions {
  readonly #db: DatabaseSync;
  readonly #label: string;
  readonly #closed: () => boolean;
  readonly #statements: StatementCache;
  readonly #synchronous: SynchronousSetting;

  /** `label` names the owner in errors (`the delivery queue`); `closed` tells when the connection is gone. */
  constructor(db: DatabaseSync, label: string, closed: () => boolean) {
    this.#db = db;
    this.#statements = new StatementCache(db);
    this.#synchronous = new SynchronousSetting(db);
    this.#label = label;
    this.#closed = closed;
  }

  /** `sql` prepared, once per connection. */
  statement(sql: string): StatementSync {
    if (this.#closed()) throw new StoreError(StoreErrorCode.Closed, `${this.#label} is closed`);
    return this.#statements.get(sql);
  }

  /** Forgets the prepared statements (before the connection is closed). */
  clear(): void {
    this.#statements.clear();
  }

  /**
   * Runs `fn` (synchronous: nothing may await inside a transaction) in one immediate transaction; SQLite errors
   * become `StoreError`s. `beforeTry` runs before each try (e.g. to commit pending work first).
   */
  async run<T>(what: string, fn: () => T, options: { fsync?: boolean; beforeTry?: () => void } = {}): Promise<T> {
    const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
    for (;;) {
      if (this.#closed()) throw new StoreError(StoreErrorCode.Closed, `${this.#label} is closed`);
      options.beforeTry?.();
      const out = this.#try(what, fn, options.fsync ?? true);
      if (out !== BUSY) return out;
      if (Date.now() > deadline)
        throw new StoreError(StoreErrorCode.Failed, `${this.#label} failed to ${what}: the database stayed locked`);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  #try<T>(what: string, fn: () => T, fsync: boolean): T | typeof BUSY {
    this.#synchronous.set(fsync);
    let busy: unknown;
    try {
      busy = beginImmediateOrBusy(this.#db);
    } catch (cause) {
      throw new StoreError(StoreErrorCode.Failed, `${this.#label} failed to ${what}`, { cause });
    }
    if (busy !== undefined) return BUSY;
    try {
      return commitOrRollback(this.#db, fn);
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(StoreErrorCode.Failed, `${this.#label} failed to ${what}`, { cause });
    }
  }
}
