/**
 * Correlation triggers end to end, with real events over HTTP and a real sink: a build and a deployment of the
 * same subject within the window emit one event (stored, queryable, routed) and call the sink once; different
 * keys do not mix; events a window apart emit nothing; a hub closed between the two events and started again on
 * the same data directory fires exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { built, deployed, emitted, SHIPPED, settled, shipTrigger } from "./correlation-helpers.ts";
import { startTestHub, type TestHub, tempDir } from "./hub-helpers.ts";
import { call, eventually, metric, send, subscribe } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";

describe("correlation triggers: delivery", () => {
  let t: TestHub;
  let sink: TestSink;
  before(async () => {
    sink = await TestSink.start();
    t = await startTestHub({ "log.level": "warn" });
  });
  after(async () => {
    await t.stop();
    await sink.down();
  });

  it("A and B of the same subject within the window: one emitted event, one sink call", async () => {
    assert.equal(
      (await call(t.url, "POST", "/api/v1/triggers", shipTrigger("ship", "PT1M", sink.url("/ship")))).status,
      201,
    );
    const routed = await subscribe(t.url, { sink: sink.url("/subscribed"), types: [SHIPPED] });
    const a = built("svc-1");
    const b = deployed("svc-1");
    const [seqA, seqB] = await send(t.url, [a, b, deployed("svc-1")]);
    await sink.until(() => sink.at("/ship").length === 1 && sink.at("/subscribed").length === 1);
    await settled(t.url, seqB as number);
    const [event, ...more] = await emitted(t.url, "ship");
    assert.equal(more.length, 0, "one emitted event");
    const cdevent = event?.event as { context: Record<string, unknown>; subject: { id: string }; customData: unknown };
    assert.equal(cdevent.context.type, SHIPPED);
    assert.equal(cdevent.subject.id, "svc-1");
    assert.deepEqual(cdevent.customData, {
      trigger: "ship",
      key: "svc-1",
      windowStart: (cdevent.customData as { windowStart: string }).windowStart,
      contributions: [
        { dependency: "built", source: a.context.source, id: a.context.id, sequence: seqA },
        { dependency: "deployed", source: b.context.source, id: b.context.id, sequence: seqB },
      ],
    });
    assert.deepEqual(
      (cdevent.context.links as { target: { contextId: string } }[]).map((l) => l.target.contextId),
      [a.context.id, b.context.id],
    );
    assert.equal((event?.cloudEvent as Record<string, unknown> | undefined)?.cairntrigger, "ship");
    const [call1] = sink.at("/ship");
    assert.equal(call1?.headers["ce-type"], SHIPPED);
    assert.equal(call1?.headers["ce-id"], cdevent.context.id);
    assert.equal(call1?.headers["cairn-delivery-id"], `~trigger.ship/${event?.sequence}`);
    assert.deepEqual(JSON.parse(call1?.body ?? ""), cdevent, "the stored event, verbatim");
    assert.equal(sink.at("/subscribed")[0]?.headers["ce-id"], cdevent.context.id, "routed like any event");
    assert.equal(await metric(t.url, 'cairn_correlation_fired_total{outcome="emitted"}'), 1);
    // The third event (a second deployment) opened a new window that waits for a build.
    assert.equal((await call(t.url, "GET", "/api/v1/admin/status")).json.correlation.windows, 1);
    await call(t.url, "DELETE", `/api/v1/subscriptions/${routed}`);
  });

  it("different keys do not mix; a third key completes on its own", async () => {
    await call(t.url, "POST", "/api/v1/triggers", shipTrigger("keys", "PT1M", sink.url("/keys")));
    const [, , , last] = await send(t.url, [built("k-1"), deployed("k-2"), built("k-3"), deployed("k-3")]);
    await settled(t.url, last as number);
    await sink.until(() => sink.at("/keys").length >= 1);
    const events = await emitted(t.url, "keys");
    assert.deepEqual(
      events.map((e) => (e.event as { subject: { id: string } }).subject.id),
      ["k-3"],
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.at("/keys").length, 1);
  });

  it("events a window apart emit nothing; the window is the first event's time plus within", async () => {
    await call(t.url, "POST", "/api/v1/triggers", shipTrigger("late", 300, sink.url("/late")));
    await send(t.url, [built("w-1")]);
    await new Promise((r) => setTimeout(r, 400));
    const [last] = await send(t.url, [deployed("w-1")]);
    await settled(t.url, last as number);
    assert.deepEqual(await emitted(t.url, "late"), []);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.at("/late").length, 0);
  });
});

describe("correlation triggers: restarts", () => {
  it("a hub closed between the two events and started again on the same data directory fires exactly once", async () => {
    const sink = await TestSink.start();
    const dir = tempDir();
    const settings = { "log.level": "warn", triggers: [shipTrigger("restart", "PT1M", sink.url("/restart"))] };
    const first = await startTestHub(settings, { dir });
    let second: TestHub | null = null;
    try {
      const [seqA] = await send(first.url, [built("r-1")]);
      await settled(first.url, seqA as number);
      await first.stop();
      second = await startTestHub(settings, { dir });
      const [seqB] = await send(second.url, [deployed("r-1")]);
      await settled(second.url, seqB as number);
      await sink.until(() => sink.at("/restart").length === 1);
      assert.equal((await emitted(second.url, "restart")).length, 1);
      await second.stop();
      second = await startTestHub(settings, { dir });
      await eventually(async () => (await call(second?.url ?? "", "GET", "/readyz")).status === 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await emitted(second.url, "restart")).length, 1, "nothing fires again after another restart");
      assert.equal(sink.at("/restart").length, 1);
    } finally {
      await second?.stop();
      await sink.down();
    }
  });
});
