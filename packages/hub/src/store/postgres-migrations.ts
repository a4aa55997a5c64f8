/**
 * Versioned migrations of the PostgreSQL store, applied at open in one transaction under an advisory lock, so
 * replicas starting together migrate once and the others wait, then see the result.
 * @module
 */
import type { PoolClient } from "pg";
import { StoreError, StoreErrorCode } from "./errors.ts";
import { isUnavailable } from "./postgres-errors.ts";
import type { Migration } from "./sqlite-schema.ts";

// Every text column that is indexed or compared uses the "C" collation: `type` needs bytewise order for the prefix
// ranges of `query-sql.ts` (a linguistic collation sorts `build.x` and `build-x` differently from SQLite), and for
// the others it makes comparisons memcmp-cheap and immune to the C library changing its collation (which silently
// corrupts indexes built under the old one).
const V1 = `
  CREATE TABLE events (
    seq bigserial PRIMARY KEY,
    event_id text COLLATE "C" NOT NULL,
    source text COLLATE "C" NOT NULL,
    type text COLLATE "C" NOT NULL,
    subject_kind text,
    predicate text,
    event_version text,
    spec_version text NOT NULL,
    subject_id text COLLATE "C",
    subject_source text,
    ts text NOT NULL,
    ts_ms bigint,
    chain_id text COLLATE "C",
    received_ms bigint NOT NULL,
    body text NOT NULL,
    attributes text NOT NULL,
    body_bytes integer NOT NULL,
    CONSTRAINT events_source_event_id UNIQUE (source, event_id)
  );
  CREATE INDEX events_type ON events (type, seq);
  CREATE INDEX events_subject ON events (subject_id, seq);
  CREATE INDEX events_chain ON events (chain_id, seq) WHERE chain_id IS NOT NULL;
  CREATE INDEX events_source ON events (source, seq);
  CREATE INDEX events_ts ON events (ts_ms);
  CREATE INDEX events_received ON events (received_ms);
  CREATE TABLE event_links (
    seq bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    position integer NOT NULL,
    link_type text NOT NULL,
    link_kind text,
    context_id text COLLATE "C",
    domain_id text,
    PRIMARY KEY (seq, position)
  );
  CREATE INDEX event_links_context ON event_links (context_id) WHERE context_id IS NOT NULL;
  CREATE TABLE counters (
    id integer PRIMARY KEY CHECK (id = 1),
    events bigint NOT NULL,
    body_bytes bigint NOT NULL
  );
  INSERT INTO counters (id, events, body_bytes) VALUES (1, 0, 0);
`;

// The append as one function (see `APPEND_CALL` in `postgres-sql.ts`), so a single statement in its own implicit
// transaction takes the append lock, inserts and commits: one round trip per append, and the lock is held only
// while PostgreSQL works — never across a round trip to the hub, whose event loop may be busy with requests.
// Parameters: the events' short columns and their links as JSON arrays of objects keyed by column name, the
// events' bodies and attributes each as one text joined by U+0001 (JSON text never holds a raw control character,
// and splitting is a scan where JSON strings are unescaped a character at a time: the largest cost of the append
// in PostgreSQL 15's profile), the notification channel and payload prefix, and the lock's two keys.
// `SET search_path FROM CURRENT` pins the migration's schema, whatever the caller's path.
//
// New rows are inserted in input order (`ORDER BY ord`), so the first input gets the lowest new sequence. Links and
// counters are written from the insert's RETURNING, and `pg_notify` is evaluated in the counters update's
// RETURNING: a data-modifying CTE always runs to completion, so it fires exactly when rows were added, and, like
// every NOTIFY, is delivered only if the transaction commits.
//
// PL/pgSQL keeps a session's plans, and a generic plan made while `events` was nearly empty scans it: the insert's
// statement therefore reads no table (the conflict check goes through the unique index, always). Only when some
// input was not inserted (it was there before: every earlier append has committed, since this one holds the lock)
// does a second statement look those keys up, as dynamic SQL planned for the table as it is. It runs after the
// insert, so it also finds this append's own rows; they are reported first, as inserted.
const appendFunction = (create: string, notify: string): string => `
  ${create} cairn_append(events json, bodies text, attrs text, links json, channel text, tag text,
    lock_class integer, lock_key integer)
  RETURNS TABLE (seq bigint, source text, event_id text, duplicate boolean)
  LANGUAGE plpgsql VOLATILE
  SET search_path FROM CURRENT
  AS $fn$
  #variable_conflict use_column
  DECLARE
    stored bigint;
  BEGIN
    PERFORM pg_advisory_xact_lock(lock_class, lock_key);
    RETURN QUERY
    WITH input AS (
      SELECT t.*, x.body, x.attributes
      FROM json_to_recordset(events) AS t(ord int, event_id text, source text, type text, subject_kind text,
        predicate text, event_version text, spec_version text, subject_id text, subject_source text, ts text,
        ts_ms bigint, chain_id text, received_ms bigint, body_bytes int)
      JOIN unnest(string_to_array(bodies, E'\\x01'), string_to_array(attrs, E'\\x01'))
        WITH ORDINALITY AS x(body, attributes, n) ON x.n = t.ord + 1
    ),
    inserted AS (
      INSERT INTO events (event_id, source, type, subject_kind, predicate, event_version, spec_version, subject_id,
        subject_source, ts, ts_ms, chain_id, received_ms, body, attributes, body_bytes)
      SELECT i.event_id, i.source, i.type, i.subject_kind, i.predicate, i.event_version, i.spec_version,
        i.subject_id, i.subject_source, i.ts, i.ts_ms, i.chain_id, i.received_ms, i.body, i.attributes, i.body_bytes
      FROM input i ORDER BY i.ord
      ON CONFLICT (source, event_id) DO NOTHING
      RETURNING events.seq, events.source, events.event_id, events.body_bytes
    ),
    linked AS (
      INSERT INTO event_links (seq, position, link_type, link_kind, context_id, domain_id)
      SELECT n.seq, l.position, l.link_type, l.link_kind, l.context_id, l.domain_id
      FROM json_to_recordset(links) AS l(source text, event_id text, position int, link_type text, link_kind text,
        context_id text, domain_id text)
      JOIN inserted n ON n.source = l.source COLLATE "C" AND n.event_id = l.event_id COLLATE "C"
    ),
    counted AS (
      UPDATE counters SET events = counters.events + n.c, body_bytes = counters.body_bytes + n.b
      FROM (SELECT count(*) AS c, COALESCE(sum(x.body_bytes), 0) AS b, max(x.seq) AS last FROM inserted x) n
      WHERE counters.id = 1 AND n.c > 0
      RETURNING ${notify}
    )
    SELECT n.seq, n.source::text, n.event_id::text, false FROM inserted n;
    GET DIAGNOSTICS stored = ROW_COUNT;
    IF stored < json_array_length(events) THEN
      RETURN QUERY EXECUTE
        'SELECT e.seq, e.source::text, e.event_id::text, true
         FROM json_to_recordset($1) AS i(source text, event_id text)
         JOIN events e ON e.source = i.source COLLATE "C" AND e.event_id = i.event_id COLLATE "C"'
        USING events;
    END IF;
  END
  $fn$;
`;
const V3 = appendFunction("CREATE FUNCTION", "pg_notify(channel, tag || ':' || n.last)");

// The links' foreign key made every append look up each link's event again (an RI trigger per row: about 6 µs of
// PostgreSQL's time per event, an eighth of the append). Links are written only by `cairn_append`, from the rows
// its own insert returns, and deleted only by prune, in the same statement as their events (`postgres-sql.ts`),
// so the key guarded nothing the store does not already ensure.
const V4 = "ALTER TABLE event_links DROP CONSTRAINT IF EXISTS event_links_seq_fkey;";

// An empty channel appends without notifying: a store notifies at most once per `NOTIFY_INTERVAL_MS`
// (`postgres-notify.ts`), since every notification wakes each listening backend and its replica.
const V5 = appendFunction(
  "CREATE OR REPLACE FUNCTION",
  "CASE WHEN channel <> '' THEN pg_notify(channel, tag || ':' || n.last) END",
);

/** The PostgreSQL migrations, oldest first (append only: a released entry never changes). */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "events", sql: V1 },
  // As in SQLite's migration 2: no query looks links up by `context_id`, so the index only slowed linked appends.
  { version: 2, name: "drop unused event_links_context", sql: "DROP INDEX IF EXISTS event_links_context;" },
  { version: 3, name: "append function", sql: V3 },
  { version: 4, name: "links without a foreign key", sql: V4 },
  { version: 5, name: "append without notifying", sql: V5 },
];

/** The schema version this build expects. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Advisory lock class (first key) of migrations; the second key is the schema's {@link schemaLockKey}. */
export const MIGRATION_LOCK_CLASS = 0x4341494d; // "CAIM"

/** Quotes an identifier for SQL text (schema names are validated too; this keeps the SQL correct regardless). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A stable signed 32-bit key (FNV-1a) for a schema name: advisory locks of one schema do not block another. */
export function schemaLockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(schema, "utf8")) h = Math.imul(h ^ byte, 0x01000193);
  return h | 0;
}

/** The applied schema version (0 when the migrations table does not exist yet). */
export async function appliedVersion(client: PoolClient, schema: string): Promise<number> {
  const exists = await client.query("SELECT to_regclass($1) IS NOT NULL AS e", [
    `${quoteIdent(schema)}.cairn_migrations`,
  ]);
  if (exists.rows[0]?.e !== true) return 0;
  const r = await client.query(`SELECT COALESCE(MAX(version), 0) AS v FROM ${quoteIdent(schema)}.cairn_migrations`);
  return Number(r.rows[0]?.v ?? 0);
}

/**
 * Creates `schema` if missing and applies pending migrations, all in one transaction under an advisory lock.
 * Refuses (code `CAIRN_ERR_STORE_SCHEMA`) a database migrated by a newer build.
 */
export async function migrate(client: PoolClient, schema: string): Promise<void> {
  const ident = quoteIdent(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [MIGRATION_LOCK_CLASS, schemaLockKey(schema)]);
    // Checked before creating: CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege on the database even when
    // the schema exists, which a least-privileged role given a pre-created schema lacks.
    const found = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${ident}`);
    await client.query(`SET LOCAL search_path TO ${ident}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS cairn_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const current = await appliedVersion(client, schema);
    if (current > POSTGRES_SCHEMA_VERSION)
      throw new StoreError(
        StoreErrorCode.Schema,
        `PostgreSQL schema ${schema} has version ${current}; this Cairn knows up to ${POSTGRES_SCHEMA_VERSION} (upgrade Cairn)`,
      );
    for (const m of POSTGRES_MIGRATIONS) if (m.version > current) await apply(client, schema, m);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

async function apply(client: PoolClient, schema: string, m: Migration): Promise<void> {
  try {
    await client.query(m.sql);
    await client.query("INSERT INTO cairn_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
  } catch (cause) {
    if (isUnavailable(cause)) throw cause;
    throw new StoreError(StoreErrorCode.Schema, `migration ${m.version} (${m.name}) failed on schema ${schema}`, {
      cause,
    });
  }
}
