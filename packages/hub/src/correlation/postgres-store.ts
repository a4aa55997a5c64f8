/**
 * The correlation store in PostgreSQL, in the store's schema, shared by every hub replica. A page commit locks the
 * cursor row (`FOR UPDATE`) and moves it by compare-and-set, so of two replicas correlating the same page one
 * commits and the other rereads; `markEmitted` moves a firing out of `pending` with a conditional update, so the
 * sink delivery it enqueues (in the delivery queue's `deliveries` table, same transaction) is enqueued once.
 * @module
 */
import type pg from "pg";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { toStoreError } from "../store/postgres-errors.ts";
import { openSchemaPool } from "../store/postgres-pool.ts";
import { migrateCorrelation } from "./postgres-schema.ts";
import {
  type CorrelationCommit,
  type CorrelationStats,
  type CorrelationStore,
  type FiredRecord,
  type SinkDelivery,
  type StateKey,
  type StoredState,
  stateKey,
  type TriggerRecord,
} from "./store.ts";
import { type Row, rowToFired, rowToState, rowToTrigger } from "./store-rows.ts";

/** Options of {@link openPostgresCorrelationStore}. */
export interface PostgresCorrelationOptions {
  readonly url: string;
  /** The store's schema (it must exist: the store is opened first). */
  readonly schema: string;
  /** Connections (default 2). */
  readonly poolSize?: number;
}

/** Opens the correlation store in the store's schema, applying its migrations. */
export async function openPostgresCorrelationStore(options: PostgresCorrelationOptions): Promise<CorrelationStore> {
  const pool = await openSchemaPool({
    url: options.url,
    schema: options.schema,
    poolSize: options.poolSize ?? 2,
    applicationName: "cairn-correlation",
    migrate: migrateCorrelation,
    what: "correlation",
  });
  return new PostgresCorrelationStore(pool);
}

const UPSERT_STATES = `
  INSERT INTO correlation_state (trigger_id, corr_key, version, deadline, body)
  SELECT s.* FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS s(t, k, v, d, b)
  WHERE EXISTS (SELECT 1 FROM correlation_triggers WHERE id = s.t)
  ON CONFLICT (trigger_id, corr_key) DO UPDATE SET version = excluded.version, deadline = excluded.deadline,
    body = excluded.body`;

const DELETE_STATES = `
  DELETE FROM correlation_state c USING unnest($1::text[], $2::text[]) AS s(t, k)
  WHERE c.trigger_id = s.t AND c.corr_key = s.k`;

const INSERT_FIRED = `
  INSERT INTO correlation_fired (idem_key, trigger_id, corr_key, window_start, fired_ms, state, reason, attributes, body)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idem_key) DO NOTHING`;

// What DeliveryQueue.enqueue inserts for an unordered subscription (trigger sinks are never ordered).
const INSERT_SINK_DELIVERY = `
  INSERT INTO deliveries (subscription_id, seq, lane, blocked, not_before, ingested_ms)
  SELECT $1, $2, NULL, false, $3, $3 WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = $1)
  ON CONFLICT (subscription_id, seq) DO NOTHING`;

type Client = pg.PoolClient;

class PostgresCorrelationStore implements CorrelationStore {
  readonly engine = "postgres";
  readonly #pool: pg.Pool;
  #closing: Promise<void> | null = null;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async #q(what: string, sql: string, params: unknown[] = []): Promise<Row[]> {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the correlation store is closed");
    try {
      return (await this.#pool.query(sql, params)).rows as Row[];
    } catch (e) {
      throw toStoreError(e, what);
    }
  }

  async #tx<T>(what: string, fn: (c: Client) => Promise<T>): Promise<T> {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the correlation store is closed");
    let client: Client;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw toStoreError(e, what);
    }
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw toStoreError(e, what);
    } finally {
      client.release();
    }
  }

  async listTriggers(): Promise<TriggerRecord[]> {
    return (await this.#q("list triggers", "SELECT * FROM correlation_triggers ORDER BY ord")).map(rowToTrigger);
  }

  async getTrigger(id: string): Promise<TriggerRecord | null> {
    const [row] = await this.#q("read a trigger", "SELECT * FROM correlation_triggers WHERE id = $1", [id]);
    return row ? rowToTrigger(row) : null;
  }

  async putTrigger(record: TriggerRecord): Promise<void> {
    const t = record.trigger;
    await this.#tx("store a trigger", async (c) => {
      await c.query(
        "INSERT INTO correlation_triggers (id, origin, body, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5) " +
          "ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, body = excluded.body, updated_ms = excluded.updated_ms",
        [t.id, record.origin, JSON.stringify(t), record.createdMs, record.updatedMs],
      );
      await c.query("DELETE FROM correlation_state WHERE trigger_id = $1", [t.id]);
    });
  }

  async deleteTrigger(id: string): Promise<boolean> {
    return this.#tx("delete a trigger", async (c) => {
      await c.query("DELETE FROM correlation_state WHERE trigger_id = $1", [id]);
      return ((await c.query("DELETE FROM correlation_triggers WHERE id = $1", [id])).rowCount ?? 0) > 0;
    });
  }

  async cursor(): Promise<number | null> {
    const [row] = await this.#q("read the cursor", "SELECT seq FROM correlation_cursor WHERE id = 1");
    return row ? Number(row.seq) : null;
  }

  async initCursor(sequence: number): Promise<number> {
    await this.#q(
      "set the cursor",
      "INSERT INTO correlation_cursor (id, seq) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
      [sequence],
    );
    return (await this.cursor()) ?? sequence;
  }

  async loadStates(keys: readonly StateKey[]): Promise<Map<string, StoredState>> {
    const out = new Map<string, StoredState>();
    if (keys.length === 0) return out;
    const rows = await this.#q(
      "read correlation states",
      "SELECT c.* FROM correlation_state c JOIN unnest($1::text[], $2::text[]) AS s(t, k) " +
        "ON c.trigger_id = s.t AND c.corr_key = s.k",
      [keys.map((k) => k.triggerId), keys.map((k) => k.key)],
    );
    for (const row of rows) out.set(stateKey(String(row.trigger_id), String(row.corr_key)), rowToState(row));
    return out;
  }

  async commit(page: CorrelationCommit): Promise<number | null> {
    return this.#tx("commit a correlation page", async (c) => {
      const row = (await c.query("SELECT seq FROM correlation_cursor WHERE id = 1 FOR UPDATE")).rows[0] as
        | Row
        | undefined;
      if (!row || Number(row.seq) !== page.from) return null;
      const gone = page.states.filter((s) => s.state === null);
      const kept = page.states.filter((s) => s.state !== null);
      if (gone.length > 0) await c.query(DELETE_STATES, [gone.map((s) => s.triggerId), gone.map((s) => s.key)]);
      if (kept.length > 0)
        await c.query(UPSERT_STATES, [
          kept.map((s) => s.triggerId),
          kept.map((s) => s.key),
          kept.map((s) => s.version),
          kept.map((s) => s.deadline),
          kept.map((s) => JSON.stringify(s.state)),
        ]);
      let inserted = 0;
      for (const f of page.fired) {
        const r = await c.query(INSERT_FIRED, [
          f.idempotencyKey,
          f.triggerId,
          f.key,
          f.windowStart,
          f.firedMs,
          f.event ? "pending" : "refused",
          f.event ? null : (f.refusal ?? "refused"),
          f.event?.attributes ?? null,
          f.event?.body ?? null,
        ]);
        inserted += r.rowCount ?? 0;
      }
      await c.query("UPDATE correlation_cursor SET seq = $1 WHERE id = 1", [page.to]);
      return inserted;
    });
  }

  async pendingFired(limit: number): Promise<FiredRecord[]> {
    const rows = await this.#q(
      "read pending firings",
      "SELECT * FROM correlation_fired WHERE state = 'pending' ORDER BY fired_ms, ord LIMIT $1",
      [limit],
    );
    return rows.map(rowToFired);
  }

  async getFired(idempotencyKey: string): Promise<FiredRecord | null> {
    const [row] = await this.#q("read a firing", "SELECT * FROM correlation_fired WHERE idem_key = $1", [
      idempotencyKey,
    ]);
    return row ? rowToFired(row) : null;
  }

  async markEmitted(idempotencyKey: string, sequence: number, sink: SinkDelivery | null): Promise<boolean> {
    return this.#tx("record an emitted event", async (c) => {
      // Of two replicas emitting the same firing, the second waits for the first's row lock, then matches nothing.
      const r = await c.query(
        "UPDATE correlation_fired SET state = 'emitted', seq = $1, attributes = NULL, body = NULL " +
          "WHERE idem_key = $2 AND state = 'pending'",
        [sequence, idempotencyKey],
      );
      if ((r.rowCount ?? 0) === 0) return false;
      if (sink) await c.query(INSERT_SINK_DELIVERY, [sink.subscriptionId, sequence, sink.ingestedMs]);
      return true;
    });
  }

  async expireStates(before: number): Promise<number> {
    const rows = await this.#q(
      "expire windows",
      "DELETE FROM correlation_state WHERE deadline < $1 RETURNING trigger_id",
      [before],
    );
    return rows.length;
  }

  async pruneFired(before: number): Promise<number> {
    const rows = await this.#q(
      "prune firings",
      "DELETE FROM correlation_fired WHERE state <> 'pending' AND fired_ms < $1 RETURNING ord",
      [before],
    );
    return rows.length;
  }

  async stats(): Promise<CorrelationStats> {
    const [row] = await this.#q(
      "count correlation state",
      "SELECT (SELECT count(*) FROM correlation_state) AS windows, " +
        "(SELECT count(*) FROM correlation_fired WHERE state = 'pending') AS pending",
    );
    return { windows: Number(row?.windows ?? 0), pending: Number(row?.pending ?? 0) };
  }

  async close(): Promise<void> {
    this.#closing ??= this.#pool.end().catch(() => {});
    await this.#closing;
  }
}
