/**
 * Opens the correlation store beside the configured event store: in its SQLite file, or in its PostgreSQL schema
 * (shared by replicas). The delivery queue must be opened first: a sink delivery is written into its table.
 * @module
 */
import type { StoreConfig } from "../config/config.ts";
import type { CorrelationStore } from "./store.ts";

/** Opens (and migrates) the correlation store for a store configuration. */
export async function openCorrelationStore(config: StoreConfig): Promise<CorrelationStore> {
  if (config.kind === "sqlite") {
    const { openSqliteCorrelationStore } = await import("./sqlite-store.ts");
    return openSqliteCorrelationStore(config.path);
  }
  const { openPostgresCorrelationStore } = await import("./postgres-store.ts");
  return openPostgresCorrelationStore({
    url: config.url,
    schema: config.schema,
    poolSize: Math.min(2, config.poolSize),
  });
}
