/**
 * Opens the configured store: SQLite in the data directory (default) or PostgreSQL.
 * @module
 */
import type { StoreConfig } from "../config/config.ts";
import type { EventStore } from "./types.ts";

/** Opens (and migrates) the store a configuration names. */
export async function openStore(config: StoreConfig): Promise<EventStore> {
  if (config.kind === "sqlite") {
    const { openSqliteStore } = await import("./sqlite.ts");
    return openSqliteStore({ path: config.path });
  }
  const { openPostgresStore } = await import("./postgres.ts");
  return openPostgresStore({ url: config.url, schema: config.schema, poolSize: config.poolSize });
}
