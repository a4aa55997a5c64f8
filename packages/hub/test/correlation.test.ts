/**
 * Correlation triggers end to end, with real events over HTTP and a real sink: a build and a deployment of the
 * same subject within the window emit one event (stored, queryable, routed) and call the sink once; different
 * keys do not mix; events a window apart emit nothing; a hub closed between the two events and started again on
 * the same data directory fires exactly once, and so does a firing recorded but not emitted (or emitted but not
 * recorded) when the hub stopped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toCloudEvent } from "@cairn/cdevents";
import { buildCorrelationEvent, type Fire, validateTrigger } from "@cairn/router";
import { openSqliteCorrelationStore } from "../src/correlation/sqlite-store.ts";
import { attributesText, toNewEvent } from "../src/ingest/record.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
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

describe("correlation triggers: a crash between firing and emitting", () => {
  it("a firing left pending (its event stored or not) is emitted and delivered once at the next start", async () => {
    const sink = await TestSink.start();
    const dir = tempDir();
    const body = shipTrigger("pending", "PT1M", sink.url("/pending"));
    const settings = { "log.level": "warn", triggers: [body] };
    await (await startTestHub(settings, { dir })).stop();
    // Two firings recorded as the loop records them; the first one's event also stored already, as when the
    // process died after storing it but before recording that.
    const valid = validateTrigger(body);
    assert.ok(valid.ok);
    const fire = (key: string): Fire => ({
      key,
      windowStart: Date.now() - 1000,
      firedAt: Date.now(),
      contributions: [{ dependency: "built", sequence: 1, source: "/ci", id: `b-${key}`, time: Date.now() }],
    });
    const firings = ["p-1", "p-2"].map((key) => {
      const r = buildCorrelationEvent(valid.trigger, fire(key));
      assert.ok(r.ok);
      const text = JSON.stringify(r.event.cdevent);
      const attributes = attributesText(toCloudEvent(r.event.cdevent, { extensions: r.event.extensions }));
      return { id: r.event.id, key, cdevent: r.event.cdevent, event: { attributes, body: text } };
    });
    const path = join(dir, "cairn.db");
    const store = await openSqliteStore({ path });
    const [first] = firings;
    await store.append([
      toNewEvent(first?.cdevent ?? {}, first?.event.body ?? "", first?.event.attributes ?? "", Date.now()),
    ]);
    await store.close();
    const correlations = await openSqliteCorrelationStore(path);
    const cursor = (await correlations.cursor()) ?? 0;
    const fired = firings.map((f) => ({
      idempotencyKey: f.id,
      triggerId: "pending",
      key: f.key,
      windowStart: 0,
      firedMs: Date.now(),
      event: f.event,
    }));
    assert.equal(await correlations.commit({ from: cursor, to: cursor, states: [], fired }), 2);
    await correlations.close();

    let t = await startTestHub(settings, { dir });
    try {
      await sink.until(() => sink.at("/pending").length === 2, 10_000, "both sink calls");
      await settled(t.url, 0);
      const events = await emitted(t.url, "pending");
      assert.deepEqual(events.map((e) => (e.cloudEvent as { id: string }).id).sort(), firings.map((f) => f.id).sort());
      assert.equal(await metric(t.url, 'cairn_correlation_fired_total{outcome="duplicate"}'), 1);
      await t.stop();
      t = await startTestHub(settings, { dir });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await emitted(t.url, "pending")).length, 2);
      assert.equal(sink.at("/pending").length, 2, "nothing again after another restart");
    } finally {
      await t.stop();
      await sink.down();
    }
  });
});
