/**
 * Opens the delivery queue beside the configured store: in the event store's SQLite file, or in its PostgreSQL
 * schema (shared by replicas), or — with a NATS bus configured — deliveries in NATS JetStream and the rest in that
 * PostgreSQL schema.
 * @module
 */
import type { BusConfig, StoreConfig } from "../config/config.ts";
import type { DeliveryQueue } from "./queue.ts";

/** Opens (and migrates) the queue for a store configuration and, optionally, the scale-out bus. */
export async function openQueue(config: StoreConfig, bus: BusConfig | null = null): Promise<DeliveryQueue> {
  if (config.kind === "sqlite") {
    // The config refuses this combination; a caller building its own config gets the same answer.
    if (bus) throw new Error("the NATS JetStream delivery engine needs the PostgreSQL store");
    const { openSqliteQueue } = await import("./sqlite-queue.ts");
    return openSqliteQueue(config.path);
  }
  const poolSize = Math.min(4, config.poolSize);
  if (bus) {
    const { openJetStreamQueue } = await import("./jetstream-queue.ts");
    return openJetStreamQueue({
      natsUrl: bus.url,
      prefix: bus.prefix,
      pgUrl: config.url,
      schema: config.schema,
      poolSize,
    });
  }
  const { openPostgresQueue } = await import("./postgres-queue.ts");
  return openPostgresQueue({ url: config.url, schema: config.schema, poolSize });
}
