/**
 * The scale-out event store: PostgreSQL through a `pg` pool, in a schema of its own. Appends are serialised by a
 * transaction-scoped advisory lock so sequences become visible in commit order; several hub replicas can share one
 * database, and `watch` hears their appends through LISTEN/NOTIFY.
 * @module
 */
import pg from "pg";
import { StoreError, StoreErrorCode } from "./errors.ts";
import { toStoreError } from "./postgres-errors.ts";
import { appliedVersion, migrate, POSTGRES_SCHEMA_VERSION, quoteIdent, schemaLockKey } from "./postgres-migrations.ts";
import { NotifyThrottle } from "./postgres-notify.ts";
import {
  APPEND_CALL,
  APPEND_LOCK_CLASS,
  PRUNE_BYTES_SQL,
  PRUNE_RECEIVED_SQL,
  SELECT_EVENTS,
  STATS_SQL,
} from "./postgres-sql.ts";
import { AppendWatcher, NOTIFY_CHANNEL } from "./postgres-watch.ts";
import { buildQuery } from "./query-sql.ts";
import { type Row, rowToEvent, rowToLink } from "./rows.ts";
import type {
  AppendOutcome,
  EventPage,
  EventQuery,
  EventStore,
  NewEvent,
  RetentionLimits,
  StoredEvent,
  StoreHealth,
  StoreStats,
} from "./types.ts";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Connection URL, e.g. `postgres://cairn@db:5432/cairn`. */
  readonly url: string;
  /**
   * Schema holding the store's tables, created if missing. Letters, digits and `_`, taken exactly (quoted, so
   * `Cairn` and `cairn` are different schemas). Default `public`.
   */
  readonly schema?: string;
  /** Maximum pooled connections. Default 10. */
  readonly poolSize?: number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

// Fail fast rather than queue forever when the database is down, so requests get a 503 instead of hanging.
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Opens the PostgreSQL store: connects, creates the schema if missing and applies pending migrations (several
 * replicas may do this at once). Rejects with code `CAIRN_ERR_STORE_UNAVAILABLE` when the database cannot be
 * reached and `CAIRN_ERR_STORE_SCHEMA` when it was migrated by a newer Cairn.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<EventStore> {
  const schema = options.schema ?? "public";
  const poolSize = options.poolSize ?? 10;
  if (!SCHEMA_NAME.test(schema))
    throw new StoreError(
      StoreErrorCode.InvalidArgument,
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _ (at most 63)`,
    );
  if (!Number.isSafeInteger(poolSize) || poolSize < 1)
    throw new StoreError(StoreErrorCode.InvalidArgument, `poolSize must be a positive integer, got ${poolSize}`);
  const connection: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    fallback_application_name: "cairn-hub",
  };
  const pool = new pg.Pool({
    ...connection,
    max: poolSize,
    // On connect rather than a startup `options` parameter, which an `options` in the URL would silently replace.
    onConnect: async (client) => {
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    },
  });
  // An idle pooled connection that dies (server restart) is dropped by the pool; without a listener the 'error'
  // event would crash the process. The next query reconnects or reports the store unavailable.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    try {
      await migrate(client, schema);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw toStoreError(e, `opening schema ${schema}`);
  }
  return new PostgresStore(pool, connection, schema);
}

// `String.prototype.toWellFormed` (ES2024, Node 20+) is missing from the ES2023 lib this repo compiles against.
// A lone surrogate is what UTF-8 cannot encode: the driver would send U+FFFD for it, and PostgreSQL's JSON parser
// rejects its `\udXXX` escape, so it becomes U+FFFD here, as it would on any other path to the database.
function wellFormed(s: string): string;
function wellFormed(s: string | null): string | null;
function wellFormed(s: string | null): string | null {
  return s === null ? null : (s as string & { toWellFormed(): string }).toWellFormed();
}

// One key per (source, id), for matching rows to inputs; spelled as the database will store it (see `wellFormed`).
const keyOf = (source: string, id: string): string => JSON.stringify([wellFormed(source), wellFormed(id)]);

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

class PostgresStore implements EventStore {
  readonly engine = "postgres";
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #watcher: AppendWatcher;
  readonly #lockKey: number;
  readonly #notify: NotifyThrottle;
  #closing: Promise<void> | null = null;

  constructor(pool: pg.Pool, connection: pg.ClientConfig, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
    this.#lockKey = schemaLockKey(schema);
    this.#watcher = new AppendWatcher(connection, schema, () => this.#lastSequence());
    this.#notify = new NotifyThrottle((seq) =>
      pool.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, `${schema}:${seq}`]),
    );
  }

  #assertOpen(): void {
    if (this.#closing) throw new StoreError(StoreErrorCode.Closed, "the PostgreSQL store is closed");
  }

  async append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    this.#assertOpen();
    if (events.length === 0) return [];
    rejectUnstorable(events);
    // The first occurrence of a key in the batch is the one stored; later ones are duplicates of it.
    const keys = events.map((e) => keyOf(e.source, e.id));
    const seen = new Set<string>();
    const unique: NewEvent[] = [];
    for (const [i, key] of keys.entries()) {
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push(events[i] as NewEvent);
    }
    const notify = this.#notify.take();
    let rows: Row[];
    try {
      rows = await this.#appendLocked(unique, notify);
    } catch (e) {
      this.#notify.settled(0, notify);
      throw toStoreError(e, "append");
    }
    const found = new Map<string, AppendOutcome>();
    let last = 0;
    for (const r of rows) {
      const seq = Number(r.seq);
      const key = keyOf(String(r.source), String(r.event_id));
      // A key both inserted and "existing": the lookup of duplicates also finds the rows this append inserted.
      if (r.duplicate === true && found.has(key)) continue;
      found.set(key, { sequence: seq, duplicate: r.duplicate === true });
      if (r.duplicate !== true && seq > last) last = seq;
    }
    this.#notify.settled(last, notify);
    seen.clear();
    const outcomes = keys.map((key) => {
      const outcome = found.get(key);
      if (!outcome) throw new StoreError(StoreErrorCode.Failed, `append lost track of ${key}`);
      const repeated = seen.has(key);
      seen.add(key);
      return repeated ? { sequence: outcome.sequence, duplicate: true } : outcome;
    });
    if (last > 0) this.#watcher.emit(last);
    return outcomes;
  }

  // Cursor stability: `bigserial` hands out numbers when rows are inserted, not when they commit, so two
  // concurrent transactions could commit out of order (7 commits, a reader pages past 7, then 6 commits and that
  // reader never sees it). `cairn_append` takes one advisory lock before inserting, held until its statement's
  // implicit transaction commits, which makes appends one at a time across every connection and replica, so
  // sequences become visible in increasing order.
  // A named statement: each pooled connection parses and plans the call once, not on every append.
  async #appendLocked(events: readonly NewEvent[], notify: boolean): Promise<Row[]> {
    const values = appendPayload(events, this.#schema, this.#lockKey, notify);
    const result = await this.#pool.query({ name: "cairn_append", text: APPEND_CALL, values });
    return result.rows as Row[];
  }

  async query(query: EventQuery): Promise<EventPage> {
    this.#assertOpen();
    if (!Number.isSafeInteger(query.limit) || query.limit < 1)
      throw new StoreError(StoreErrorCode.InvalidArgument, `limit must be a positive integer, got ${query.limit}`);
    const { tail, params } = buildQuery(query, (n) => `$${n}`);
    const rows = await this.#rows("query", `${SELECT_EVENTS} ${tail}`, params);
    const more = rows.length > query.limit;
    const events = (more ? rows.slice(0, query.limit) : rows).map(toEvent);
    return { events, next: more ? (events.at(-1)?.sequence ?? null) : null };
  }

  async get(sequence: number): Promise<StoredEvent | null> {
    this.#assertOpen();
    if (!Number.isSafeInteger(sequence) || sequence < 1) return null;
    const rows = await this.#rows("get", `${SELECT_EVENTS} WHERE seq = $1`, [sequence]);
    return rows[0] ? toEvent(rows[0]) : null;
  }

  async findById(source: string, id: string): Promise<StoredEvent | null> {
    this.#assertOpen();
    const rows = await this.#rows("findById", `${SELECT_EVENTS} WHERE source = $1 AND event_id = $2`, [source, id]);
    return rows[0] ? toEvent(rows[0]) : null;
  }

  async prune(limits: RetentionLimits, batch = 1000): Promise<number> {
    this.#assertOpen();
    if (!Number.isSafeInteger(batch) || batch < 1)
      throw new StoreError(StoreErrorCode.InvalidArgument, `batch must be a positive integer, got ${batch}`);
    let deleted = 0;
    if (limits.receivedBefore !== undefined)
      deleted += await this.#pruneBatches(PRUNE_RECEIVED_SQL, [limits.receivedBefore, batch]);
    if (limits.maxBytes !== undefined) deleted += await this.#pruneBatches(PRUNE_BYTES_SQL, [limits.maxBytes, batch]);
    return deleted;
  }

  // Each batch is its own statement, so its own short transaction: ingest waits at most for one batch's row locks.
  async #pruneBatches(sql: string, params: readonly number[]): Promise<number> {
    let total = 0;
    while (!this.#closing) {
      const rows = await this.#rows("prune", sql, params);
      const n = Number(rows[0]?.n ?? 0);
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  async stats(): Promise<StoreStats> {
    this.#assertOpen();
    const [row] = await this.#rows("stats", STATS_SQL, [this.#schema]);
    return {
      events: Number(row?.events ?? 0),
      bodyBytes: Number(row?.body_bytes ?? 0),
      lastSequence: Number(row?.last ?? 0),
      diskBytes: row?.disk === undefined ? null : Number(row.disk),
    };
  }

  async health(): Promise<StoreHealth> {
    const expected = POSTGRES_SCHEMA_VERSION;
    if (this.#closing) return { ok: false, schemaVersion: 0, expectedSchemaVersion: expected, reason: "closed" };
    try {
      const client = await this.#pool.connect();
      let version: number;
      try {
        version = await appliedVersion(client, this.#schema);
      } finally {
        client.release();
      }
      if (version === expected) return { ok: true, schemaVersion: version, expectedSchemaVersion: expected };
      const reason = `schema ${this.#schema} has version ${version}, expected ${expected}`;
      return { ok: false, schemaVersion: version, expectedSchemaVersion: expected, reason };
    } catch (e) {
      const reason = toStoreError(e, "health check").message;
      return { ok: false, schemaVersion: 0, expectedSchemaVersion: expected, reason };
    }
  }

  // No throw after close: a stream opened during shutdown just never hears anything.
  watch(listener: (lastSequence: number) => void): () => void {
    return this.#watcher.add(listener);
  }

  close(): Promise<void> {
    this.#closing ??= this.#notify
      .flush()
      .then(() => Promise.all([this.#watcher.close(), this.#pool.end()]))
      .then(() => {});
    return this.#closing;
  }

  async #lastSequence(): Promise<number> {
    const rows = await this.#rows("last sequence", "SELECT COALESCE(max(seq), 0) AS s FROM events", []);
    return Number(rows[0]?.s ?? 0);
  }

  async #rows(doing: string, sql: string, params: readonly unknown[]): Promise<Row[]> {
    try {
      return (await this.#pool.query(sql, [...params])).rows as Row[];
    } catch (e) {
      throw toStoreError(e, doing);
    }
  }
}

// Joins the bodies and the attributes in `APPEND_CALL`: JSON text never holds a raw control character.
const SEPARATOR = "\u0001";

// PostgreSQL text cannot hold U+0000 (SQLite can). Bodies are JSON, where it is always escaped, but decoded
// columns (`id`, `source`, …) may carry one; refuse it clearly instead of failing the batch with a driver error.
// A body or attributes text holding U+0001 is not JSON text (which escapes every control character), and would
// split where the append joins them.
function rejectUnstorable(events: readonly NewEvent[]): void {
  for (const [index, e] of events.entries()) {
    let problem: string | null = null;
    const column = nulColumn(e) ?? e.links.map(nulColumn).find((c) => c !== null);
    if (column) problem = `${column} contains U+0000, which PostgreSQL cannot store`;
    else if (e.body.includes(SEPARATOR) || e.attributes.includes(SEPARATOR))
      problem = "the body or attributes contain a raw U+0001, so they are not JSON text";
    if (problem)
      throw new StoreError(
        StoreErrorCode.InvalidArgument,
        `event ${index} (${JSON.stringify(e.source)}, ${JSON.stringify(e.id)}): ${problem}`,
      );
  }
}

// `for … in` rather than `Object.entries`: no array per field per event on the append path.
const nulColumn = (record: object): string | null => {
  for (const key in record) {
    const v = (record as Record<string, unknown>)[key];
    if (typeof v === "string" && v.includes("\u0000")) return key;
  }
  return null;
};

const toEvent = (row: Row): StoredEvent => rowToEvent(row, (row.links as Row[]).map(rowToLink));

/** The parameters of `APPEND_CALL`: see there. `notify` false sends an empty channel: no notification. */
function appendPayload(
  events: readonly NewEvent[],
  schema: string,
  lockKey: number,
  notify: boolean,
): (string | number)[] {
  const rows = events.map((e, ord) => ({
    ord,
    event_id: wellFormed(e.id),
    source: wellFormed(e.source),
    type: wellFormed(e.type),
    subject_kind: wellFormed(e.subjectKind),
    predicate: wellFormed(e.predicate),
    event_version: wellFormed(e.eventVersion),
    spec_version: wellFormed(e.specVersion),
    subject_id: wellFormed(e.subjectId),
    subject_source: wellFormed(e.subjectSource),
    ts: wellFormed(e.timestamp),
    ts_ms: e.timestampMs,
    chain_id: wellFormed(e.chainId),
    received_ms: e.receivedAtMs,
    body_bytes: byteLength(e.body),
  }));
  const bodies = events.map((e) => wellFormed(e.body)).join(SEPARATOR);
  const attributes = events.map((e) => wellFormed(e.attributes)).join(SEPARATOR);
  const links = events.flatMap((e) =>
    e.links.map((l, position) => ({
      source: wellFormed(e.source),
      event_id: wellFormed(e.id),
      position,
      link_type: wellFormed(l.linkType),
      link_kind: wellFormed(l.linkKind),
      context_id: wellFormed(l.contextId),
      domain_id: wellFormed(l.domainId),
    })),
  );
  return [
    JSON.stringify(rows),
    bodies,
    attributes,
    JSON.stringify(links),
    notify ? NOTIFY_CHANNEL : "",
    schema,
    APPEND_LOCK_CLASS,
    lockKey,
  ];
}
