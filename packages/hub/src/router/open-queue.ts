/**
 * Opens the delivery queue beside the configured store: in the event store's SQLite file, or in its PostgreSQL
 * schema (shared by replicas).
 * @module
 */
import type { StoreConfig } from "../config/config.ts";
import type { DeliveryQueue } from "./queue.ts";

/** Opens (and migrates) the queue for a store configuration. */
export async function openQueue(config: StoreConfig): Promise<DeliveryQueue> {
  if (config.kind === "sqlite") {
    const { openSqliteQueue } = await import("./sqlite-queue.ts");
    return openSqliteQueue(config.path);
  }
  const { openPostgresQueue } = await import("./postgres-queue.ts");
  return openPostgresQueue({ url: config.url, schema: config.schema, poolSize: Math.min(4, config.poolSize) });
}
