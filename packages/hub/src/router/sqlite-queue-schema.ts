/**
 * Versioned migrations of the router's tables in the SQLite database the event store uses. They are recorded in
 * their own table, `cairn_router_migrations`, so the store's schema version (`cairn_migrations`) is untouched and
 * either side can evolve alone.
 * @module
 */
import type { Migration } from "../store/sqlite-schema.ts";

/** The router's SQLite migrations, oldest first (append only). */
export const SQLITE_QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "router",
    sql: `
      CREATE TABLE subscriptions (
        id TEXT PRIMARY KEY,
        origin TEXT NOT NULL CHECK (origin IN ('api', 'config')),
        body TEXT NOT NULL,
        max_in_flight INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE TABLE router_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL
      );
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        lane TEXT,
        blocked INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_flight')),
        attempt INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL,
        lease_until INTEGER,
        ingested_ms INTEGER NOT NULL,
        first_failure_ms INTEGER,
        last_failure_ms INTEGER,
        last_outcome TEXT,
        last_status INTEGER,
        last_snippet TEXT,
        UNIQUE (subscription_id, seq)
      );
      CREATE INDEX deliveries_claim ON deliveries (subscription_id, state, blocked, not_before, seq);
      CREATE INDEX deliveries_due ON deliveries (state, blocked, not_before);
      CREATE INDEX deliveries_lane ON deliveries (subscription_id, lane, seq) WHERE lane IS NOT NULL;
      CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        lane TEXT,
        sink TEXT NOT NULL,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_outcome TEXT NOT NULL,
        last_status INTEGER,
        snippet TEXT,
        first_failure_ms INTEGER NOT NULL,
        last_failure_ms INTEGER NOT NULL,
        dead_ms INTEGER NOT NULL,
        ingested_ms INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('dead', 'replayed')),
        replays INTEGER NOT NULL DEFAULT 0,
        replayed_ms INTEGER,
        sink_result TEXT,
        attributes TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (subscription_id, seq)
      );
      CREATE INDEX dead_letters_state ON dead_letters (state, id);
    `,
  },
];

/** The router schema version this build expects. */
export const SQLITE_QUEUE_SCHEMA_VERSION = SQLITE_QUEUE_MIGRATIONS.length;
