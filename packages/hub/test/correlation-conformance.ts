/**
 * The one conformance suite of the `CorrelationStore` contract (`src/correlation/store.ts`). Every engine runs it
 * unchanged; each case opens a fresh store, the delivery queue beside it (a sink delivery goes into its table) and
 * the correlation store.
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CorrelationState,
  type Trigger,
  triggerSinkId,
  validateSubscription,
  validateTrigger,
} from "@cairn/router";
import type { CorrelationStore, FiredInput, StateChange, TriggerRecord } from "../src/correlation/store.ts";
import { stateKey } from "../src/correlation/store.ts";
import type { DeliveryQueue } from "../src/router/queue.ts";
import type { EventStore } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

/** A store, the delivery queue and the correlation store in the same database. */
export interface CorrelationFixture {
  readonly store: EventStore;
  readonly queue: DeliveryQueue;
  readonly correlations: CorrelationStore;
  /** Opens the correlation store again on the same database (the old one closed first by the caller). */
  readonly reopen: () => Promise<CorrelationStore>;
}

const CASE = { timeout: 30_000 };
const NOW = 1_700_000_000_000;

/** A validated trigger. */
export function trigger(id: string, sink?: string): Trigger {
  const r = validateTrigger({
    id,
    correlateBy: "/subject/id",
    within: 60_000,
    dependencies: [
      { name: "a", filters: [{ exact: { type: "a" } }] },
      { name: "b", filters: [{ exact: { type: "b" } }] },
    ],
    emit: { type: "dev.cdeventsx.cairn-test.fired.0.1.0", source: "/t" },
    ...(sink ? { sink: { url: sink } } : {}),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.trigger;
}

function record(t: Trigger, origin: "api" | "config" = "api", at = NOW): TriggerRecord {
  return { trigger: t, origin, createdMs: at, updatedMs: at };
}

function state(key: string, windowStart = NOW): CorrelationState {
  const event = { sequence: 1, source: "/s", id: `e-${key}`, time: windowStart };
  return { key, windowStart, arrived: [{ dependency: "a", events: [event] }] };
}

function change(triggerId: string, key: string, s: CorrelationState | null, version = NOW): StateChange {
  return { triggerId, key, version, state: s, deadline: (s?.windowStart ?? NOW) + 60_000 };
}

function fired(idempotencyKey: string, triggerId = "t", firedMs = NOW): FiredInput {
  return {
    idempotencyKey,
    triggerId,
    key: "k",
    windowStart: NOW - 10,
    firedMs,
    event: { attributes: `{"id":"${idempotencyKey}"}`, body: `{"context":{"id":"${idempotencyKey}"}}` },
  };
}

/** Registers the conformance cases; `open` must return a new, empty database on every call. */
export function correlationConformance(name: string, open: () => Promise<CorrelationFixture>): void {
  const use = async (fn: (f: CorrelationFixture) => Promise<void>): Promise<void> => {
    const f = await open();
    try {
      await fn(f);
    } finally {
      await f.correlations.close();
      await f.queue.close();
      await f.store.close();
    }
  };
  describe(`CorrelationStore conformance: ${name}`, () => {
    triggerCases(use);
    commitCases(use);
    emissionCases(use);
    housekeepingCases(use);
  });
}

type Use = (fn: (f: CorrelationFixture) => Promise<void>) => Promise<void>;

function triggerCases(use: Use): void {
  it("stores triggers in creation order; a replace keeps the creation time and resets the state", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t2")));
      await c.putTrigger(record(trigger("t1"), "config"));
      await c.initCursor(0);
      assert.equal(await c.commit({ from: 0, to: 1, states: [change("t2", "k", state("k"))], fired: [] }), 0);
      await c.putTrigger({ ...record(trigger("t2", "http://127.0.0.1:9/")), createdMs: NOW + 5, updatedMs: NOW + 9 });
      assert.deepEqual(
        (await c.listTriggers()).map((r) => [r.trigger.id, r.origin]),
        [
          ["t2", "api"],
          ["t1", "config"],
        ],
      );
      const t2 = await c.getTrigger("t2");
      assert.deepEqual(t2, {
        trigger: trigger("t2", "http://127.0.0.1:9/"),
        origin: "api",
        createdMs: NOW,
        updatedMs: NOW + 9,
      });
      assert.equal((await c.loadStates([{ triggerId: "t2", key: "k" }])).size, 0, "a replace resets the state");
      assert.equal(await c.getTrigger("nope"), null);
    }),
  );

  it("deleting a trigger deletes its state; deleting it again says so", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t")));
      await c.initCursor(0);
      await c.commit({ from: 0, to: 1, states: [change("t", "k", state("k"))], fired: [] });
      assert.equal(await c.deleteTrigger("t"), true);
      assert.equal(await c.deleteTrigger("t"), false);
      assert.equal((await c.loadStates([{ triggerId: "t", key: "k" }])).size, 0);
      assert.deepEqual(await c.listTriggers(), []);
    }),
  );
}

function commitCases(use: Use): void {
  it("the cursor is set once and moves only with its page (compare-and-set)", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t")));
      assert.equal(await c.cursor(), null);
      assert.equal(await c.initCursor(5), 5);
      assert.equal(await c.initCursor(99), 5, "an existing cursor is kept");
      const page = { from: 0, to: 9, states: [change("t", "k", state("k"))], fired: [fired("f1")] };
      assert.equal(await c.commit(page), null, "a stale from changes nothing");
      assert.equal(await c.cursor(), 5);
      assert.equal((await c.loadStates([{ triggerId: "t", key: "k" }])).size, 0);
      assert.equal(await c.getFired("f1"), null);
      assert.equal(await c.commit({ ...page, from: 5 }), 1);
      assert.equal(await c.cursor(), 9);
    }),
  );

  it("writes and deletes states with their version; never for a trigger that is gone", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t")));
      await c.initCursor(0);
      const k1 = state("k1");
      const k2 = state("k/2 é", NOW + 5);
      await c.commit({
        from: 0,
        to: 1,
        states: [change("t", "k1", k1, 7), change("t", "k/2 é", k2), change("gone", "k1", k1)],
        fired: [],
      });
      const keys = [
        { triggerId: "t", key: "k1" },
        { triggerId: "t", key: "k/2 é" },
        { triggerId: "gone", key: "k1" },
        { triggerId: "t", key: "none" },
      ];
      const loaded = await c.loadStates(keys);
      assert.deepEqual([...loaded.keys()].sort(), [stateKey("t", "k/2 é"), stateKey("t", "k1")].sort());
      assert.deepEqual(loaded.get(stateKey("t", "k1")), { triggerId: "t", version: 7, state: k1 });
      assert.deepEqual(loaded.get(stateKey("t", "k/2 é"))?.state, k2);
      const k1b = state("k1", NOW + 100);
      await c.commit({ from: 1, to: 2, states: [change("t", "k1", k1b, 8), change("t", "k/2 é", null)], fired: [] });
      const again = await c.loadStates(keys);
      assert.deepEqual([...again.keys()], [stateKey("t", "k1")]);
      assert.deepEqual(again.get(stateKey("t", "k1")), { triggerId: "t", version: 8, state: k1b });
      assert.deepEqual(await c.stats(), { windows: 1, pending: 0 });
    }),
  );

  it("records a firing once per idempotency key, pending or refused", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t")));
      await c.initCursor(0);
      const refused: FiredInput = { ...fired("f2"), event: null, refusal: "hops exceeded" };
      assert.equal(await c.commit({ from: 0, to: 1, states: [], fired: [fired("f1"), refused] }), 2);
      assert.equal(await c.commit({ from: 1, to: 2, states: [], fired: [fired("f1")] }), 0, "already recorded");
      const f1 = await c.getFired("f1");
      assert.equal(f1?.state, "pending");
      assert.deepEqual(f1?.event, fired("f1").event);
      assert.deepEqual([f1?.key, f1?.windowStart, f1?.firedMs, f1?.sequence], ["k", NOW - 10, NOW, null]);
      const f2 = await c.getFired("f2");
      assert.deepEqual([f2?.state, f2?.reason, f2?.event], ["refused", "hops exceeded", null]);
      assert.deepEqual(
        (await c.pendingFired(10)).map((f) => f.idempotencyKey),
        ["f1"],
      );
      assert.equal(await c.cursor(), 2);
    }),
  );
}

function emissionCases(use: Use): void {
  it("markEmitted moves a firing once and enqueues its sink delivery once, in the same transaction", CASE, () =>
    use(async ({ store, queue, correlations: c }) => {
      const sink = validateSubscription({ id: "x", sink: "http://127.0.0.1:9/s", protocol: "HTTP" });
      assert.ok(sink.ok);
      const subscriptionId = triggerSinkId("t");
      await queue.putSubscription({
        subscription: { ...sink.subscription, id: subscriptionId },
        origin: "api",
        createdMs: NOW,
        updatedMs: NOW,
      });
      const [stored] = await store.append([newEvent()]);
      const seq = stored?.sequence as number;
      await c.putTrigger(record(trigger("t", "http://127.0.0.1:9/s")));
      await c.initCursor(0);
      await c.commit({ from: 0, to: 1, states: [], fired: [fired("f1", "t", NOW), fired("f0", "t", NOW - 1)] });
      assert.deepEqual(
        (await c.pendingFired(10)).map((f) => f.idempotencyKey),
        ["f0", "f1"],
        "oldest first",
      );
      const delivery = { subscriptionId, ingestedMs: NOW };
      assert.equal(await c.markEmitted("f1", seq, delivery), true);
      const claimed = await queue.claim({ now: NOW, limit: 10 });
      assert.deepEqual(
        claimed.map((d) => [d.subscriptionId, d.sequence, d.lane, d.attempt]),
        [[subscriptionId, seq, null, 1]],
      );
      await queue.complete(claimed[0]?.id as number);
      // A second emission (a crash before the first was recorded, another replica) enqueues nothing.
      assert.equal(await c.markEmitted("f1", seq, delivery), false);
      assert.equal((await queue.depth(NOW)).pending, 0);
      const f1 = await c.getFired("f1");
      assert.deepEqual([f1?.state, f1?.sequence, f1?.event], ["emitted", seq, null]);
      assert.equal(await c.markEmitted("nope", seq, delivery), false);
      // Without a sink, or with its subscription gone, nothing is enqueued.
      assert.equal(await c.markEmitted("f0", seq, null), true);
      assert.deepEqual(await c.stats(), { windows: 0, pending: 0 });
    }),
  );

  it("everything survives reopening", CASE, () =>
    use(async ({ correlations, reopen }) => {
      await correlations.putTrigger(record(trigger("t")));
      await correlations.initCursor(0);
      await correlations.commit({ from: 0, to: 3, states: [change("t", "k", state("k"))], fired: [fired("f1")] });
      await correlations.close();
      const again = await reopen();
      try {
        assert.equal(await again.cursor(), 3);
        assert.equal((await again.listTriggers()).length, 1);
        assert.equal((await again.loadStates([{ triggerId: "t", key: "k" }])).size, 1);
        assert.equal((await again.pendingFired(10)).length, 1);
      } finally {
        await again.close();
      }
    }),
  );
}

function housekeepingCases(use: Use): void {
  it("expires closed windows and prunes settled firings", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.putTrigger(record(trigger("t")));
      await c.initCursor(0);
      await c.commit({
        from: 0,
        to: 1,
        states: [change("t", "old", state("old", NOW - 120_000)), change("t", "new", state("new", NOW))],
        fired: [fired("a", "t", NOW - 1000), fired("b", "t", NOW - 1000), fired("c", "t", NOW)],
      });
      assert.equal(await c.expireStates(NOW), 1);
      assert.equal((await c.loadStates([{ triggerId: "t", key: "new" }])).size, 1);
      await c.markEmitted("a", 1, null);
      await c.markEmitted("c", 2, null);
      assert.equal(await c.pruneFired(NOW - 500), 1, "settled and older only");
      assert.equal(await c.getFired("a"), null);
      assert.equal((await c.getFired("b"))?.state, "pending");
      assert.equal((await c.getFired("c"))?.state, "emitted");
    }),
  );

  it("refuses to work once closed", CASE, () =>
    use(async ({ correlations: c }) => {
      await c.close();
      await c.close();
      await assert.rejects(c.listTriggers(), { code: "CAIRN_ERR_STORE_CLOSED" });
      await assert.rejects(c.commit({ from: 0, to: 1, states: [], fired: [] }), { code: "CAIRN_ERR_STORE_CLOSED" });
    }),
  );
}
