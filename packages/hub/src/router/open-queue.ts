/**
 * Opens the delivery queue beside the configured store: the SQLite file of the event store, or (later) its
 * PostgreSQL schema.
 * @module
 */
import type { StoreConfig } from "../config/config.ts";
import type { DeliveryQueue } from "./queue.ts";

/** Opens (and migrates) the queue for a store configuration; null when the engine has none for it yet. */
export async function openQueue(config: StoreConfig): Promise<DeliveryQueue | null> {
  if (config.kind === "sqlite") {
    const { openSqliteQueue } = await import("./sqlite-queue.ts");
    return openSqliteQueue(config.path);
  }
  return null;
}
