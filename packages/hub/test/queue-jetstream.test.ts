/**
 * The delivery-queue conformance suite against the JetStream engine: deliveries in NATS JetStream under a prefix
 * unique to each case, everything else in a throwaway PostgreSQL schema. It declares `wallClock` (retries wait
 * on the server's clock, not the `now` a caller passes) and `partitionedLanes` (lanes share hashed partitions).
 * Skipped without NATS or PostgreSQL, except under CI.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateSubscription } from "@cairn/router";
import { connect } from "nats";
import { consumerName, jetStreamNames } from "../src/router/jetstream-names.ts";
import { openJetStreamQueue } from "../src/router/jetstream-queue.ts";
import type { DeliveryQueue } from "../src/router/queue.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { NATS_URL, tempPrefix, whenNatsAndPostgres } from "./nats-env.ts";
import { queueConformance } from "./queue-conformance.ts";
import { newEvent } from "./store-fixtures.ts";
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

// --- Deliveries whose replica died mid-attempt: JetStream redelivers after ack_wait; past the policy's attempts
// they are dead-lettered, on the spare delivery or, when that dies too, from the max-deliveries advisory.

whenNatsAndPostgres("JetStream queue: max deliveries", () =>
  describe("JetStream queue: max deliveries → dead letter", () => {
    const CASE = { timeout: 60_000 };

    // A replica that claims the delivery and dies: a raw pull that never acknowledges.
    async function dieWith(prefix: string, subscriptionId: string): Promise<number> {
      const nc = await connect({ servers: NATS_URL });
      try {
        const js = nc.jetstream();
        const got: number[] = [];
        const stream = jetStreamNames(prefix).deliveries;
        for (;;) {
          for await (const m of js.fetch(stream, consumerName(subscriptionId, null), { batch: 1, expires: 1000 }))
            got.push(m.info.deliveryCount);
          if (got.length > 0) return got[0] as number;
        }
      } finally {
        await nc.close();
      }
    }

    async function fixture() {
      const s = validateSubscription({
        id: "a",
        sink: "http://127.0.0.1:9/a",
        protocol: "HTTP",
        delivery: { retry: 0, timeout: 100 },
      });
      if (!s.ok) throw new Error(JSON.stringify(s.issues));
      const schema = tempSchema();
      const prefix = tempPrefix();
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
      const queue = await openJetStreamQueue({ natsUrl: NATS_URL, prefix, pgUrl: PG_URL, schema, poolSize: 2 });
      await queue.putSubscription({ subscription: s.subscription, origin: "api", createdMs: 1, updatedMs: 1 });
      const [stored] = await store.append([newEvent()]);
      await queue.enqueue([{ subscriptionId: "a", sequence: stored?.sequence ?? 0, lane: null, ingestedMs: 5 }]);
      return { store, queue, prefix };
    }

    async function deadLetter(queue: DeliveryQueue) {
      for (;;) {
        await queue.claim({ now: Date.now(), limit: 10 });
        const [dl] = (await queue.listDeadLetters({ limit: 10 })).deadLetters;
        if (dl) return dl;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    it("a delivery past its attempts (its claim died) is dead-lettered on the spare delivery", CASE, async () => {
      const { store, queue, prefix } = await fixture();
      try {
        assert.equal(await dieWith(prefix, "a"), 1);
        const dl = await deadLetter(queue);
        assert.equal(dl.reason, "retries_exhausted");
        assert.equal(dl.attempts, 2);
        assert.equal(dl.lastOutcome, "timeout");
        assert.deepEqual(await queue.depth(Date.now()), { pending: 0, scheduled: 0, inFlight: 0, dead: 1 });
      } finally {
        await queue.close();
        await store.close();
      }
    });

    it("when the spare delivery dies too, the max-deliveries advisory dead-letters it", CASE, async () => {
      const { store, queue, prefix } = await fixture();
      try {
        assert.equal(await dieWith(prefix, "a"), 1);
        assert.equal(await dieWith(prefix, "a"), 2);
        // JetStream gives up (and advises) when a pull asks for more.
        const dl = await deadLetter(queue);
        assert.equal(dl.reason, "retries_exhausted");
        assert.equal(dl.attempts, 2);
        assert.deepEqual(await queue.depth(Date.now()), { pending: 0, scheduled: 0, inFlight: 0, dead: 1 });
      } finally {
        await queue.close();
        await store.close();
      }
    });
  }),
);
