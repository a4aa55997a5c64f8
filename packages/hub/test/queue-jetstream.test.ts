/**
 * The delivery-queue conformance suite against the JetStream engine: deliveries in NATS JetStream under a prefix
 * unique to each case, everything else in a throwaway PostgreSQL schema. It declares `wallClock` (retries wait
 * on the server's clock, not the `now` a caller passes) and `partitionedLanes` (lanes share hashed partitions).
 * Skipped without NATS or PostgreSQL, except under CI.
 */
import { openJetStreamQueue } from "../src/router/jetstream-queue.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { NATS_URL, tempPrefix, whenNatsAndPostgres } from "./nats-env.ts";
import { queueConformance } from "./queue-conformance.ts";
import { PG_URL, tempSchema } from "./store-pg-env.ts";

whenNatsAndPostgres("DeliveryQueue conformance: jetstream", () =>
  queueConformance("jetstream", async () => {
    const schema = tempSchema();
    const prefix = tempPrefix();
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const open = () => openJetStreamQueue({ natsUrl: NATS_URL, prefix, pgUrl: PG_URL, schema, poolSize: 4 });
    return { store, queue: await open(), reopen: open, wallClock: true, partitionedLanes: true };
  }),
);
