/**
 * The embedded event store: SQLite through Node's built-in `node:sqlite`, in WAL mode with `synchronous=FULL`, so a
 * resolved `append` has been fsynced (an acknowledged event survives a crash or power loss). SQLite serialises
 * writers, so sequences are assigned and become visible in commit order.
 *
 * `node:sqlite` is synchronous, so appends and retention deletes run on a writer thread with its own connection
 * (`sqlite-writer.ts`): the event loop keeps serving requests during `COMMIT` and its fsync. Reads stay on this
 * thread's connection, which WAL lets run beside the writer; an append resolves only after the writer committed,
 * so a read started after it sees the events.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StoreError, StoreErrorCode } from "./errors.ts";
import { buildQuery, EVENT_COLUMNS } from "./query-sql.ts";
import { linksBySequence, type Row, rowToEvent } from "./rows.ts";
import type { AppendResult } from "./sqlite-append.ts";
import { appliedVersion, openSqliteDatabase } from "./sqlite-open.ts";
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from "./sqlite-schema.ts";
import { StatementCache } from "./sqlite-tx.ts";
import { SqliteWriter } from "./sqlite-writer-client.ts";
import type {
  AppendOutcome,
  DeliveryOutcomeRecord,
  EventPage,
  EventQuery,
  EventStore,
  InlineClaim,
  InlineDelivery,
  InlineRouting,
  NewEvent,
  RetentionLimits,
  StoredEvent,
  StoreHealth,
  StoreStats,
} from "./types.ts";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created with its directory's permissions if missing). */
  readonly path: string;
}

/** Opens (creating and migrating if needed) the SQLite store at `options.path`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<EventStore> {
  const db = await openSqliteDatabase(options.path, {
    table: "cairn_migrations",
    migrations: SQLITE_MIGRATIONS,
    label: "",
    // Reads: SQLite's default 2 MiB page cache backed by the OS page cache.
    pragmas: "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
  });
  try {
    const writer = await SqliteWriter.start({
      path: options.path,
      // A 4 MiB page cache (2× SQLite's default) for the writer: appends touch the right edge of the table and a
      // few index pages, and misses are served from the OS page cache. Measured side by side with batches of 100
      // and 1000, 16 MiB was not faster and 64 MiB neither (database at 330 MB), while the cache adds its full size
      // to the resident set once the database outgrows it.
      pragmas: "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -4096;",
    });
    return new SqliteStore(db, writer);
  } catch (cause) {
    db.close();
    throw new StoreError(StoreErrorCode.Unavailable, `cannot start the SQLite writer for ${options.path}`, { cause });
  }
}

const schemaVersion = (db: DatabaseSync): number => appliedVersion(db, "cairn_migrations");

// SQLite result codes (low byte of `errcode`) that mean "the database cannot take writes now": busy, locked, out of
// memory, read-only, I/O error, disk full, cannot open. Anything else is a failure a retry will not fix.
const TRANSIENT = new Set([5, 6, 7, 8, 10, 13, 14]);

/** Unavailable (HTTP 503, retry) for resource problems, Failed (HTTP 500) for the rest. */
function sqliteErrorCode(cause: unknown): StoreErrorCode {
  const errcode = (cause as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === "number" && TRANSIENT.has(errcode & 0xff)
    ? StoreErrorCode.Unavailable
    : StoreErrorCode.Failed;
}

// A writer failure as a StoreError: a stopped writer's own error as is, a driver error by its SQLite result code.
function writerError(cause: unknown, message: string): StoreError {
  return cause instanceof StoreError ? cause : new StoreError(sqliteErrorCode(cause), message, { cause });
}

// Tells inline routing what an append did (`result` null: it failed), when it routed or asked for claims.
function settleRouted(
  routing: InlineRouting,
  events: readonly NewEvent[],
  routes: readonly (readonly InlineDelivery[])[],
  result: AppendResult | null,
): void {
  const claims: InlineClaim[] = [];
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const sequence = result?.sequences[i] ?? 0;
    for (const delivery of routes[i] ?? []) {
      if (delivery.claimUntil === undefined) continue;
      const deliveryId = result?.claims[k++] ?? 0;
      claims.push({ delivery, event: events[i] as NewEvent, sequence: Math.max(sequence, 0), deliveryId });
    }
  }
  const created = result?.deliveries ?? 0;
  const routedThrough = result?.routedThrough ?? 0;
  if (created > 0 || claims.length > 0 || routedThrough > 0) routing.settled({ created, claims, routedThrough });
}

class SqliteStore implements EventStore {
  readonly engine = "sqlite";
  readonly #db: DatabaseSync;
  readonly #writer: SqliteWriter;
  readonly #listeners = new Set<(lastSequence: number) => void>();
  readonly #statements: StatementCache;
  #closed = false;
  #routing: InlineRouting | null = null;

  constructor(db: DatabaseSync, writer: SqliteWriter) {
    this.#db = db;
    this.#statements = new StatementCache(db);
    this.#writer = writer;
  }

  // Prepared once per distinct SQL text (queries differ only by which filters are present, so this stays small).
  #stmt(sql: string): StatementSync {
    if (this.#closed) throw new StoreError(StoreErrorCode.Closed, "the store is closed");
    return this.#statements.get(sql);
  }

  async append(events: readonly NewEvent[]): Promise<AppendOutcome[]> {
    if (this.#closed) throw new StoreError(StoreErrorCode.Closed, "the store is closed");
    if (events.length === 0) return [];
    const routing = this.#routing;
    const routes = routing ? events.map((e) => routing.route(e)) : null;
    let result: AppendResult;
    try {
      result = await this.#writer.append(events, routes);
    } catch (cause) {
      if (routing && routes) settleRouted(routing, events, routes, null);
      throw writerError(cause, "the SQLite append failed");
    }
    const { sequences } = result;
    if (routing && routes) settleRouted(routing, events, routes, result);
    const outcomes: AppendOutcome[] = new Array(sequences.length);
    let last = 0;
    for (let i = 0; i < sequences.length; i++) {
      const s = sequences[i] ?? 0;
      outcomes[i] = s < 0 ? { sequence: -s, duplicate: true } : { sequence: s, duplicate: false };
      if (s > last) last = s;
    }
    if (last > 0) this.#notify(last);
    return outcomes;
  }

  async query(query: EventQuery): Promise<EventPage> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1)
      throw new StoreError(StoreErrorCode.InvalidArgument, `limit must be a positive integer, got ${query.limit}`);
    const { tail, params } = buildQuery(query, () => "?");
    const rows = this.#stmt(`SELECT ${EVENT_COLUMNS} FROM events ${tail}`).all(...params) as Row[];
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const events = this.#withLinks(page);
    return { events, next: more ? (events.at(-1)?.sequence ?? null) : null };
  }

  async get(sequence: number): Promise<StoredEvent | null> {
    const row = this.#stmt(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`).get(sequence) as Row | undefined;
    return row ? (this.#withLinks([row])[0] ?? null) : null;
  }

  async findById(source: string, id: string): Promise<StoredEvent | null> {
    const row = this.#stmt(`SELECT ${EVENT_COLUMNS} FROM events WHERE source = ? AND event_id = ?`).get(source, id) as
      | Row
      | undefined;
    return row ? (this.#withLinks([row])[0] ?? null) : null;
  }

  // Links of a page in one query (most events have none).
  #withLinks(rows: readonly Row[]): StoredEvent[] {
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => Number(r.seq));
    const linkRows = this.#db
      .prepare(
        `SELECT seq, link_type, link_kind, context_id, domain_id FROM event_links WHERE seq IN (${seqs.map(() => "?").join(",")}) ORDER BY rowid`,
      )
      .all(...seqs) as Row[];
    const links = linksBySequence(linkRows);
    return rows.map((r) => rowToEvent(r, links.get(Number(r.seq)) ?? []));
  }

  async prune(limits: RetentionLimits, batch = 1000): Promise<number> {
    let deleted = 0;
    if (limits.receivedBefore !== undefined) {
      const cutoff = limits.receivedBefore;
      deleted += await this.#deleteWhile(() =>
        this.#stmt("SELECT seq, body_bytes FROM events WHERE received_ms < ? ORDER BY seq LIMIT ?").all(cutoff, batch),
      );
    }
    if (limits.maxBytes !== undefined) {
      const max = limits.maxBytes;
      deleted += await this.#deleteWhile(() => {
        const { bodyBytes } = this.#counters();
        if (bodyBytes <= max) return [];
        // Enough of the oldest rows to get under the limit (at most `batch`).
        const rows = this.#stmt("SELECT seq, body_bytes FROM events ORDER BY seq LIMIT ?").all(batch) as Row[];
        let excess = bodyBytes - max;
        const take: Row[] = [];
        for (const r of rows) {
          if (excess <= 0) break;
          take.push(r);
          excess -= Number(r.body_bytes);
        }
        return take;
      });
    }
    return deleted;
  }

  // Deletes the rows `pick` returns, one short transaction per batch, yielding to the event loop in between so
  // ingest keeps flowing while retention catches up.
  async #deleteWhile(pick: () => unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.#closed) return total;
      const rows = pick() as Row[];
      if (rows.length === 0) return total;
      const last = Number(rows.at(-1)?.seq);
      const first = Number(rows[0]?.seq);
      try {
        total += await this.#writer.delete(rows.map((r) => Number(r.seq)));
      } catch (cause) {
        throw writerError(cause, `retention failed deleting ${first}…${last}`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #counters(): { events: number; bodyBytes: number } {
    const row = this.#stmt("SELECT events, body_bytes FROM counters WHERE id = 1").get() as Row;
    return { events: Number(row.events), bodyBytes: Number(row.body_bytes) };
  }

  async stats(): Promise<StoreStats> {
    const { events, bodyBytes } = this.#counters();
    const last = this.#stmt("SELECT COALESCE(MAX(seq), 0) AS s FROM events").get() as Row;
    const pages = this.#stmt("SELECT page_count * page_size AS b FROM pragma_page_count(), pragma_page_size()").get() as
      | Row
      | undefined;
    return {
      events,
      bodyBytes,
      lastSequence: Number(last.s),
      diskBytes: pages ? Number(pages.b) : null,
    };
  }

  async health(): Promise<StoreHealth> {
    try {
      const version = schemaVersion(this.#db);
      // A writer thread that died (out of memory, say) leaves reads working but every append failing.
      const stopped = this.#closed ? null : this.#writer.failure;
      const ok = version === SQLITE_SCHEMA_VERSION && stopped === null;
      const reason =
        version !== SQLITE_SCHEMA_VERSION
          ? `schema version ${version}, expected ${SQLITE_SCHEMA_VERSION}`
          : (stopped?.message ?? null);
      return {
        ok,
        schemaVersion: version,
        expectedSchemaVersion: SQLITE_SCHEMA_VERSION,
        ...(reason === null ? {} : { reason }),
      };
    } catch (e) {
      return {
        ok: false,
        schemaVersion: 0,
        expectedSchemaVersion: SQLITE_SCHEMA_VERSION,
        reason: e instanceof Error ? e.message : String(e),
      };
    }
  }

  routeInline(routing: InlineRouting | null): void {
    this.#routing = routing;
  }

  async recordDeliveryOutcomes(outcomes: readonly DeliveryOutcomeRecord[]): Promise<void> {
    if (this.#closed) throw new StoreError(StoreErrorCode.Closed, "the store is closed");
    try {
      await this.#writer.outcomes([...outcomes]);
    } catch (cause) {
      throw writerError(cause, "the SQLite writer failed to record delivery outcomes");
    }
  }

  watch(listener: (lastSequence: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(last: number): void {
    for (const l of this.#listeners) queueMicrotask(() => l(last));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#statements.clear();
    // The writer finishes the appends already sent to it first.
    await this.#writer.close();
    this.#db.close();
  }
}
