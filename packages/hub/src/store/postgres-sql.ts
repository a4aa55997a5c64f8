/**
 * The SQL of the PostgreSQL store's writes, each one statement (one round trip, one snapshot). Tables are
 * unqualified: every pooled connection has `search_path` set to the store's schema.
 * @module
 */
import { EVENT_COLUMNS } from "./query-sql.ts";

/** Advisory lock class (first key) serialising appends; the second key is the schema's lock key. */
export const APPEND_LOCK_CLASS = 0x43414952; // "CAIR"

/**
 * Appends one batch (already free of repeated keys) in one statement, committed on its own (see `cairn_append` in
 * `postgres-migrations.ts`), and reports, for every input key, its sequence and whether it was there before.
 * Parameters (see `appendPayload`): `$1` the events' short columns and `$4` their links as JSON arrays of objects
 * keyed by column name, `$2` the bodies and `$3` the attributes each joined by U+0001, `$5` the notification
 * channel (empty: do not notify, see `postgres-notify.ts`), `$6` the schema name, `$7`/`$8` the append lock's keys.
 *
 * JSON rather than one `unnest($n::text[])` per column: node-postgres escapes text arrays in JavaScript, which
 * costs about ten times what `JSON.stringify` does for the same bodies and blocks the event loop meanwhile.
 */
export const APPEND_CALL = "SELECT seq, source, event_id, duplicate FROM cairn_append($1, $2, $3, $4, $5, $6, $7, $8)";

// Deletes the rows of `doomed` (a CTE the caller defines) with their links and takes them off the counters, in one
// statement (links have no foreign key to cascade from: see migration 4).
const deleteDoomed = (doomed: string): string => `
WITH ${doomed},
gone AS (DELETE FROM events e USING doomed d WHERE e.seq = d.seq RETURNING e.body_bytes),
unlinked AS (DELETE FROM event_links l USING doomed d WHERE l.seq = d.seq),
counted AS (
  UPDATE counters SET events = counters.events - n.c, body_bytes = counters.body_bytes - n.b
  FROM (SELECT count(*) AS c, COALESCE(sum(body_bytes), 0) AS b FROM gone) n
  WHERE counters.id = 1 AND n.c > 0
)
SELECT count(*)::int AS n FROM gone`;

/** Deletes up to `$2` of the oldest events received before `$1` (epoch ms); returns `n`, the number deleted. */
export const PRUNE_RECEIVED_SQL = deleteDoomed(
  "doomed AS (SELECT seq FROM events WHERE received_ms < $1 ORDER BY seq LIMIT $2)",
);

/**
 * Deletes the fewest oldest events (at most `$2`) that bring the stored bodies to at most `$1` bytes; returns
 * `n`. An event goes when the bytes deleted before it are still short of the excess.
 */
export const PRUNE_BYTES_SQL = deleteDoomed(`
  head AS (
    SELECT seq, body_bytes, sum(body_bytes) OVER (ORDER BY seq) AS running
    FROM (SELECT seq, body_bytes FROM events ORDER BY seq LIMIT $2) oldest
  ),
  doomed AS (
    SELECT h.seq FROM head h, counters c
    WHERE c.id = 1 AND h.running - h.body_bytes < c.body_bytes - $1::bigint
  )`);

// The links of the event on the same row, in their original order, as one JSON array: one statement (one snapshot)
// returns events and links together, so a concurrent prune cannot leave an event without its links.
const LINKS_COLUMN =
  "(SELECT COALESCE(json_agg(json_build_object('link_type', l.link_type, 'link_kind', l.link_kind, " +
  "'context_id', l.context_id, 'domain_id', l.domain_id) ORDER BY l.position), '[]'::json) " +
  "FROM event_links l WHERE l.seq = events.seq) AS links";

/** `SELECT` of events with their links, to be followed by a WHERE clause. */
export const SELECT_EVENTS = `SELECT ${EVENT_COLUMNS}, ${LINKS_COLUMN} FROM events`;

/** Counters, last sequence and the on-disk size of the schema's tables (with their indexes and TOAST); `$1` schema. */
export const STATS_SQL = `
SELECT c.events, c.body_bytes,
  (SELECT COALESCE(max(seq), 0) FROM events) AS last,
  (SELECT COALESCE(sum(pg_total_relation_size(r.oid)), 0) FROM pg_class r JOIN pg_namespace ns ON ns.oid = r.relnamespace
    WHERE ns.nspname = $1 AND r.relkind = 'r') AS disk
FROM counters c WHERE c.id = 1`;
