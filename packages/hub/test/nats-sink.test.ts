/**
 * NATS sinks against the real nats-server: a JetStream subject (acknowledged, the delivery id deduplicating a
 * retried attempt), a core subject (a subscriber receives the CloudEvent headers and data), and the failure
 * outcomes the delivery policy classifies (unreachable server, payload too large, stopping).
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildNatsMessage, validateSubscription } from "@cairn/router";
import { connect, type NatsConnection } from "nats";
import { NatsSinkPool, type NatsTarget } from "../src/router/nats-sink.ts";
import { NATS_URL, natsDown, tempPrefix } from "./nats-env.ts";

const ATTRIBUTES = JSON.stringify({
  specversion: "1.0",
  id: "e-1",
  source: "/ci",
  type: "dev.cdevents.build.finished.0.3.0",
  datacontenttype: "application/json",
  time: "2026-11-21T10:00:00Z",
});
const BODY = '{"context":{"id":"e-1"},"subject":{"id":"b-1","content":{}}}';

function target(sink: string, subject: string, sequence = 7): NatsTarget {
  const r = validateSubscription({ id: "to-nats", sink, protocol: "NATS", protocolsettings: { subject } });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const message = buildNatsMessage(r.subscription, { attributes: ATTRIBUTES, body: BODY, sequence }, { attempt: 1 });
  return { sink, message, deliveryId: `to-nats/${sequence}` };
}

const never = new AbortController().signal;

describe("NATS sinks", { skip: natsDown !== null && !process.env.CI ? `NATS unreachable: ${natsDown}` : false }, () => {
  const pool = new NatsSinkPool();
  const prefix = tempPrefix();
  const stream = `${prefix.toUpperCase()}_SINK`;
  let nc: NatsConnection;

  before(async () => {
    assert.equal(natsDown, null, `NATS JetStream at ${NATS_URL} is needed under CI: ${natsDown}`);
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.stored.>`] });
  });

  after(async () => {
    await pool.close();
    if (!nc) return;
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
    await nc.close();
  });

  it("a JetStream subject: acknowledged, stored once per delivery id, CloudEvent headers kept", async () => {
    const t = target(NATS_URL, `${prefix}.stored.builds`);
    const first = await pool.publish(t, 5000, never);
    assert.ok(!first.aborted);
    assert.equal(first.outcome, 200, first.body);
    assert.match(first.body, new RegExp(`stored in stream ${stream} at 1$`));
    const retried = await pool.publish(t, 5000, never);
    assert.ok(!retried.aborted);
    assert.equal(retried.outcome, 200);
    assert.match(retried.body, /\(duplicate\)$/);
    const other = await pool.publish(target(NATS_URL, `${prefix}.stored.builds`, 8), 5000, never);
    assert.ok(!other.aborted && other.outcome === 200);

    const jsm = await nc.jetstreamManager();
    assert.equal((await jsm.streams.info(stream)).state.messages, 2, "the retried attempt was stored once");
    const m = await jsm.streams.getMessage(stream, { seq: 1 });
    assert.equal(m.header.get("Nats-Msg-Id"), "to-nats/7");
    assert.equal(m.header.get("ce-id"), "e-1");
    assert.equal(m.header.get("ce-type"), "dev.cdevents.build.finished.0.3.0");
    assert.equal(m.header.get("cairn-delivery-id"), "to-nats/7");
    assert.equal(new TextDecoder().decode(m.data), BODY);
  });

  it("a core subject: a subscriber receives the message once the server has it", async () => {
    const subject = `${prefix}.core.builds`;
    const sub = nc.subscribe(subject, { max: 1 });
    await nc.flush();
    const received = (async () => {
      for await (const m of sub) return m;
      return null;
    })();
    const r = await pool.publish(target(NATS_URL, subject), 5000, never);
    assert.ok(!r.aborted);
    assert.equal(r.outcome, 200, r.body);
    assert.equal(r.body, "published on core NATS");
    const m = await received;
    assert.ok(m);
    assert.equal(m.headers?.get("ce-source"), "/ci");
    assert.equal(new TextDecoder().decode(m.data), BODY);
  });

  it("failures: an unreachable server is a network error; a payload above max_payload is 413", async () => {
    const down = await pool.publish(target("nats://127.0.0.1:1", `${prefix}.x`), 3000, never);
    assert.ok(!down.aborted);
    assert.equal(down.outcome, "network");
    assert.match(down.body, /^cannot connect to nats:\/\/127\.0\.0\.1:1: /);

    const big = target(NATS_URL, `${prefix}.core.big`);
    const huge = { ...big, message: { ...big.message, data: "x".repeat(nc.info?.max_payload ?? 1_048_576) } };
    const r = await pool.publish(huge, 5000, never);
    assert.ok(!r.aborted);
    assert.equal(r.outcome, 413, r.body);
  });

  it("a user and password in the sink URL never appear in outcomes", async () => {
    const r = await pool.publish(target("nats://alice:s3cret@127.0.0.1:1", `${prefix}.x`), 3000, never);
    assert.ok(!r.aborted);
    assert.ok(!r.body.includes("s3cret") && !r.body.includes("alice"), r.body);
  });

  it("a stopping dispatcher gets aborted, nothing recorded", async () => {
    const stop = new AbortController();
    stop.abort();
    assert.deepEqual(await pool.publish(target(NATS_URL, `${prefix}.core.x`), 5000, stop.signal), { aborted: true });
  });
});
