/**
 * Versioned migrations of the SQLite store. Each entry is applied once, in order, in its own transaction, and
 * recorded in `cairn_migrations`; a database newer than this build is refused.
 * @module
 */

/** One migration: its version (1, 2, …), a name, and the statements. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The SQLite migrations, oldest first. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL,
        source TEXT NOT NULL,
        type TEXT NOT NULL,
        subject_kind TEXT,
        predicate TEXT,
        event_version TEXT,
        spec_version TEXT NOT NULL,
        subject_id TEXT,
        subject_source TEXT,
        ts TEXT NOT NULL,
        ts_ms INTEGER,
        chain_id TEXT,
        received_ms INTEGER NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        body_bytes INTEGER NOT NULL,
        UNIQUE (source, event_id)
      );
      CREATE INDEX events_type ON events (type, seq);
      CREATE INDEX events_subject ON events (subject_id, seq);
      CREATE INDEX events_chain ON events (chain_id, seq) WHERE chain_id IS NOT NULL;
      CREATE INDEX events_source ON events (source, seq);
      CREATE INDEX events_ts ON events (ts_ms);
      CREATE INDEX events_received ON events (received_ms);
      CREATE TABLE event_links (
        seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
        link_type TEXT NOT NULL,
        link_kind TEXT,
        context_id TEXT,
        domain_id TEXT
      );
      CREATE INDEX event_links_seq ON event_links (seq);
      CREATE INDEX event_links_context ON event_links (context_id) WHERE context_id IS NOT NULL;
      CREATE TABLE counters (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        events INTEGER NOT NULL,
        body_bytes INTEGER NOT NULL
      );
      INSERT INTO counters (id, events, body_bytes) VALUES (1, 0, 0);
    `,
  },
  {
    // Nothing looks links up by the other event's id (the query API, the router and the correlation engine read
    // links by `seq` only), so this index cost every linked append a B-tree insert for nothing. A future link
    // graph query can bring it back in a later migration.
    version: 2,
    name: "drop unused event_links_context",
    sql: "DROP INDEX IF EXISTS event_links_context;",
  },
];

/** The schema version this build expects. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;
