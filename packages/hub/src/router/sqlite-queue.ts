/**
 * The embedded delivery queue: the router's tables in the event store's SQLite file, through a second connection
 * (WAL, `synchronous=FULL`, `busy_timeout`), so routing reads the events table directly and a resolved write is
 * fsynced. Every operation is one synchronous transaction: nothing awaits inside one, so the store's connection
 * and this one never wait for each other within the process. Outcomes (`complete`, `retryAt`) are group-committed
 * (`group-commit.ts`): those of one loop turn share a transaction, and each resolves after it — recorded by the
 * store's writer thread when the router routes inline (fsynced with its next append), otherwise here with one fsync
 * of the WAL on the thread pool; never on the event loop.
 * @module
 */
import { type FileHandle, open } from "node:fs/promises";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { INSERT_DELIVERY_SQL } from "../store/sqlite-inline-routing.ts";
import { MAIN_THREAD_PRAGMAS, openSqliteDatabase } from "../store/sqlite-open.ts";
import { SqliteOutcomes } from "../store/sqlite-outcomes.ts";
import { SqliteTransactions } from "../store/sqlite-tx.ts";
import type { DeliveryOutcomeRecord } from "../store/types.ts";
import { GroupCommit } from "./group-commit.ts";
import {
  type AttemptFailure,
  type ClaimedDelivery,
  type ClaimOptions,
  type CursorAdvance,
  DEFAULT_LEASE_MS,
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterPage,
  type DeadLetterQuery,
  type DeadLetterSelector,
  type DeliveryQueue,
  outcomeColumns,
  type QueueDepth,
  type ReplayResult,
  type RoutedDelivery,
  type SubscriptionRecord,
} from "./queue.ts";
import { type Row, rowToClaimed, rowToDeadLetter, rowToSubscription, selectorConditions } from "./queue-rows.ts";
import { SQLITE_QUEUE_MIGRATIONS } from "./sqlite-queue-schema.ts";

/** Opens the queue in the SQLite file at `path` (the event store's, already migrated by the store). */
export async function openSqliteQueue(path: string): Promise<DeliveryQueue> {
  const db = await openSqliteDatabase(path, {
    table: "cairn_router_migrations",
    migrations: SQLITE_QUEUE_MIGRATIONS,
    label: "router ",
    pragmas: MAIN_THREAD_PRAGMAS,
  });
  // The write-ahead log, fsynced off the event loop after an outcome batch's commit (see #recordOutcomes); without
  // it (not there yet, unreadable) batches commit with synchronous=FULL instead.
  const wal = await open(`${path}-wal`, "r").catch(() => null);
  return new SqliteQueue(db, wal);
}

// The claimed row with its event: from the events table, or from its dead letter once retention deleted the event
// (a replayed delivery keeps its copy).
const CLAIMED_SELECT = `
  SELECT d.id, d.subscription_id, d.seq, d.lane, d.attempt, d.ingested_ms, d.first_failure_ms,
         COALESCE(e.attributes, dl.attributes) AS attributes, COALESCE(e.body, dl.body) AS body
  FROM deliveries d
  LEFT JOIN events e ON e.seq = d.seq
  LEFT JOIN dead_letters dl ON dl.subscription_id = d.subscription_id AND dl.seq = d.seq`;

const DEAD_LETTER_UPSERT = `
  INSERT INTO dead_letters (subscription_id, seq, lane, sink, reason, attempts, last_outcome, last_status, snippet,
    first_failure_ms, last_failure_ms, dead_ms, ingested_ms, state, attributes, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'dead', ?, ?)
  ON CONFLICT (subscription_id, seq) DO UPDATE SET lane = excluded.lane, sink = excluded.sink,
    reason = excluded.reason, attempts = excluded.attempts, last_outcome = excluded.last_outcome,
    last_status = excluded.last_status, snippet = excluded.snippet, first_failure_ms = excluded.first_failure_ms,
    last_failure_ms = excluded.last_failure_ms, dead_ms = excluded.dead_ms, state = 'dead', sink_result = NULL,
    attributes = excluded.attributes, body = excluded.body
  RETURNING *`;

class SqliteQueue implements DeliveryQueue {
  readonly engine = "sqlite";
  readonly #db: DatabaseSync;
  #closed = false;
  // Where the next claim starts in the subscription list, so no subscription always comes last.
  #rotation = 0;
  readonly #outcomes = new GroupCommit<DeliveryOutcomeRecord>((ops) => this.#recordOutcomes(ops));
  readonly #txs: SqliteTransactions;
  readonly #outcomeSql = new SqliteOutcomes((sql) => this.#stmt(sql));
  // Where outcome batches are committed instead of on this connection (the store's writer thread), when set.
  #outcomeWriter: ((outcomes: readonly DeliveryOutcomeRecord[]) => Promise<void>) | null = null;

  readonly #wal: FileHandle | null;

  constructor(db: DatabaseSync, wal: FileHandle | null) {
    this.#db = db;
    this.#wal = wal;
    this.#txs = new SqliteTransactions(db, "the delivery queue", () => this.#closed);
  }

  #stmt(sql: string): StatementSync {
    return this.#txs.statement(sql);
  }

  // One immediate transaction around synchronous work (see SqliteTransactions). Outcomes still waiting for their
  // group commit are committed first, so the transaction sees them — except in the routing and claim transactions
  // (`fsync = false`: redone when lost, see sqlite-tx.ts), which do not touch deliveries in flight: they must not
  // wait for an fsync, being on the way from ingest to delivery. (Delegated to the writer thread, waiting outcomes
  // are only sent first; no transaction here depends on the outcome of a delivery still in flight.)
  #tx<T>(what: string, fn: () => T, fsync = true): Promise<T> {
    const beforeTry = () => {
      if (fsync && this.#outcomes.size > 0) void this.#outcomes.flush();
    };
    return this.#txs.run(what, fn, { fsync, beforeTry });
  }

  async listSubscriptions(): Promise<SubscriptionRecord[]> {
    const rows = this.#stmt("SELECT * FROM subscriptions ORDER BY rowid").all() as Row[];
    return rows.map(rowToSubscription);
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | null> {
    const row = this.#stmt("SELECT * FROM subscriptions WHERE id = ?").get(id) as Row | undefined;
    return row ? rowToSubscription(row) : null;
  }

  async putSubscription(record: SubscriptionRecord): Promise<void> {
    const s = record.subscription;
    await this.#tx("store a subscription", () =>
      this.#stmt(
        "INSERT INTO subscriptions (id, origin, body, max_in_flight, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, body = excluded.body, " +
          "max_in_flight = excluded.max_in_flight, updated_ms = excluded.updated_ms",
      ).run(s.id, record.origin, JSON.stringify(s), s.delivery.maxInFlight, record.createdMs, record.updatedMs),
    );
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return this.#tx("delete a subscription", () => {
      this.#stmt("DELETE FROM deliveries WHERE subscription_id = ?").run(id);
      return Number(this.#stmt("DELETE FROM subscriptions WHERE id = ?").run(id).changes) > 0;
    });
  }

  async cursor(): Promise<number | null> {
    const row = this.#stmt("SELECT seq FROM router_cursor WHERE id = 1").get() as Row | undefined;
    return row ? Number(row.seq) : null;
  }

  async initCursor(sequence: number): Promise<number> {
    return this.#tx("set the cursor", () => {
      this.#stmt("INSERT INTO router_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO NOTHING").run(sequence);
      return Number((this.#stmt("SELECT seq FROM router_cursor WHERE id = 1").get() as Row).seq);
    });
  }

  async enqueue(deliveries: readonly RoutedDelivery[], advance?: CursorAdvance): Promise<boolean> {
    return this.#tx(
      "enqueue deliveries",
      () => {
        if (advance) {
          const row = this.#stmt("SELECT seq FROM router_cursor WHERE id = 1").get() as Row | undefined;
          if (!row || Number(row.seq) !== advance.from) return false;
        }
        for (const d of deliveries) this.#insertDelivery(d, d.ingestedMs, d.ingestedMs);
        if (advance) this.#stmt("UPDATE router_cursor SET seq = ? WHERE id = 1").run(advance.to);
        return true;
      },
      advance === undefined,
    );
  }

  // See INSERT_DELIVERY_SQL (shared with inline routing). Returns true when a row was inserted.
  #insertDelivery(d: RoutedDelivery, ingestedMs: number, notBefore: number): boolean {
    const r = this.#stmt(INSERT_DELIVERY_SQL).run(d.subscriptionId, d.sequence, d.lane, notBefore, ingestedMs);
    return Number(r.changes) > 0;
  }

  async claim(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.#tx(
      "claim deliveries",
      () => {
        // In-flight counts from the (state, …) index in one pass, not one count per subscription. A delivery whose
        // outcome waits for its group commit is no longer in flight: its sink has answered.
        const budgets = this.#stmt(
          "SELECT s.id, s.max_in_flight - COALESCE(f.n, 0) AS budget FROM subscriptions s LEFT JOIN " +
            "(SELECT subscription_id, COUNT(*) AS n FROM deliveries WHERE state = 'in_flight' " +
            "AND id NOT IN (SELECT value FROM json_each(?)) GROUP BY subscription_id) f " +
            "ON f.subscription_id = s.id ORDER BY s.rowid",
        ).all(JSON.stringify(this.#outcomes.pending().map((o) => o.id))) as Row[];
        const claimed: ClaimedDelivery[] = [];
        const n = budgets.length;
        const start = n === 0 ? 0 : this.#rotation++ % n;
        for (let i = 0; i < n && claimed.length < options.limit; i++) {
          const row = budgets[(start + i) % n] as Row;
          const id = String(row.id);
          const budget = Math.min(Number(row.budget), options.capacity?.(id) ?? Number.POSITIVE_INFINITY);
          if (budget <= 0) continue;
          claimed.push(...this.#claimFor(id, Math.min(budget, options.limit - claimed.length), options));
        }
        return claimed;
      },
      false,
    );
  }

  #claimFor(subscriptionId: string, limit: number, options: ClaimOptions): ClaimedDelivery[] {
    const ids = this.#stmt(
      "SELECT id FROM deliveries WHERE subscription_id = ? AND state = 'pending' AND blocked = 0 " +
        "AND not_before <= ? ORDER BY not_before, seq LIMIT ?",
    ).all(subscriptionId, options.now, limit) as Row[];
    const lease = options.now + (options.leaseMs?.(subscriptionId) ?? DEFAULT_LEASE_MS);
    const mark = this.#stmt(
      "UPDATE deliveries SET state = 'in_flight', attempt = attempt + 1, lease_until = ? WHERE id = ?",
    );
    const read = this.#stmt(`${CLAIMED_SELECT} WHERE d.id = ?`);
    return ids.map((r) => {
      mark.run(lease, Number(r.id));
      return rowToClaimed(read.get(Number(r.id)) as Row);
    });
  }

  async nextDue(): Promise<number | null> {
    const row = this.#stmt(
      "SELECT MIN(not_before) AS t FROM deliveries WHERE state = 'pending' AND blocked = 0",
    ).get() as Row;
    return row.t === null ? null : Number(row.t);
  }

  complete(id: number): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreError(StoreErrorCode.Closed, "the delivery queue is closed"));
    return this.#outcomes.add({ kind: "complete", id });
  }

  delegateOutcomes(writer: (outcomes: readonly DeliveryOutcomeRecord[]) => Promise<void>): void {
    this.#outcomeWriter = writer;
  }

  // One group commit: every waiting outcome in one transaction (a failure fails them all, none is half-applied).
  // Routing inline, the store's writer thread commits it (see `recordOutcomes` in sqlite-append.ts for when it is
  // fsynced), off the event loop and without taking the write lock from this thread. Otherwise, here: the
  // transaction commits with synchronous=NORMAL — written to the WAL, not yet fsynced — and the WAL is then fsynced
  // on libuv's thread pool, which is what synchronous=FULL does inside COMMIT, minus blocking the event loop
  // (ingest, routing and claims go on meanwhile). The callers resolve after the fsync. Frames checkpointed before it
  // were fsynced by the checkpoint; in WAL mode the file keeps its inode while a connection is open.
  async #recordOutcomes(ops: readonly DeliveryOutcomeRecord[]): Promise<void> {
    if (this.#closed) throw new StoreError(StoreErrorCode.Closed, "the delivery queue is closed");
    if (this.#outcomeWriter) return this.#outcomeWriter(ops);
    const what = ops.length === 1 ? "record a delivery outcome" : `record ${ops.length} delivery outcomes`;
    const wal = this.#wal;
    await this.#txs.run(what, () => this.#outcomeSql.record(ops), { fsync: wal === null });
    if (!wal) return;
    try {
      await wal.sync();
    } catch (cause) {
      throw new StoreError(StoreErrorCode.Failed, `the delivery queue failed to ${what} (fsync)`, { cause });
    }
  }

  retryAt(id: number, notBefore: number, failure: AttemptFailure): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreError(StoreErrorCode.Closed, "the delivery queue is closed"));
    const { kind, status } = outcomeColumns(failure.outcome);
    const snippet = failure.responseSnippet ?? null;
    return this.#outcomes.add({ kind: "retry", id, notBefore, atMs: failure.atMs, outcome: kind, status, snippet });
  }

  async deadLetter(id: number, input: DeadLetterInput): Promise<DeadLetter | null> {
    const { kind, status } = outcomeColumns(input.failure.outcome);
    return this.#tx("dead-letter a delivery", () => {
      const d = this.#stmt(`${CLAIMED_SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
      const first = this.#stmt("SELECT first_failure_ms FROM deliveries WHERE id = ?").get(id) as Row | undefined;
      if (!d || !first || d.attributes === null || d.body === null) {
        if (d) this.#outcomeSql.remove(id);
        return null;
      }
      const at = input.failure.atMs;
      const row = this.#stmt(DEAD_LETTER_UPSERT).get(
        String(d.subscription_id),
        Number(d.seq),
        d.lane === null ? null : String(d.lane),
        input.sink,
        input.reason,
        Number(d.attempt),
        kind,
        status,
        input.failure.responseSnippet ?? null,
        first.first_failure_ms === null ? at : Number(first.first_failure_ms),
        at,
        at,
        Number(d.ingested_ms),
        String(d.attributes),
        String(d.body),
      ) as Row;
      this.#outcomeSql.remove(id);
      return rowToDeadLetter(row);
    });
  }

  async recoverInFlight(_now: number): Promise<number> {
    // One process owns the file: whatever is in flight was left by a process that is gone.
    return this.#tx("recover deliveries in flight", () =>
      Number(
        this.#stmt("UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight'").run()
          .changes,
      ),
    );
  }

  async listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    const where = ["id > ?"];
    const params: (string | number)[] = [query.after ?? 0];
    if (query.subscriptionId !== undefined) {
      where.push("subscription_id = ?");
      params.push(query.subscriptionId);
    }
    if (query.state !== undefined) {
      where.push("state = ?");
      params.push(query.state);
    }
    const rows = this.#stmt(`SELECT * FROM dead_letters WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`).all(
      ...params,
      query.limit + 1,
    ) as Row[];
    const more = rows.length > query.limit;
    const deadLetters = (more ? rows.slice(0, query.limit) : rows).map(rowToDeadLetter);
    return { deadLetters, next: more ? (deadLetters.at(-1)?.id ?? null) : null };
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const row = this.#stmt("SELECT * FROM dead_letters WHERE id = ?").get(id) as Row | undefined;
    return row ? rowToDeadLetter(row) : null;
  }

  async setDeadLetterSinkResult(id: number, result: string): Promise<void> {
    await this.#tx("record the dead-letter sink's answer", () =>
      this.#stmt("UPDATE dead_letters SET sink_result = ? WHERE id = ?").run(result, id),
    );
  }

  async replayDeadLetters(selector: DeadLetterSelector, now: number): Promise<ReplayResult> {
    const { where, params } = this.#selector(selector);
    return this.#tx("replay dead letters", () => {
      const rows = this.#db
        .prepare(`SELECT * FROM dead_letters WHERE state = 'dead' AND ${where} ORDER BY seq`)
        .all(...params) as Row[];
      const mark = this.#stmt(
        "UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_ms = ? WHERE id = ?",
      );
      let replayed = 0;
      for (const r of rows) {
        const d = {
          subscriptionId: String(r.subscription_id),
          sequence: Number(r.seq),
          lane: r.lane === null ? null : String(r.lane),
          ingestedMs: Number(r.ingested_ms),
        };
        if (!this.#insertDelivery(d, d.ingestedMs, now)) continue;
        mark.run(now, Number(r.id));
        replayed++;
      }
      return { replayed, skipped: rows.length - replayed };
    });
  }

  async purgeDeadLetters(selector: DeadLetterSelector): Promise<number> {
    const { where, params } = this.#selector(selector);
    return this.#tx("purge dead letters", () =>
      Number(this.#db.prepare(`DELETE FROM dead_letters WHERE ${where}`).run(...params).changes),
    );
  }

  #selector(selector: DeadLetterSelector): { where: string; params: string[] } {
    const params: string[] = [];
    const where = selectorConditions(
      selector,
      (v) => {
        params.push(Array.isArray(v) ? JSON.stringify(v) : String(v));
        return "?";
      },
      (p) => `(SELECT value FROM json_each(${p}))`,
    );
    return { where: where.join(" AND "), params };
  }

  async depth(now: number): Promise<QueueDepth> {
    const d = this.#stmt(
      "SELECT COALESCE(SUM(state = 'pending' AND not_before <= ?1), 0) AS pending, " +
        "COALESCE(SUM(state = 'pending' AND not_before > ?1), 0) AS scheduled, " +
        "COALESCE(SUM(state = 'in_flight'), 0) AS in_flight FROM deliveries",
    ).get(now) as Row;
    const dead = this.#stmt("SELECT COUNT(*) AS n FROM dead_letters WHERE state = 'dead'").get() as Row;
    return {
      pending: Number(d.pending),
      scheduled: Number(d.scheduled),
      inFlight: Number(d.in_flight),
      dead: Number(dead.n),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Outcomes already reported to the queue are committed before the connection goes.
    await this.#outcomes.flush();
    if (this.#closed) return;
    this.#closed = true;
    this.#txs.clear();
    this.#db.close();
    await this.#wal?.close().catch(() => {});
  }
}
