/**
 * The correlation store in the event store's SQLite file, through its own connection (WAL, `synchronous=FULL`
 * unless a write is redone when lost), like the delivery queue. Every operation is one synchronous transaction,
 * so nothing awaits inside one, and a taken write lock is waited for on later loop turns, not in SQLite's busy
 * handler (`store/sqlite-tx.ts`). `markEmitted` writes the sink delivery into the delivery queue's `deliveries` table (the router's
 * migrations create it first) in the same transaction.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { MAIN_THREAD_PRAGMAS, openSqliteDatabase } from "../store/sqlite-open.ts";
import { SqliteTransactions } from "../store/sqlite-tx.ts";
import { SQLITE_CORRELATION_MIGRATIONS } from "./sqlite-schema.ts";
import {
  type CorrelationCommit,
  type CorrelationStats,
  type CorrelationStore,
  type FiredInput,
  type FiredRecord,
  type SinkDelivery,
  type StateKey,
  type StoredState,
  stateKey,
  type TriggerRecord,
} from "./store.ts";
import { type Row, rowToFired, rowToState, rowToTrigger } from "./store-rows.ts";

/** Opens the correlation store in the SQLite file at `path` (the event store's, with the router's tables). */
export async function openSqliteCorrelationStore(path: string): Promise<CorrelationStore> {
  const db = await openSqliteDatabase(path, {
    table: "cairn_correlation_migrations",
    migrations: SQLITE_CORRELATION_MIGRATIONS,
    label: "correlation ",
    pragmas: MAIN_THREAD_PRAGMAS,
  });
  return new SqliteCorrelationStore(db);
}

const UPSERT_STATE =
  "INSERT INTO correlation_state (trigger_id, corr_key, version, deadline, body) " +
  "SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM correlation_triggers WHERE id = ?1) " +
  "ON CONFLICT (trigger_id, corr_key) DO UPDATE SET version = excluded.version, deadline = excluded.deadline, " +
  "body = excluded.body";

const INSERT_FIRED =
  "INSERT INTO correlation_fired (idem_key, trigger_id, corr_key, window_start, fired_ms, state, reason, attributes, body) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING";

// What DeliveryQueue.enqueue inserts for an unordered subscription (trigger sinks are never ordered).
const INSERT_SINK_DELIVERY =
  "INSERT INTO deliveries (subscription_id, seq, lane, blocked, not_before, ingested_ms) " +
  "SELECT ?1, ?2, NULL, 0, ?3, ?3 WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = ?1) " +
  "ON CONFLICT (subscription_id, seq) DO NOTHING";

class SqliteCorrelationStore implements CorrelationStore {
  readonly engine = "sqlite";
  readonly #db: DatabaseSync;
  #closed = false;

  readonly #txs: SqliteTransactions;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#txs = new SqliteTransactions(db, "the correlation store", () => this.#closed);
  }

  #stmt(sql: string): StatementSync {
    return this.#txs.statement(sql);
  }

  // One immediate transaction around synchronous work, never sleeping on the event loop for the write lock (see
  // SqliteTransactions). `fsync = false` for what is redone when lost: the cursor moves with its page's states and
  // firings, which a replay of the durable log derives again (the same idempotency keys), and housekeeping.
  #tx<T>(what: string, fn: () => T, fsync = true): Promise<T> {
    return this.#txs.run(what, fn, { fsync });
  }

  async listTriggers(): Promise<TriggerRecord[]> {
    return (this.#stmt("SELECT * FROM correlation_triggers ORDER BY rowid").all() as Row[]).map(rowToTrigger);
  }

  async getTrigger(id: string): Promise<TriggerRecord | null> {
    const row = this.#stmt("SELECT * FROM correlation_triggers WHERE id = ?").get(id) as Row | undefined;
    return row ? rowToTrigger(row) : null;
  }

  async putTrigger(record: TriggerRecord): Promise<void> {
    const t = record.trigger;
    this.#tx("store a trigger", () => {
      this.#stmt(
        "INSERT INTO correlation_triggers (id, origin, body, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, body = excluded.body, updated_ms = excluded.updated_ms",
      ).run(t.id, record.origin, JSON.stringify(t), record.createdMs, record.updatedMs);
      this.#stmt("DELETE FROM correlation_state WHERE trigger_id = ?").run(t.id);
    });
  }

  async deleteTrigger(id: string): Promise<boolean> {
    return this.#tx("delete a trigger", () => {
      this.#stmt("DELETE FROM correlation_state WHERE trigger_id = ?").run(id);
      return Number(this.#stmt("DELETE FROM correlation_triggers WHERE id = ?").run(id).changes) > 0;
    });
  }

  async cursor(): Promise<number | null> {
    const row = this.#stmt("SELECT seq FROM correlation_cursor WHERE id = 1").get() as Row | undefined;
    return row ? Number(row.seq) : null;
  }

  async initCursor(sequence: number): Promise<number> {
    return this.#tx(
      "set the cursor",
      () => {
        this.#stmt("INSERT INTO correlation_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO NOTHING").run(sequence);
        return Number((this.#stmt("SELECT seq FROM correlation_cursor WHERE id = 1").get() as Row).seq);
      },
      false,
    );
  }

  async loadStates(keys: readonly StateKey[]): Promise<Map<string, StoredState>> {
    const out = new Map<string, StoredState>();
    const read = this.#stmt("SELECT * FROM correlation_state WHERE trigger_id = ? AND corr_key = ?");
    for (const k of keys) {
      const row = read.get(k.triggerId, k.key) as Row | undefined;
      if (row) out.set(stateKey(k.triggerId, k.key), rowToState(row));
    }
    return out;
  }

  async commit(page: CorrelationCommit): Promise<number | null> {
    return this.#tx(
      "commit a correlation page",
      () => {
        const row = this.#stmt("SELECT seq FROM correlation_cursor WHERE id = 1").get() as Row | undefined;
        if (!row || Number(row.seq) !== page.from) return null;
        const remove = this.#stmt("DELETE FROM correlation_state WHERE trigger_id = ? AND corr_key = ?");
        const upsert = this.#stmt(UPSERT_STATE);
        for (const s of page.states) {
          if (s.state === null) remove.run(s.triggerId, s.key);
          else upsert.run(s.triggerId, s.key, s.version, s.deadline, JSON.stringify(s.state));
        }
        let inserted = 0;
        for (const f of page.fired) inserted += this.#insertFired(f);
        this.#stmt("UPDATE correlation_cursor SET seq = ? WHERE id = 1").run(page.to);
        return inserted;
      },
      false,
    );
  }

  #insertFired(f: FiredInput): number {
    const r = this.#stmt(INSERT_FIRED).run(
      f.idempotencyKey,
      f.triggerId,
      f.key,
      f.windowStart,
      f.firedMs,
      f.event ? "pending" : "refused",
      f.event ? null : (f.refusal ?? "refused"),
      f.event?.attributes ?? null,
      f.event?.body ?? null,
    );
    return Number(r.changes);
  }

  async pendingFired(limit: number): Promise<FiredRecord[]> {
    const rows = this.#stmt(
      "SELECT * FROM correlation_fired WHERE state = 'pending' ORDER BY fired_ms, rowid LIMIT ?",
    ).all(limit) as Row[];
    return rows.map(rowToFired);
  }

  async getFired(idempotencyKey: string): Promise<FiredRecord | null> {
    const row = this.#stmt("SELECT * FROM correlation_fired WHERE idem_key = ?").get(idempotencyKey) as Row | undefined;
    return row ? rowToFired(row) : null;
  }

  async markEmitted(idempotencyKey: string, sequence: number, sink: SinkDelivery | null): Promise<boolean> {
    return this.#tx("record an emitted event", () => {
      const changed = this.#stmt(
        "UPDATE correlation_fired SET state = 'emitted', seq = ?, attributes = NULL, body = NULL " +
          "WHERE idem_key = ? AND state = 'pending'",
      ).run(sequence, idempotencyKey).changes;
      if (Number(changed) === 0) return false;
      if (sink) this.#stmt(INSERT_SINK_DELIVERY).run(sink.subscriptionId, sequence, sink.ingestedMs);
      return true;
    });
  }

  async expireStates(before: number): Promise<number> {
    return this.#tx(
      "expire windows",
      () => Number(this.#stmt("DELETE FROM correlation_state WHERE deadline < ?").run(before).changes),
      false,
    );
  }

  async pruneFired(before: number): Promise<number> {
    return this.#tx(
      "prune firings",
      () =>
        Number(
          this.#stmt("DELETE FROM correlation_fired WHERE state <> 'pending' AND fired_ms < ?").run(before).changes,
        ),
      false,
    );
  }

  async stats(): Promise<CorrelationStats> {
    const windows = this.#stmt("SELECT COUNT(*) AS n FROM correlation_state").get() as Row;
    const pending = this.#stmt("SELECT COUNT(*) AS n FROM correlation_fired WHERE state = 'pending'").get() as Row;
    return { windows: Number(windows.n), pending: Number(pending.n) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#txs.clear();
    this.#db.close();
  }
}
