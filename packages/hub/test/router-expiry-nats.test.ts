/**
 * Expiry (`expirytime`, `maxAge`, `onExpired`) and NATS sinks, end to end through an embedded hub: an expired
 * event is never sent and is dead-lettered (reason `expired`, no attempt) or dropped and counted; a retry that
 * would start past `maxAge` is not scheduled; a NATS subscription publishes each matching event to its subject
 * (core NATS and a JetStream stream, stored once per delivery id).
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type NatsConnection } from "nats";
import { buildFinished, startTestHub, type TestHub } from "./hub-helpers.ts";
import { NATS_URL, natsDown, tempPrefix } from "./nats-env.ts";
import { deadLetters, eventually, metric, send, subscribe } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";

let t: TestHub;
let sink: TestSink;

before(async () => {
  sink = await TestSink.start();
  t = await startTestHub({ "log.level": "silent", shutdownTimeout: "1s" });
});
after(async () => {
  await t.stop();
  await sink.down();
});

const PAST = "2020-01-01T00:00:00Z";

/** The first dead letter of a subscription, once there is one. */
async function firstDeadLetter(subscription: string): Promise<Record<string, unknown>> {
  const [dead] = await eventually(
    async () => {
      const list = await deadLetters(t.url, `?subscription=${subscription}`);
      return list.length > 0 ? list : null;
    },
    10_000,
    "the dead letter",
  );
  assert.ok(dead);
  return dead;
}

describe("expiry", () => {
  it("an event past its expirytime is never sent: dead-lettered as expired with no attempt", async () => {
    const id = await subscribe(t.url, { sink: sink.url("/expired"), source: "/expiry/dead" });
    const [expired, fresh] = [buildFinished({ source: "/expiry/dead" }), buildFinished({ source: "/expiry/dead" })];
    await send(t.url, [expired], { expirytime: PAST });
    await send(t.url, [fresh], { expirytime: "2999-01-01T00:00:00Z" });
    await sink.until(() => sink.at("/expired").length >= 1);
    const dead = await firstDeadLetter(id);
    assert.equal(dead.reason, "expired");
    assert.equal(dead.lastOutcome, "none");
    assert.equal(dead.lastStatus, null);
    assert.match(String(dead.responseSnippet), /^expired at 2020-01-01T00:00:00\.000Z before attempt 1$/);
    const extensions = dead.extensions as Record<string, unknown>;
    assert.equal(extensions.cairnreason, "expired");
    assert.equal(extensions.cairnoutcome, "none");
    assert.equal(extensions.knativeerrorcode, undefined, "no attempt, no code");
    assert.equal((dead.cloudEvent as Record<string, unknown>).expirytime, PAST, "the attribute is kept");
    assert.deepEqual(
      sink.at("/expired").map((r) => r.headers["ce-id"]),
      [fresh.context.id],
      "only the fresh event was sent",
    );
  });

  it("onExpired: drop removes the delivery and counts it", async () => {
    const id = await subscribe(t.url, {
      sink: sink.url("/dropped"),
      source: "/expiry/drop",
      delivery: { onExpired: "drop" },
    });
    const before = await metric(t.url, 'cairn_router_deliveries_total{outcome="expired"}');
    await send(t.url, [buildFinished({ source: "/expiry/drop" })], { expirytime: PAST });
    await eventually(
      async () => (await metric(t.url, 'cairn_router_deliveries_total{outcome="expired"}')) === before + 1,
      10_000,
      "the expired count",
    );
    assert.equal(sink.at("/dropped").length, 0);
    assert.deepEqual(await deadLetters(t.url, `?subscription=${id}`), []);
  });

  it("maxAge: a retry that would start after it is not scheduled; the last failure is kept", async () => {
    sink.on("/failing", () => ({ status: 503, body: "down" }));
    const id = await subscribe(t.url, {
      sink: sink.url("/failing"),
      source: "/expiry/age",
      // maxAge counts from ingest: 3 s leaves the first attempt time to start on a machine busy with the other
      // test files (with 1 s it once expired before attempt 1 there, and the last outcome was "none").
      delivery: { maxAge: 3000, retry: 50, backoffDelay: 800, backoffMax: 800, jitter: 0 },
    });
    await send(t.url, [buildFinished({ source: "/expiry/age" })]);
    const dead = await firstDeadLetter(id);
    assert.equal(dead.reason, "expired");
    assert.equal(dead.lastOutcome, "status");
    assert.equal(dead.lastStatus, 503);
    const attempts = sink.at("/failing").length;
    // Attempts at about 0, 800, 1600 and 2400 ms fit in three seconds; the retry at 3200 ms would not.
    assert.ok(attempts >= 2 && attempts <= 4, `attempts: ${attempts}`);
    assert.equal(dead.attempts, attempts);
  });
});

describe("NATS sinks", { skip: natsDown !== null && !process.env.CI ? `NATS unreachable: ${natsDown}` : false }, () => {
  const prefix = tempPrefix();
  const stream = `${prefix.toUpperCase()}_OUT`;
  let nc: NatsConnection;

  before(async () => {
    assert.equal(natsDown, null, `NATS JetStream at ${NATS_URL} is needed under CI: ${natsDown}`);
    nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [`${prefix}.stored`] });
  });
  after(async () => {
    if (!nc) return;
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
    await nc.close();
  });

  it("a core subject receives each matching event as a binary-mode CloudEvent", async () => {
    const subject = `${prefix}.core`;
    const sub = nc.subscribe(subject, { max: 2 });
    await nc.flush();
    await subscribe(t.url, {
      sink: NATS_URL,
      protocol: "NATS",
      protocolsettings: { subject },
      source: "/nats/core",
    });
    const events = [buildFinished({ source: "/nats/core" }), buildFinished({ source: "/nats/core" })];
    await send(t.url, events);
    const received: { id: string | undefined; data: string; delivery: string | undefined }[] = [];
    for await (const m of sub)
      received.push({
        id: m.headers?.get("ce-id"),
        data: new TextDecoder().decode(m.data),
        delivery: m.headers?.get("cairn-delivery-id"),
      });
    assert.deepEqual(
      received.map((r) => r.id),
      events.map((e) => e.context.id),
    );
    for (const r of received) {
      assert.equal(JSON.parse(r.data).context.id, r.id);
      assert.match(r.delivery ?? "", /^[0-9a-f-]+\/\d+$/);
    }
  });

  it("a JetStream subject stores each event once, with the delivery id as Nats-Msg-Id", async () => {
    await subscribe(t.url, {
      sink: NATS_URL,
      protocol: "NATS",
      protocolsettings: { subject: `${prefix}.stored` },
      source: "/nats/stored",
      delivery: { format: "structured" },
    });
    const events = [1, 2, 3].map(() => buildFinished({ source: "/nats/stored" }));
    await send(t.url, events);
    const jsm = await nc.jetstreamManager();
    await eventually(async () => (await jsm.streams.info(stream)).state.messages === 3, 10_000, "3 stored messages");
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    assert.match(first.header.get("content-type"), /^application\/cloudevents\+json(;|$)/);
    assert.equal(first.header.get("Nats-Msg-Id"), first.header.get("cairn-delivery-id"));
    assert.equal(JSON.parse(new TextDecoder().decode(first.data)).id, events[0]?.context.id);
  });
});
