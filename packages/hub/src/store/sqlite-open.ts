/**
 * Opening a connection to the hub's SQLite file and applying one component's versioned migrations. The event store,
 * the delivery queue and the correlation store each keep their own migrations table in the same file.
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { StoreError, StoreErrorCode } from "./errors.ts";
import type { Migration } from "./sqlite-schema.ts";
import { commitOrRollback } from "./sqlite-tx.ts";

/** Which migrations to apply, recorded in which table, named how in messages. */
export interface SqliteComponent {
  /** Table recording applied versions, e.g. `cairn_migrations`. */
  readonly table: string;
  readonly migrations: readonly Migration[];
  /** Prefix for messages: "" for the event store, "router " or "correlation ". */
  readonly label: string;
  /** PRAGMA statements run after the common ones (WAL, synchronous=FULL, busy_timeout). */
  readonly pragmas?: string;
}

// node:sqlite prints an ExperimentalWarning on first load (Node 22–24); the hub depends on it deliberately, so the
// one warning about it is silenced while it loads and every other warning still goes through.
async function loadSqlite(): Promise<typeof import("node:sqlite")> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emit as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * Pragmas of a connection on the main thread that writes (the delivery queue, the correlation store): it never
 * checkpoints the write-ahead log itself. A checkpoint copies up to a thousand pages back into the database and
 * fsyncs it, a stall of milliseconds on the event loop; the writer thread checkpoints instead, after its appends
 * and once a second (see `sqlite-writer.ts`).
 */
export const MAIN_THREAD_PRAGMAS = "PRAGMA wal_autocheckpoint = 0;";

/**
 * Opens `path` in WAL mode with `synchronous=FULL` (a committed transaction is fsynced) and migrates `component`;
 * closes the connection again if anything fails.
 */
export async function openSqliteDatabase(path: string, component: SqliteComponent): Promise<DatabaseSync> {
  const { DatabaseSync } = await loadSqlite();
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (cause) {
    throw new StoreError(StoreErrorCode.Unavailable, `cannot open SQLite database ${path}`, { cause });
  }
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    if (component.pragmas) db.exec(component.pragmas);
    migrate(db, path, component);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** The highest migration version applied for a component (0 when none). */
export function appliedVersion(db: DatabaseSync, table: string): number {
  const row = db.prepare(`SELECT COALESCE(MAX(version), 0) AS v FROM ${table}`).get() as Record<string, unknown>;
  return Number(row.v);
}

function migrate(db: DatabaseSync, path: string, c: SqliteComponent): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${c.table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  const current = appliedVersion(db, c.table);
  const known = c.migrations.length;
  if (current > known)
    throw new StoreError(
      StoreErrorCode.Schema,
      `${path} has ${c.label}schema version ${current}; this Cairn knows up to ${known} (upgrade Cairn)`,
    );
  for (const m of c.migrations) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      commitOrRollback(db, () => {
        db.exec(m.sql);
        db.prepare(`INSERT INTO ${c.table} (version, name, applied_at) VALUES (?, ?, ?)`).run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
      });
    } catch (cause) {
      throw new StoreError(StoreErrorCode.Schema, `${c.label}migration ${m.version} (${m.name}) failed on ${path}`, {
        cause,
      });
    }
  }
}
