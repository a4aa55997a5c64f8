/**
 * Embedded routing inside the append transaction (`InlineRouting`): deliveries and the routing cursor commit with
 * the events; a delivery with room to go is stored claimed; an append made while the cursor lags behind the log is
 * left whole to the routing loop, so no event is ever routed twice.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SubscriptionIndex, validateSubscription } from "@cairn/router";
import pino from "pino";
import type { DeliveryQueue } from "../src/router/queue.ts";
import { RoutingLoop } from "../src/router/routing-loop.ts";
import { openSqliteQueue } from "../src/router/sqlite-queue.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { EventStore, InlineDelivery, InlineOutcome } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function open(): Promise<{ store: EventStore; queue: DeliveryQueue; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-inline-"));
  dirs.push(dir);
  const path = join(dir, "cairn.db");
  const store = await openSqliteStore({ path });
  const queue = await openSqliteQueue(path);
  await queue.putSubscription({ subscription: subscriptionA(), origin: "api", createdMs: 1, updatedMs: 1 });
  return {
    store,
    queue,
    close: async () => {
      await queue.close();
      await store.close();
    },
  };
}

function subscriptionA() {
  const v = validateSubscription({ id: "a", sink: "http://127.0.0.1:9/a", protocol: "HTTP" });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.subscription;
}

// Routes every event to "a": claimed (until `claimUntil`) or plain; records what each append settled.
function routing(claimUntil?: number): { outcomes: InlineOutcome[]; route: () => InlineDelivery[] } {
  const outcomes: InlineOutcome[] = [];
  return {
    outcomes,
    route: () => [{ subscriptionId: "a", lane: null, ...(claimUntil === undefined ? {} : { claimUntil }) }],
  };
}

describe("inline routing (SQLite)", () => {
  it("stores a claimed delivery and moves the cursor with the event; a duplicate gets none", async () => {
    const { store, queue, close } = await open();
    try {
      await queue.initCursor(0);
      const r = routing(Date.now() + 60_000);
      store.routeInline?.({ route: r.route, settled: (o) => r.outcomes.push(o) });
      const e = newEvent();
      const [first] = await store.append([e]);
      assert.equal(r.outcomes.length, 1);
      const [claim] = r.outcomes[0]?.claims ?? [];
      assert.equal(r.outcomes[0]?.created, 1);
      assert.equal(r.outcomes[0]?.routedThrough, first?.sequence, "the routing cursor's new position");
      assert.ok(claim && claim.deliveryId > 0, "stored claimed");
      assert.equal(claim.sequence, first?.sequence);
      assert.equal(await queue.cursor(), first?.sequence, "the cursor moved in the same transaction");
      assert.deepEqual(await queue.depth(Date.now()), { pending: 0, scheduled: 0, inFlight: 1, dead: 0 });
      assert.deepEqual(await queue.claim({ now: Date.now(), limit: 10 }), [], "nothing left to claim");

      await store.append([e]);
      assert.equal(r.outcomes[1]?.created, 0);
      assert.equal(r.outcomes[1]?.claims[0]?.deliveryId, 0, "a duplicate is not routed again");
      assert.equal((await queue.depth(Date.now())).inFlight, 1);
    } finally {
      await close();
    }
  });

  it("an unclaimed delivery is pending for the dispatcher", async () => {
    const { store, queue, close } = await open();
    try {
      await queue.initCursor(0);
      const r = routing();
      store.routeInline?.({ route: r.route, settled: (o) => r.outcomes.push(o) });
      const [stored] = await store.append([newEvent()]);
      assert.deepEqual(r.outcomes, [{ created: 1, claims: [], routedThrough: stored?.sequence }]);
      const [c] = await queue.claim({ now: Date.now() + 1, limit: 10 });
      assert.equal(c?.sequence, stored?.sequence);
      assert.equal(c?.attempt, 1);
    } finally {
      await close();
    }
  });

  it("leaves an append to the routing loop while the cursor lags, then routes inline once it caught up", async () => {
    const { store, queue, close } = await open();
    try {
      const [unrouted] = await store.append([newEvent()]); // before routing: the loop's to route
      await queue.initCursor(0);
      const r = routing(Date.now() + 60_000);
      store.routeInline?.({ route: r.route, settled: (o) => r.outcomes.push(o) });
      const [second] = await store.append([newEvent()]);
      assert.equal(r.outcomes[0]?.created, 0);
      assert.equal(r.outcomes[0]?.claims[0]?.deliveryId, 0, "not stored: its reservation is given back");
      assert.equal(r.outcomes[0]?.routedThrough, 0, "left to the loop");
      assert.equal(await queue.cursor(), 0, "the cursor stays for the loop");
      assert.equal((await queue.depth(Date.now())).inFlight, 0);

      // The loop routes both and moves the cursor; the next append is routed inline again.
      const loopDeliveries = [unrouted, second].map((o) => ({
        subscriptionId: "a",
        sequence: o?.sequence ?? 0,
        lane: null,
        ingestedMs: 1,
      }));
      assert.equal(await queue.enqueue(loopDeliveries, { from: 0, to: second?.sequence ?? 0 }), true);
      const [third] = await store.append([newEvent()]);
      assert.equal(r.outcomes[1]?.created, 1);
      assert.equal(r.outcomes[1]?.routedThrough, third?.sequence);
      assert.ok((r.outcomes[1]?.claims[0]?.deliveryId ?? 0) > 0);
      assert.equal(await queue.cursor(), third?.sequence);
    } finally {
      await close();
    }
  });

  it("the routing loop told where inline appends left the cursor reads nothing back; untold, it reads the cursor", async () => {
    for (const told of [true, false]) {
      const { store, queue, close } = await open();
      let cursorReads = 0;
      const counting = new Proxy(queue, {
        get(target, key) {
          if (key === "cursor")
            return () => {
              cursorReads++;
              return target.cursor();
            };
          const value = Reflect.get(target, key) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const index = new SubscriptionIndex();
      index.add(subscriptionA());
      const loop = new RoutingLoop({
        store,
        queue: counting,
        index,
        log: pino({ level: "silent" }),
        onRouted: () => {},
        inline: true,
      });
      try {
        await loop.start();
        store.routeInline?.({
          route: (e) => loop.route(e),
          settled: (o) => {
            if (told) loop.advanced(o.routedThrough);
          },
        });
        cursorReads = 0;
        let last = 0;
        for (let i = 0; i < 5; i++) last = (await store.append([newEvent()]))[0]?.sequence ?? 0;
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(await queue.cursor(), last, "every append routed inline");
        if (told) {
          assert.equal(loop.cursor, last);
          assert.equal(cursorReads, 0, "nothing read back");
        } else assert.ok(cursorReads >= 1, "the loop reads the stored cursor to learn it moved");
      } finally {
        store.routeInline?.(null);
        await loop.stop();
        await close();
      }
    }
  });
});
