/**
 * Versioned migrations of the correlation tables in the PostgreSQL store's schema, recorded in their own table
 * (`cairn_correlation_migrations`) and applied under an advisory lock, so replicas starting together migrate once.
 * @module
 */
import type { PoolClient } from "pg";
import { StoreError, StoreErrorCode } from "../store/errors.ts";
import { quoteIdent, schemaLockKey } from "../store/postgres-migrations.ts";
import type { Migration } from "../store/sqlite-schema.ts";

// Ids and keys compare bytewise ("C"), as in the store and the router.
const V1 = `
  CREATE TABLE correlation_triggers (
    id text COLLATE "C" PRIMARY KEY,
    ord bigserial NOT NULL,
    origin text NOT NULL CHECK (origin IN ('api', 'config')),
    body text NOT NULL,
    created_ms bigint NOT NULL,
    updated_ms bigint NOT NULL
  );
  CREATE TABLE correlation_cursor (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
  );
  CREATE TABLE correlation_state (
    trigger_id text COLLATE "C" NOT NULL,
    corr_key text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    deadline bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (trigger_id, corr_key)
  );
  CREATE INDEX correlation_state_deadline ON correlation_state (deadline);
  CREATE TABLE correlation_fired (
    idem_key text COLLATE "C" PRIMARY KEY,
    ord bigserial NOT NULL,
    trigger_id text COLLATE "C" NOT NULL,
    corr_key text COLLATE "C" NOT NULL,
    window_start bigint NOT NULL,
    fired_ms bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'emitted', 'refused')),
    reason text,
    seq bigint,
    attributes text,
    body text
  );
  CREATE INDEX correlation_fired_state ON correlation_fired (state, fired_ms);
`;

/** The correlation PostgreSQL migrations, oldest first (append only). */
export const POSTGRES_CORRELATION_MIGRATIONS: readonly Migration[] = [{ version: 1, name: "correlation", sql: V1 }];

/** The correlation schema version this build expects. */
export const POSTGRES_CORRELATION_SCHEMA_VERSION = POSTGRES_CORRELATION_MIGRATIONS.length;

/** Advisory lock class of the correlation migrations (first key; the second is the schema's key). */
export const CORRELATION_MIGRATION_LOCK = 0x43414952; // "CAIR"

/** Applies pending correlation migrations in the (existing) schema, in one transaction under an advisory lock. */
export async function migrateCorrelation(client: PoolClient, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [CORRELATION_MIGRATION_LOCK, schemaLockKey(schema)]);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS cairn_correlation_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const r = await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM cairn_correlation_migrations");
    const current = Number(r.rows[0]?.v ?? 0);
    if (current > POSTGRES_CORRELATION_SCHEMA_VERSION)
      throw new StoreError(
        StoreErrorCode.Schema,
        `PostgreSQL schema ${schema} has correlation version ${current}; this Cairn knows up to ${POSTGRES_CORRELATION_SCHEMA_VERSION}`,
      );
    for (const m of POSTGRES_CORRELATION_MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO cairn_correlation_migrations (version, name) VALUES ($1, $2)", [
        m.version,
        m.name,
      ]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}
