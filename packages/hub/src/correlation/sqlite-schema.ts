/**
 * Versioned migrations of the correlation tables in the SQLite database the event store uses, recorded in their
 * own table (`cairn_correlation_migrations`) so the store's and the router's schema versions are untouched.
 * @module
 */
import type { Migration } from "../store/sqlite-schema.ts";

/** The correlation SQLite migrations, oldest first (append only). */
export const SQLITE_CORRELATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "correlation",
    sql: `
      CREATE TABLE correlation_triggers (
        id TEXT PRIMARY KEY,
        origin TEXT NOT NULL CHECK (origin IN ('api', 'config')),
        body TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE TABLE correlation_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL
      );
      CREATE TABLE correlation_state (
        trigger_id TEXT NOT NULL,
        corr_key TEXT NOT NULL,
        version INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (trigger_id, corr_key)
      );
      CREATE INDEX correlation_state_deadline ON correlation_state (deadline);
      CREATE TABLE correlation_fired (
        idem_key TEXT PRIMARY KEY,
        trigger_id TEXT NOT NULL,
        corr_key TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        fired_ms INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'emitted', 'refused')),
        reason TEXT,
        seq INTEGER,
        attributes TEXT,
        body TEXT
      );
      CREATE INDEX correlation_fired_state ON correlation_fired (state, fired_ms);
    `,
  },
];

/** The correlation schema version this build expects. */
export const SQLITE_CORRELATION_SCHEMA_VERSION = SQLITE_CORRELATION_MIGRATIONS.length;
