/**
 * Versioned migrations of the router's tables in the PostgreSQL store's schema, recorded in their own table
 * (`cairn_router_migrations`) and applied under an advisory lock, so replicas starting together migrate once.
 * @module
 */
import type { PoolClient } from "pg";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { quoteIdent, schemaLockKey } from "../store/postgres-migrations.ts";
import type { Migration } from "../store/sqlite-schema.ts";

// Ids and lanes compare bytewise ("C"), as in the store: cheap, and immune to collation changes.
const V1 = `
  CREATE TABLE subscriptions (
    id text COLLATE "C" PRIMARY KEY,
    ord bigserial NOT NULL,
    origin text NOT NULL CHECK (origin IN ('api', 'config')),
    body text NOT NULL,
    max_in_flight integer NOT NULL,
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL
  );
  CREATE TABLE router_cursor (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
  );
  CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    subscription_id text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    lane text COLLATE "C",
    blocked boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_flight')),
    attempt integer NOT NULL DEFAULT 0,
    not_before bigint NOT NULL,
    lease_until bigint,
    ingested_ms bigint NOT NULL,
    first_failure_ms bigint,
    last_failure_ms bigint,
    last_outcome text,
    last_status integer,
    last_snippet text,
    UNIQUE (subscription_id, seq)
  );
  CREATE INDEX deliveries_claim ON deliveries (subscription_id, state, blocked, not_before, seq);
  CREATE INDEX deliveries_due ON deliveries (state, blocked, not_before);
  CREATE INDEX deliveries_lane ON deliveries (subscription_id, lane, seq) WHERE lane IS NOT NULL;
  CREATE TABLE dead_letters (
    id bigserial PRIMARY KEY,
    subscription_id text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    lane text COLLATE "C",
    sink text NOT NULL,
    reason text NOT NULL,
    attempts integer NOT NULL,
    last_outcome text NOT NULL,
    last_status integer,
    snippet text,
    first_failure_ms bigint NOT NULL,
    last_failure_ms bigint NOT NULL,
    dead_ms bigint NOT NULL,
    ingested_ms bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('dead', 'replayed')),
    replays integer NOT NULL DEFAULT 0,
    replayed_ms bigint,
    sink_result text,
    attributes text NOT NULL,
    body text NOT NULL,
    UNIQUE (subscription_id, seq)
  );
  CREATE INDEX dead_letters_state ON dead_letters (state, id);
`;

/** The router's PostgreSQL migrations, oldest first (append only). */
export const POSTGRES_QUEUE_MIGRATIONS: readonly Migration[] = [{ version: 1, name: "router", sql: V1 }];

/** The router schema version this build expects. */
export const POSTGRES_QUEUE_SCHEMA_VERSION = POSTGRES_QUEUE_MIGRATIONS.length;

/** Advisory lock classes (first key; the second is the schema's key): migrations, claims, lanes. */
export const QUEUE_MIGRATION_LOCK = 0x43414951; // "CAIQ"
export const CLAIM_LOCK = 0x4341494b; // "CAIK"
export const LANE_LOCK = 0x4341494c; // "CAIL"

/** Applies pending router migrations in the (existing) schema, in one transaction under an advisory lock. */
export async function migrateQueue(client: PoolClient, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [QUEUE_MIGRATION_LOCK, schemaLockKey(schema)]);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS cairn_router_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const r = await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM cairn_router_migrations");
    const current = Number(r.rows[0]?.v ?? 0);
    if (current > POSTGRES_QUEUE_SCHEMA_VERSION)
      throw new StoreError(
        StoreErrorCode.Schema,
        `PostgreSQL schema ${schema} has router version ${current}; this Cairn knows up to ${POSTGRES_QUEUE_SCHEMA_VERSION}`,
      );
    for (const m of POSTGRES_QUEUE_MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO cairn_router_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}
