/**
 * The PostgreSQL side of the JetStream delivery engine: its one table (`jetstream_failures`, the failure
 * bookkeeping of deliveries that live in JetStream: first and last failure, when the retry is due), and the SQL it
 * shares with the router's tables (`events`, `subscriptions`, `dead_letters`, created by the PostgreSQL queue's
 * migrations, which run first). The dead-letter upsert is a copy of the PostgreSQL queue's, so dead letters have
 * one shape whichever engine wrote them.
 * @module
 */
import type { PoolClient } from "pg";
import { quoteIdent, schemaLockKey } from "../store/postgres-migrations.ts";

// Its own lock class: the table is created once even when replicas start together.
const JETSTREAM_MIGRATION_LOCK = 0x4341494a; // "CAIJ"

const TABLE = `
  CREATE TABLE IF NOT EXISTS jetstream_failures (
    subscription_id text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    first_failure_ms bigint NOT NULL,
    last_failure_ms bigint NOT NULL,
    last_outcome text NOT NULL,
    last_status integer,
    last_snippet text,
    not_before bigint NOT NULL,
    waiting boolean NOT NULL,
    PRIMARY KEY (subscription_id, seq)
  )`;

/** Creates the engine's table in the (existing) schema. */
export async function migrateJetStream(client: PoolClient, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [JETSTREAM_MIGRATION_LOCK, schemaLockKey(schema)]);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(TABLE);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/**
 * The events and failure records of claimed deliveries ($1 subscription ids, $2 sequences): the stored event, or
 * the copy its dead letter kept (a replay of an event retention deleted); marks the failures as no longer waiting.
 */
export const CLAIM_DETAILS = `
  WITH w AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS w(sub, seq)),
  f AS (
    UPDATE jetstream_failures f SET waiting = false FROM w
    WHERE f.subscription_id = w.sub AND f.seq = w.seq
    RETURNING f.subscription_id, f.seq, f.first_failure_ms, f.last_failure_ms, f.last_outcome, f.last_status,
      f.last_snippet
  )
  SELECT w.sub, w.seq, COALESCE(e.attributes, dl.attributes) AS attributes, COALESCE(e.body, dl.body) AS body,
    f.first_failure_ms, f.last_failure_ms, f.last_outcome, f.last_status, f.last_snippet
  FROM w
  LEFT JOIN events e ON e.seq = w.seq
  LEFT JOIN dead_letters dl ON dl.subscription_id = w.sub AND dl.seq = w.seq
  LEFT JOIN f ON f.subscription_id = w.sub AND f.seq = w.seq`;

/** Records a failed attempt and when its retry is due ($1 sub, $2 seq, $3 at, $4 outcome, $5 status, $6 snippet, $7 not_before). */
export const RECORD_FAILURE = `
  INSERT INTO jetstream_failures (subscription_id, seq, first_failure_ms, last_failure_ms, last_outcome, last_status,
    last_snippet, not_before, waiting)
  VALUES ($1, $2, $3, $3, $4, $5, $6, $7, true)
  ON CONFLICT (subscription_id, seq) DO UPDATE SET last_failure_ms = excluded.last_failure_ms,
    last_outcome = excluded.last_outcome, last_status = excluded.last_status, last_snippet = excluded.last_snippet,
    not_before = excluded.not_before, waiting = true`;

/** Retries waiting in JetStream: due ($1 = now) or scheduled later. */
export const WAITING_COUNTS = `
  SELECT count(*) FILTER (WHERE not_before <= $1) AS due, count(*) FILTER (WHERE not_before > $1) AS later
  FROM jetstream_failures WHERE waiting`;

/** The events of a routed page, for the log stream ($1 from, exclusive; $2 to). */
export const PAGE_EVENTS =
  "SELECT seq, event_id, source, type, attributes, body FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq";
