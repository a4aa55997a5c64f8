/**
 * The delivery queue in PostgreSQL, in the store's schema, shared by every hub replica: claims take due rows with
 * `FOR UPDATE SKIP LOCKED` under a transaction-scoped advisory lock (so `maxInFlight` holds across replicas), a
 * claim is a lease (a replica that dies leaves rows that others take over once the lease expires), ordering lanes
 * are changed under a per-lane advisory lock, and the routing cursor moves by compare-and-set on its locked row.
 * Outcomes (`complete`, `retryAt`) are group-committed (`group-commit.ts`): those of one loop turn are recorded by
 * one transaction of multi-row statements, and each resolves after its commit.
 * @module
 */
import type pg from "pg";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { toStoreError } from "../store/postgres-errors.ts";
import { schemaLockKey } from "../store/postgres-migrations.ts";
import { openSchemaPool } from "../store/postgres-pool.ts";
import { GroupCommit } from "./group-commit.ts";
import { CLAIM_LOCK, LANE_LOCK, migrateQueue } from "./postgres-queue-schema.ts";
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

/** Options of {@link openPostgresQueue}. */
export interface PostgresQueueOptions {
  readonly url: string;
  /** The store's schema (it must exist: the store is opened first). */
  readonly schema: string;
  /** Connections (default 4). */
  readonly poolSize?: number;
}

/** Opens the queue in the store's schema, applying its migrations. */
export async function openPostgresQueue(options: PostgresQueueOptions): Promise<DeliveryQueue> {
  const pool = await openSchemaPool({
    url: options.url,
    schema: options.schema,
    poolSize: options.poolSize ?? 4,
    applicationName: "cairn-router",
    migrate: migrateQueue,
    what: "router",
  });
  return new PostgresQueue(pool, schemaLockKey(options.schema));
}

const CLAIM_SQL = `
  WITH wanted AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) AS w(sub, lim, lease)
  ), picked AS (
    SELECT c.id, w.lease FROM wanted w
    CROSS JOIN LATERAL (
      SELECT d.id, d.not_before, d.seq FROM deliveries d
      WHERE d.subscription_id = w.sub AND d.state = 'pending' AND NOT d.blocked AND d.not_before <= $4
      ORDER BY d.not_before, d.seq LIMIT w.lim
      FOR UPDATE SKIP LOCKED
    ) c
    ORDER BY c.not_before, c.seq LIMIT $5
  ), claimed AS (
    UPDATE deliveries d SET state = 'in_flight', attempt = d.attempt + 1, lease_until = $4 + picked.lease
    FROM picked WHERE d.id = picked.id
    RETURNING d.id, d.subscription_id, d.seq, d.lane, d.attempt, d.ingested_ms, d.first_failure_ms, d.not_before
  )
  SELECT c.*, COALESCE(e.attributes, dl.attributes) AS attributes, COALESCE(e.body, dl.body) AS body
  FROM claimed c
  LEFT JOIN events e ON e.seq = c.seq
  LEFT JOIN dead_letters dl ON dl.subscription_id = c.subscription_id AND dl.seq = c.seq
  ORDER BY c.not_before, c.seq`;

// Each subscription's room under maxInFlight, in one statement with the expiry of leases: rows of replicas that
// died (or hung) are claimable again (the statement's snapshot still sees them in flight, hence `+ e.n`).
// Deliveries of this process whose outcome waits for its group commit ($2) are not in flight: their sink answered.
const BUDGETS_SQL = `
  WITH expired AS (
    UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight' AND lease_until < $1
    RETURNING subscription_id
  ), e AS (SELECT subscription_id, count(*) AS n FROM expired GROUP BY subscription_id),
  f AS (SELECT subscription_id, count(*) AS n FROM deliveries WHERE state = 'in_flight' AND NOT (id = ANY($2::bigint[]))
    GROUP BY subscription_id)
  SELECT s.id, s.max_in_flight - COALESCE(f.n, 0) + COALESCE(e.n, 0) AS budget FROM subscriptions s
  LEFT JOIN f ON f.subscription_id = s.id LEFT JOIN e ON e.subscription_id = s.id ORDER BY s.ord`;

const INSERT_DELIVERY = `
  INSERT INTO deliveries (subscription_id, seq, lane, blocked, not_before, ingested_ms)
  SELECT $1, $2, $3, $3::text IS NOT NULL AND EXISTS (
    SELECT 1 FROM deliveries WHERE subscription_id = $1 AND lane = $3), $4, $5
  WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = $1)
  ON CONFLICT (subscription_id, seq) DO NOTHING`;

// Many deliveries in one statement. Of a lane, only the oldest is unblocked — and only when nothing of that lane is
// queued yet: the rows of one statement do not see each other, hence the row number within the batch.
const INSERT_DELIVERIES = `
  INSERT INTO deliveries (subscription_id, seq, lane, blocked, not_before, ingested_ms)
  SELECT w.sub, w.seq, w.lane, w.lane IS NOT NULL AND (w.rn > 1 OR EXISTS (
    SELECT 1 FROM deliveries d WHERE d.subscription_id = w.sub AND d.lane = w.lane)), w.not_before, w.ingested_ms
  FROM (SELECT u.*, row_number() OVER (PARTITION BY u.sub, u.lane ORDER BY u.seq) AS rn
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
      AS u(sub, seq, lane, not_before, ingested_ms)) w
  WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = w.sub)
  ON CONFLICT (subscription_id, seq) DO NOTHING`;

/** The dead-letter upsert (shared with the JetStream queue, whose dead letters live in these tables). */
export const DEAD_LETTER_UPSERT = `
  INSERT INTO dead_letters (subscription_id, seq, lane, sink, reason, attempts, last_outcome, last_status, snippet,
    first_failure_ms, last_failure_ms, dead_ms, ingested_ms, state, attributes, body)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, 'dead', $13, $14)
  ON CONFLICT (subscription_id, seq) DO UPDATE SET lane = excluded.lane, sink = excluded.sink,
    reason = excluded.reason, attempts = excluded.attempts, last_outcome = excluded.last_outcome,
    last_status = excluded.last_status, snippet = excluded.snippet, first_failure_ms = excluded.first_failure_ms,
    last_failure_ms = excluded.last_failure_ms, dead_ms = excluded.dead_ms, state = 'dead', sink_result = NULL,
    attributes = excluded.attributes, body = excluded.body
  RETURNING *`;

type Client = pg.PoolClient;

/** An outcome waiting for the next group commit. */
type Outcome =
  | { readonly kind: "complete"; readonly id: number }
  | { readonly kind: "retry"; readonly id: number; readonly notBefore: number; readonly failure: AttemptFailure };

// The retries of a batch, one row each (a retry of the same delivery twice in a batch: the last one wins).
const RETRY_BATCH = `
  UPDATE deliveries d SET state = 'pending', not_before = u.not_before, lease_until = NULL,
    first_failure_ms = COALESCE(d.first_failure_ms, u.at), last_failure_ms = u.at, last_outcome = u.kind,
    last_status = u.status, last_snippet = u.snippet
  FROM (SELECT DISTINCT ON (id) * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::int[],
    $6::text[]) WITH ORDINALITY AS x(id, not_before, at, kind, status, snippet, n) ORDER BY id, n DESC) u
  WHERE d.id = u.id`;

// After deleting deliveries of ordering lanes: the oldest delivery left in each of those lanes is unblocked.
const UNBLOCK_LANES = `
  UPDATE deliveries SET blocked = false WHERE id IN (
    SELECT DISTINCT ON (d.subscription_id, d.lane) d.id FROM deliveries d
    JOIN unnest($1::text[], $2::text[]) AS l(sub, lane) ON d.subscription_id = l.sub AND d.lane = l.lane
    ORDER BY d.subscription_id, d.lane, d.seq)`;

class PostgresQueue implements DeliveryQueue {
  readonly engine = "postgres";
  readonly #pool: pg.Pool;
  readonly #schemaKey: number;
  #closing: Promise<void> | null = null;
  readonly #outcomes = new GroupCommit<Outcome>((ops) => this.#recordOutcomes(ops));

  constructor(pool: pg.Pool, schemaKey: number) {
    this.#pool = pool;
    this.#schemaKey = schemaKey;
  }

  async #q(what: string, sql: string, params: unknown[] = []): Promise<Row[]> {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the delivery queue is closed");
    try {
      return (await this.#pool.query(sql, params)).rows as Row[];
    } catch (e) {
      throw toStoreError(e, what);
    }
  }

  // `closing`: the group commit of outcomes reported before close() still runs while the queue closes. `begin`:
  // statements without parameters sent with BEGIN in one round trip; `fn` gets the last one's rows.
  async #tx<T>(what: string, fn: (c: Client, begun: Row[]) => Promise<T>, closing = false, begin = ""): Promise<T> {
    if (this.#closing && !closing) throw new StoreError(StoreErrorCode.Closed, "the delivery queue is closed");
    let client: Client;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw toStoreError(e, what);
    }
    try {
      const begun = await client.query(begin === "" ? "BEGIN" : `BEGIN; ${begin}`);
      const rows = Array.isArray(begun) ? ((begun.at(-1) as pg.QueryResult).rows as Row[]) : [];
      const out = await fn(client, rows);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw toStoreError(e, what);
    } finally {
      client.release();
    }
  }

  // Serialises changes to one ordering lane across replicas (its blocked flags stay consistent).
  async #lockLane(c: Client, subscriptionId: string, lane: string): Promise<void> {
    await c.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LANE_LOCK, `${subscriptionId}/${lane}`]);
  }

  // Several lanes, always in the same order, so two transactions never wait for each other's lanes in a cycle.
  async #lockLanes(c: Client, deliveries: readonly RoutedDelivery[]): Promise<void> {
    const keys = new Set(deliveries.flatMap((d) => (d.lane === null ? [] : [`${d.subscriptionId}/${d.lane}`])));
    for (const key of [...keys].sort())
      await c.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LANE_LOCK, key]);
  }

  async listSubscriptions(): Promise<SubscriptionRecord[]> {
    return (await this.#q("list subscriptions", "SELECT * FROM subscriptions ORDER BY ord")).map(rowToSubscription);
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | null> {
    const [row] = await this.#q("read a subscription", "SELECT * FROM subscriptions WHERE id = $1", [id]);
    return row ? rowToSubscription(row) : null;
  }

  async putSubscription(record: SubscriptionRecord): Promise<void> {
    const s = record.subscription;
    await this.#q(
      "store a subscription",
      "INSERT INTO subscriptions (id, origin, body, max_in_flight, created_ms, updated_ms) " +
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, " +
        "body = excluded.body, max_in_flight = excluded.max_in_flight, updated_ms = excluded.updated_ms",
      [s.id, record.origin, JSON.stringify(s), s.delivery.maxInFlight, record.createdMs, record.updatedMs],
    );
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return this.#tx("delete a subscription", async (c) => {
      await c.query("DELETE FROM deliveries WHERE subscription_id = $1", [id]);
      return ((await c.query("DELETE FROM subscriptions WHERE id = $1", [id])).rowCount ?? 0) > 0;
    });
  }

  async cursor(): Promise<number | null> {
    const [row] = await this.#q("read the cursor", "SELECT seq FROM router_cursor WHERE id = 1");
    return row ? Number(row.seq) : null;
  }

  async initCursor(sequence: number): Promise<number> {
    await this.#q("set the cursor", "INSERT INTO router_cursor (id, seq) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [
      sequence,
    ]);
    return (await this.cursor()) ?? sequence;
  }

  async enqueue(deliveries: readonly RoutedDelivery[], advance?: CursorAdvance): Promise<boolean> {
    // Routing with the cursor's move need not wait for the commit's WAL flush: if the server loses it, it loses the
    // cursor's move with it, and the events are routed again from the log (the lines from BEGIN in one round trip).
    const begin = advance
      ? "SET LOCAL synchronous_commit = off; SELECT seq FROM router_cursor WHERE id = 1 FOR UPDATE"
      : "";
    return this.#tx(
      "enqueue deliveries",
      async (c, cursor) => {
        if (advance) {
          const row = cursor[0];
          if (!row || Number(row.seq) !== advance.from) return false;
        }
        await this.#lockLanes(c, deliveries);
        // One statement per thousand deliveries, not one per delivery (a page fans out to every subscription).
        for (let i = 0; i < deliveries.length; i += 1000) {
          const part = deliveries.slice(i, i + 1000);
          await c.query(INSERT_DELIVERIES, [
            part.map((d) => d.subscriptionId),
            part.map((d) => d.sequence),
            part.map((d) => d.lane),
            part.map((d) => d.ingestedMs),
            part.map((d) => d.ingestedMs),
          ]);
        }
        if (advance) await c.query("UPDATE router_cursor SET seq = $1 WHERE id = 1", [advance.to]);
        return true;
      },
      false,
      begin,
    );
  }

  async #insert(c: Client, d: RoutedDelivery, notBefore: number): Promise<boolean> {
    const r = await c.query(INSERT_DELIVERY, [d.subscriptionId, d.sequence, d.lane, notBefore, d.ingestedMs]);
    return (r.rowCount ?? 0) > 0;
  }

  async claim(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    // BEGIN, the claim lock and the budgets in one round trip (their parameters are integers, written inline).
    const pending = this.#outcomes.pending().map((o) => Math.trunc(o.id));
    const budgets = BUDGETS_SQL.replace("$1", String(Math.trunc(options.now))).replace(
      "$2::bigint[]",
      `'{${pending.join(",")}}'::bigint[]`,
    );
    // A lost claim (the server crashed before flushing its commit) is a pending delivery claimed again: no need to
    // wait for the WAL flush.
    const begin =
      "SET LOCAL synchronous_commit = off; " +
      `SELECT pg_advisory_xact_lock(${CLAIM_LOCK}, ${Math.trunc(this.#schemaKey)}); ${budgets}`;
    return this.#tx(
      "claim deliveries",
      async (c, rows) => {
        const wanted = this.#allocate(
          rows.map((row) => ({ id: String(row.id), budget: Number(row.budget) })),
          options,
        );
        if (wanted.subs.length === 0) return [];
        const claimed = await c.query(CLAIM_SQL, [
          wanted.subs,
          wanted.limits,
          wanted.leases,
          options.now,
          options.limit,
        ]);
        return (claimed.rows as Row[]).map(rowToClaimed);
      },
      false,
      begin,
    );
  }

  // Per subscription: its budget and the caller's capacity (the overall limit is applied in SQL, oldest first).
  #allocate(
    budgets: readonly { id: string; budget: number }[],
    options: ClaimOptions,
  ): { subs: string[]; limits: number[]; leases: number[] } {
    const out = { subs: [] as string[], limits: [] as number[], leases: [] as number[] };
    for (const b of budgets) {
      const lim = Math.min(b.budget, options.capacity?.(b.id) ?? Number.POSITIVE_INFINITY, options.limit);
      if (lim <= 0) continue;
      out.subs.push(b.id);
      out.limits.push(lim);
      out.leases.push(options.leaseMs?.(b.id) ?? DEFAULT_LEASE_MS);
    }
    return out;
  }

  async nextDue(): Promise<number | null> {
    const [row] = await this.#q(
      "read the next due time",
      "SELECT MIN(not_before) AS t FROM deliveries WHERE state = 'pending' AND NOT blocked",
    );
    return row?.t === null || row?.t === undefined ? null : Number(row.t);
  }

  complete(id: number): Promise<void> {
    if (this.#closing) return Promise.reject(new StoreError(StoreErrorCode.Closed, "the delivery queue is closed"));
    return this.#outcomes.add({ kind: "complete", id });
  }

  // One group commit: the batch's deletions (lanes locked first, in order, then their next delivery unblocked) and
  // retries in one transaction; a failure fails them all.
  async #recordOutcomes(ops: readonly Outcome[]): Promise<void> {
    const done = ops.flatMap((o) => (o.kind === "complete" ? [o.id] : []));
    const retries = ops.flatMap((o) => (o.kind === "retry" ? [o] : []));
    await this.#tx(
      ops.length === 1 ? "record a delivery outcome" : `record ${ops.length} delivery outcomes`,
      async (c) => {
        if (done.length > 0) {
          const laned = (
            await c.query(
              "SELECT subscription_id, lane FROM deliveries WHERE id = ANY($1::bigint[]) AND lane IS NOT NULL",
              [done],
            )
          ).rows as Row[];
          const lanes = laned.map((r) => ({ subscriptionId: String(r.subscription_id), lane: String(r.lane) }));
          const keys = [...new Set(lanes.map((l) => `${l.subscriptionId}/${l.lane}`))].sort();
          for (const key of keys) await c.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LANE_LOCK, key]);
          await c.query("DELETE FROM deliveries WHERE id = ANY($1::bigint[])", [done]);
          if (lanes.length > 0)
            await c.query(UNBLOCK_LANES, [lanes.map((l) => l.subscriptionId), lanes.map((l) => l.lane)]);
        }
        if (retries.length > 0) {
          const cols = retries.map((r) => ({ ...outcomeColumns(r.failure.outcome), r }));
          await c.query(RETRY_BATCH, [
            cols.map((x) => x.r.id),
            cols.map((x) => x.r.notBefore),
            cols.map((x) => x.r.failure.atMs),
            cols.map((x) => x.kind),
            cols.map((x) => x.status),
            cols.map((x) => x.r.failure.responseSnippet ?? null),
          ]);
        }
      },
      true,
    );
  }

  // Deletes a delivery and unblocks the next of its lane (the lowest sequence left).
  async #remove(c: Client, id: number): Promise<void> {
    const row = (await c.query("SELECT subscription_id, lane FROM deliveries WHERE id = $1", [id])).rows[0] as
      | Row
      | undefined;
    if (!row) return;
    const sub = String(row.subscription_id);
    if (row.lane !== null) await this.#lockLane(c, sub, String(row.lane));
    await c.query("DELETE FROM deliveries WHERE id = $1", [id]);
    if (row.lane === null) return;
    await c.query(
      "UPDATE deliveries SET blocked = false WHERE id = (SELECT id FROM deliveries WHERE subscription_id = $1 " +
        "AND lane = $2 ORDER BY seq LIMIT 1)",
      [sub, String(row.lane)],
    );
  }

  retryAt(id: number, notBefore: number, failure: AttemptFailure): Promise<void> {
    if (this.#closing) return Promise.reject(new StoreError(StoreErrorCode.Closed, "the delivery queue is closed"));
    return this.#outcomes.add({ kind: "retry", id, notBefore, failure });
  }

  async deadLetter(id: number, input: DeadLetterInput): Promise<DeadLetter | null> {
    const { kind, status } = outcomeColumns(input.failure.outcome);
    return this.#tx("dead-letter a delivery", async (c) => {
      const d = (
        await c.query(
          "SELECT d.*, COALESCE(e.attributes, dl.attributes) AS attributes, COALESCE(e.body, dl.body) AS body " +
            "FROM deliveries d LEFT JOIN events e ON e.seq = d.seq LEFT JOIN dead_letters dl " +
            "ON dl.subscription_id = d.subscription_id AND dl.seq = d.seq WHERE d.id = $1",
          [id],
        )
      ).rows[0] as Row | undefined;
      if (!d) return null;
      if (d.attributes === null || d.body === null) {
        await this.#remove(c, id);
        return null;
      }
      const at = input.failure.atMs;
      const first = d.first_failure_ms === null ? at : Number(d.first_failure_ms);
      const row = (
        await c.query(DEAD_LETTER_UPSERT, [
          d.subscription_id,
          d.seq,
          d.lane,
          input.sink,
          input.reason,
          d.attempt,
          kind,
          status,
          input.failure.responseSnippet ?? null,
          first,
          at,
          d.ingested_ms,
          d.attributes,
          d.body,
        ])
      ).rows[0] as Row;
      await this.#remove(c, id);
      return rowToDeadLetter(row);
    });
  }

  async recoverInFlight(now: number): Promise<number> {
    // Other replicas may be delivering: only claims whose lease has expired are taken back.
    const rows = await this.#q(
      "recover deliveries in flight",
      "UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight' AND lease_until < $1 " +
        "RETURNING id",
      [now],
    );
    return rows.length;
  }

  async listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage> {
    const params: unknown[] = [query.after ?? 0];
    const where = ["id > $1"];
    if (query.subscriptionId !== undefined) {
      params.push(query.subscriptionId);
      where.push(`subscription_id = $${params.length}`);
    }
    if (query.state !== undefined) {
      params.push(query.state);
      where.push(`state = $${params.length}`);
    }
    params.push(query.limit + 1);
    const rows = await this.#q(
      "list dead letters",
      `SELECT * FROM dead_letters WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > query.limit;
    const deadLetters = (more ? rows.slice(0, query.limit) : rows).map(rowToDeadLetter);
    return { deadLetters, next: more ? (deadLetters.at(-1)?.id ?? null) : null };
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const [row] = await this.#q("read a dead letter", "SELECT * FROM dead_letters WHERE id = $1", [id]);
    return row ? rowToDeadLetter(row) : null;
  }

  async setDeadLetterSinkResult(id: number, result: string): Promise<void> {
    await this.#q("record the dead-letter sink's answer", "UPDATE dead_letters SET sink_result = $1 WHERE id = $2", [
      result,
      id,
    ]);
  }

  async replayDeadLetters(selector: DeadLetterSelector, now: number): Promise<ReplayResult> {
    const { where, params } = this.#selector(selector);
    return this.#tx("replay dead letters", async (c) => {
      const rows = (
        await c.query(`SELECT * FROM dead_letters WHERE state = 'dead' AND ${where} ORDER BY seq FOR UPDATE`, params)
      ).rows as Row[];
      const deliveries = rows.map((r) => ({
        subscriptionId: String(r.subscription_id),
        sequence: Number(r.seq),
        lane: r.lane === null ? null : String(r.lane),
        ingestedMs: Number(r.ingested_ms),
      }));
      await this.#lockLanes(c, deliveries);
      let replayed = 0;
      for (const [i, d] of deliveries.entries()) {
        if (!(await this.#insert(c, d, now))) continue;
        await c.query(
          "UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_ms = $1 WHERE id = $2",
          [now, (rows[i] as Row).id],
        );
        replayed++;
      }
      return { replayed, skipped: rows.length - replayed };
    });
  }

  async purgeDeadLetters(selector: DeadLetterSelector): Promise<number> {
    const { where, params } = this.#selector(selector);
    return this.#tx("purge dead letters", async (c) => {
      return (await c.query(`DELETE FROM dead_letters WHERE ${where}`, params)).rowCount ?? 0;
    });
  }

  #selector(selector: DeadLetterSelector): { where: string; params: unknown[] } {
    const params: unknown[] = [];
    const where = selectorConditions(
      selector,
      (v) => {
        params.push(v);
        return `$${params.length}`;
      },
      (p) => `(SELECT unnest(${p}::bigint[]))`,
    );
    return { where: where.join(" AND "), params };
  }

  async depth(now: number): Promise<QueueDepth> {
    const [d] = await this.#q(
      "count deliveries",
      "SELECT count(*) FILTER (WHERE state = 'pending' AND not_before <= $1) AS pending, " +
        "count(*) FILTER (WHERE state = 'pending' AND not_before > $1) AS scheduled, " +
        "count(*) FILTER (WHERE state = 'in_flight') AS in_flight, " +
        "(SELECT count(*) FROM dead_letters WHERE state = 'dead') AS dead FROM deliveries",
      [now],
    );
    return {
      pending: Number(d?.pending ?? 0),
      scheduled: Number(d?.scheduled ?? 0),
      inFlight: Number(d?.in_flight ?? 0),
      dead: Number(d?.dead ?? 0),
    };
  }

  async close(): Promise<void> {
    // Outcomes already reported to the queue are committed before the pool goes.
    this.#closing ??= this.#outcomes.flush().then(() => this.#pool.end().catch(() => {}));
    await this.#closing;
  }
}
