/**
 * The dispatcher's reservations for deliveries an inline-routed append stores claimed: one takes a send slot and a
 * rate-limit token, and one given back (its delivery was not stored: a duplicate event, a lagging cursor, a failed
 * append) returns both.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateSubscription } from "@cairn/router";
import pino from "pino";
import { Dispatcher } from "../src/router/dispatcher.ts";
import type { RouterMetrics } from "../src/router/metrics.ts";
import type { DeliveryQueue } from "../src/router/queue.ts";
import { TokenBucket } from "../src/router/rate-limit.ts";

function subscription(delivery: Record<string, unknown>) {
  const v = validateSubscription({ id: "s", sink: "https://h/x", protocol: "HTTP", delivery });
  assert.ok(v.ok, JSON.stringify(v));
  return v.subscription;
}

// Only reservations are exercised: the rounds a release schedules find nothing to claim.
function dispatcher(s: ReturnType<typeof subscription>, concurrency = 16): Dispatcher {
  const queue = { claim: async () => [], nextDue: async () => null } as unknown as DeliveryQueue;
  return new Dispatcher({
    queue,
    subscription: (id) => (id === s.id ? s : undefined),
    metrics: {} as RouterMetrics,
    log: pino({ level: "silent" }),
    reply: async () => {
      throw new Error("no reply expected");
    },
    maxBodyBytes: 65536,
    concurrency,
    exclusive: true,
  });
}

describe("Dispatcher reservations", () => {
  it("a reservation given back returns its rate-limit token", async () => {
    const s = subscription({ rateLimit: 1 });
    const d = dispatcher(s);
    try {
      const now = Date.now();
      assert.equal(d.reserve(s, now), true);
      // The one-token burst is taken: nothing more now.
      assert.equal(d.reserve(s, now), false);
      d.release(s.id);
      assert.equal(d.reserve(s, now), true, "the token came back with the reservation");
      d.release(s.id);
    } finally {
      await d.stop(1000);
    }
  });

  it("a reservation holds a send slot until it is given back", async () => {
    const s = subscription({});
    const d = dispatcher(s, 1);
    try {
      const now = Date.now();
      assert.equal(d.reserve(s, now), true);
      assert.equal(d.reserve(s, now), false);
      d.release(s.id);
      assert.equal(d.reserve(s, now), true);
      d.release(s.id);
    } finally {
      await d.stop(1000);
    }
  });
});

describe("TokenBucket", () => {
  it("takes tokens, and gives them back up to its burst", () => {
    const b = new TokenBucket(2, 0);
    assert.equal(b.available(0), 2);
    b.take(2, 0);
    assert.equal(b.available(0), 0);
    b.give(1, 0);
    assert.equal(b.available(0), 1);
    b.give(5, 0);
    assert.equal(b.available(0), 2, "never beyond one second's worth");
    assert.equal(b.available(500), 2);
  });
});
