/**
 * Delivery contract of the embedded engine, against real HTTP sinks on localhost: filters, the request (binary and
 * structured, verbatim CDEvent, stable delivery headers), retries on the policy's schedule, Retry-After (capped),
 * dead letters (not retryable, exhausted, timeout, network) with their metadata and the dead-letter sink, replay
 * and purge, maxInFlight and rateLimit, and ingest never waiting for a slow sink. Timing assertions are lower
 * bounds only.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CDEvent } from "@cairn/cdevents";
import { buildFinished, startTestHub, type TestHub } from "./hub-helpers.ts";
import { call, deadLetters, eventually, FAST, metric, send, subscribe } from "./router-helpers.ts";
import { maxOverlap, type Received, TestSink } from "./sink-server.ts";

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

/** Waits until the queue holds nothing pending, scheduled or in flight. */
async function settled(): Promise<void> {
  await eventually(
    async () => {
      const status = await call(t.url, "GET", "/api/v1/admin/status");
      const d = status.json.router.depth;
      return d.pending + d.scheduled + d.inFlight === 0;
    },
    10_000,
    "an empty queue",
  );
}

const ids = (list: readonly Received[]) => list.map((r) => r.headers["ce-id"]);
const gaps = (list: readonly Received[]) => list.slice(1).map((r, i) => r.at - (list[i] as Received).at);

describe("routing and the delivery request", () => {
  it("a subscription with a CESQL filter receives exactly the matching events", async () => {
    await subscribe(t.url, { sink: sink.url("/filtered"), filters: [{ sql: "subject LIKE 'keep-%'" }] });
    await subscribe(t.url, { sink: sink.url("/everything"), types: ["dev.cdevents.build.finished.0.2.0"] });
    const events = ["keep-1", "drop-1", "keep-2", "drop-2", "keep-3"].map((subjectId) => buildFinished({ subjectId }));
    await send(t.url, events);
    await sink.until(() => sink.at("/everything").length >= 5);
    await settled();
    assert.deepEqual(ids(sink.at("/filtered")).sort(), [0, 2, 4].map((i) => (events[i] as CDEvent).context.id).sort());
  });

  it("sends the stored CDEvent byte for byte with stable delivery headers (binary and structured)", async () => {
    const binary = await subscribe(t.url, { sink: sink.url("/binary"), source: "/req/binary" });
    const structured = await subscribe(t.url, {
      sink: sink.url("/structured"),
      source: "/req/binary",
      delivery: { format: "structured" },
      protocolsettings: { method: "PUT", headers: { "x-tenant": "acme" } },
    });
    const event = buildFinished({ source: "/req/binary" });
    const [seq] = await send(t.url, [event]);
    await sink.until(() => sink.at("/binary").length === 1 && sink.at("/structured").length === 1);
    const stored = await call(t.url, "GET", `/api/v1/events/${seq}`);
    const b = sink.at("/binary")[0] as Received;
    assert.equal(b.method, "POST");
    assert.equal(b.headers["ce-id"], event.context.id);
    assert.equal(b.headers["ce-source"], "/req/binary");
    assert.equal(b.headers["cairn-delivery-id"], `${binary}/${seq}`);
    assert.equal(b.headers["cairn-delivery-attempt"], "1");
    assert.equal(b.headers.prefer, "reply");
    assert.deepEqual(JSON.parse(b.body), stored.json.event);
    const s = sink.at("/structured")[0] as Received;
    assert.equal(s.method, "PUT");
    assert.equal(s.headers["x-tenant"], "acme");
    assert.match(s.headers["content-type"] ?? "", /^application\/cloudevents\+json/);
    assert.equal(s.headers["cairn-delivery-id"], `${structured}/${seq}`);
    const envelope = JSON.parse(s.body);
    assert.equal(envelope.id, event.context.id);
    assert.deepEqual(envelope.data, stored.json.event);
  });
});

describe("retries", () => {
  it("retry n waits at least the policy's delay (exponential and linear), with the same delivery id", async () => {
    sink.on("/exp", (_r, n) => (n <= 3 ? { status: 503 } : { status: 202 }));
    sink.on("/lin", (_r, n) => (n <= 3 ? { status: 500 } : { status: 200 }));
    const exp = { backoffPolicy: "exponential", backoffDelay: 40, jitter: 0, retry: 5 };
    await subscribe(t.url, { sink: sink.url("/exp"), source: "/retry/formula", delivery: exp });
    await subscribe(t.url, {
      sink: sink.url("/lin"),
      source: "/retry/formula",
      delivery: { ...exp, backoffPolicy: "linear", backoffDelay: 30 },
    });
    await send(t.url, [buildFinished({ source: "/retry/formula" })]);
    await sink.until(() => sink.at("/exp").length === 4 && sink.at("/lin").length === 4);
    for (const [path, expected] of [
      ["/exp", [40, 80, 160]],
      ["/lin", [30, 60, 90]],
    ] as const) {
      const got = sink.at(path);
      assert.deepEqual(
        got.map((r) => r.headers["cairn-delivery-attempt"]),
        ["1", "2", "3", "4"],
      );
      assert.equal(new Set(got.map((r) => r.headers["cairn-delivery-id"])).size, 1);
      gaps(got).forEach((gap, i) => {
        assert.ok(gap >= (expected[i] as number) - 1, `${path} retry ${i + 1}: ${gap} ms < ${expected[i]} ms`);
      });
    }
    await settled();
    assert.equal(sink.at("/exp").length, 4, "no attempt after the success");
  });

  it("honours Retry-After on 429, capped by retryAfterMax", async () => {
    sink.on("/busy", (_r, n) => (n === 1 ? { status: 429, headers: { "retry-after": "3600" } } : { status: 200 }));
    await subscribe(t.url, {
      sink: sink.url("/busy"),
      source: "/retry/after",
      delivery: { ...FAST, retryAfterMax: "PT0.3S" },
    });
    await send(t.url, [buildFinished({ source: "/retry/after" })]);
    // An hour unless capped: the second attempt arriving at all proves the cap.
    await sink.until(() => sink.at("/busy").length === 2);
    const [gap] = gaps(sink.at("/busy"));
    assert.ok((gap ?? 0) >= 299, `waited ${gap} ms, less than the capped Retry-After of 300 ms`);
  });

  it("dead-letters after the last retry, with the attempt count and failure times", async () => {
    sink.on("/always-500", () => ({ status: 500, body: "still broken" }));
    const id = await subscribe(t.url, {
      sink: sink.url("/always-500"),
      source: "/retry/exhausted",
      delivery: { ...FAST, retry: 2 },
    });
    await send(t.url, [buildFinished({ source: "/retry/exhausted" })]);
    const [dl] = await eventually(async () => {
      const list = await deadLetters(t.url, `?subscription=${id}`);
      return list.length > 0 ? list : null;
    });
    assert.equal(sink.at("/always-500").length, 3);
    assert.equal(dl?.reason, "retries_exhausted");
    assert.equal(dl?.attempts, 3);
    assert.equal(dl?.lastStatus, 500);
    assert.ok(Date.parse(String(dl?.firstFailureAt)) < Date.parse(String(dl?.lastFailureAt)));
  });
});

describe("dead letters", () => {
  it("a non-retryable 4xx is dead-lettered at once with its metadata, and sent to the deadLetterSink", async () => {
    sink.on("/reject", () => ({ status: 400, body: "bad thing" }));
    const id = await subscribe(t.url, {
      sink: sink.url("/reject"),
      source: "/dead/400",
      delivery: { ...FAST, deadLetterSink: sink.url("/dlq") },
    });
    const event = buildFinished({ source: "/dead/400" });
    const [seq] = await send(t.url, [event]);
    await sink.until(() => sink.at("/dlq").length === 1);
    assert.equal(sink.at("/reject").length, 1, "no retry");
    const [dl] = await deadLetters(t.url, `?subscription=${id}`);
    assert.ok(dl);
    assert.equal(dl.sequence, seq);
    assert.equal(dl.sink, sink.url("/reject"));
    assert.equal(dl.reason, "not_retryable");
    assert.equal(dl.attempts, 1);
    assert.equal(dl.lastOutcome, "status");
    assert.equal(dl.lastStatus, 400);
    assert.equal(dl.responseSnippet, "bad thing");
    assert.equal(dl.state, "dead");
    assert.ok(dl.firstFailureAt && dl.lastFailureAt && dl.deadLetteredAt);
    const ext = dl.extensions as Record<string, unknown>;
    assert.equal(ext.knativeerrorcode, 400);
    assert.equal(ext.knativeerrordest, sink.url("/reject"));
    assert.equal(Buffer.from(String(ext.knativeerrordata), "base64").toString(), "bad thing");
    assert.equal(ext.cairnreason, "not_retryable");
    assert.equal(ext.cairnattempts, 1);
    assert.equal((dl.cloudEvent as { id: string }).id, event.context.id);
    assert.deepEqual(dl.event, (await call(t.url, "GET", `/api/v1/events/${seq}`)).json.event);
    const dlq = sink.at("/dlq")[0] as Received;
    assert.equal(dlq.headers["ce-knativeerrorcode"], "400");
    assert.equal(dlq.headers["ce-cairnsubscription"], id);
    assert.equal(dlq.headers["ce-id"], event.context.id);
    assert.deepEqual(JSON.parse(dlq.body), dl.event);
    await eventually(async () => (await call(t.url, "GET", `/api/v1/deadletters/${dl.id}`)).json.deadLetterSink);
    assert.equal((await call(t.url, "GET", `/api/v1/deadletters/${dl.id}`)).json.deadLetterSink, "delivered");
  });

  it("timeouts and refused connections are retried, then dead-lettered as timeout and network", async () => {
    sink.on("/hang", () => ({ hang: true }));
    const down = await TestSink.start();
    const downUrl = down.url("/gone");
    await down.down();
    const hang = await subscribe(t.url, {
      sink: sink.url("/hang"),
      source: "/dead/transport",
      delivery: { ...FAST, retry: 1, timeout: 100 },
    });
    const gone = await subscribe(t.url, { sink: downUrl, source: "/dead/transport", delivery: { ...FAST, retry: 1 } });
    await send(t.url, [buildFinished({ source: "/dead/transport" })]);
    const [h] = await eventually(async () => {
      const l = await deadLetters(t.url, `?subscription=${hang}`);
      return l.length ? l : null;
    });
    const [g] = await eventually(async () => {
      const l = await deadLetters(t.url, `?subscription=${gone}`);
      return l.length ? l : null;
    });
    assert.equal(sink.at("/hang").length, 2);
    assert.equal(h?.lastOutcome, "timeout");
    assert.equal(h?.lastStatus, null);
    const ext = (h?.extensions ?? {}) as Record<string, unknown>;
    assert.equal(ext.knativeerrorcode, 500);
    assert.equal(ext.cairnoutcome, "timeout");
    assert.equal(g?.lastOutcome, "network");
    assert.equal(g?.attempts, 2);
  });

  it("replay delivers to the original subscription with attempts reset; purge deletes", async () => {
    let accept = false;
    sink.on("/later", () => (accept ? { status: 202 } : { status: 403 }));
    sink.on("/bystander", () => ({ status: 410 }));
    const id = await subscribe(t.url, { sink: sink.url("/later"), source: "/dead/replay", delivery: FAST });
    const other = await subscribe(t.url, { sink: sink.url("/bystander"), source: "/dead/replay", delivery: FAST });
    await send(t.url, [buildFinished({ source: "/dead/replay" }), buildFinished({ source: "/dead/replay" })]);
    const dead = await eventually(async () => {
      const l = await deadLetters(t.url, `?subscription=${id}`);
      return l.length === 2 ? l : null;
    });
    await eventually(async () => (await deadLetters(t.url, `?subscription=${other}`)).length === 2);
    accept = true;
    const first = dead[0] as { id: number; sequence: number };
    const replay = await call(t.url, "POST", "/api/v1/deadletters/replay", { ids: [first.id] });
    assert.equal(replay.status, 200);
    assert.equal(replay.json.replayed, 1);
    assert.ok(replay.json.at);
    await sink.until(() => sink.at("/later").length === 3);
    const again = sink.at("/later")[2] as Received;
    assert.equal(again.headers["cairn-delivery-attempt"], "1");
    assert.equal(again.headers["cairn-delivery-id"], `${id}/${first.sequence}`);
    const audited = (await call(t.url, "GET", `/api/v1/deadletters/${first.id}`)).json;
    assert.equal(audited.state, "replayed");
    assert.equal(audited.replays, 1);
    assert.ok(audited.replayedAt);
    await settled();
    assert.equal(sink.at("/bystander").length, 2, "the other subscription's dead letters were not replayed");
    // Purge: by id, then by subscription.
    const second = dead[1] as { id: number };
    assert.deepEqual((await call(t.url, "DELETE", "/api/v1/deadletters", { ids: [second.id] })).json, { purged: 1 });
    assert.deepEqual((await call(t.url, "DELETE", `/api/v1/deadletters?subscription=${other}`)).json, { purged: 2 });
    assert.equal((await deadLetters(t.url, `?subscription=${other}`)).length, 0);
    assert.equal((await deadLetters(t.url, `?subscription=${id}&state=replayed`)).length, 1);
  });
});

describe("back-pressure", () => {
  it("keeps at most maxInFlight attempts open; a hanging sink never slows ingest", async () => {
    sink.on("/slow", () => ({ status: 200, delayMs: 60 }));
    sink.on("/stuck", () => ({ hang: true }));
    await subscribe(t.url, { sink: sink.url("/slow"), source: "/bp", delivery: { maxInFlight: 2 } });
    await subscribe(t.url, { sink: sink.url("/stuck"), source: "/bp", delivery: { timeout: 60_000, retry: 0 } });
    const events = Array.from({ length: 8 }, () => buildFinished({ source: "/bp" }));
    await send(t.url, events); // every one answered 202 while /stuck holds its attempts open
    await sink.until(() => sink.at("/slow").filter((r) => r.answeredAt !== undefined).length === 8);
    assert.ok(maxOverlap(sink.at("/slow")) <= 2, `overlap ${maxOverlap(sink.at("/slow"))}`);
    assert.ok(sink.at("/stuck").length <= 16, "maxInFlight 16 (default) on the stuck sink");
  });

  it("starts at most rateLimit deliveries per second after the first second's burst", async () => {
    await subscribe(t.url, { sink: sink.url("/limited"), source: "/rate", delivery: { rateLimit: 5 } });
    await send(
      t.url,
      Array.from({ length: 8 }, () => buildFinished({ source: "/rate" })),
    );
    await sink.until(() => sink.at("/limited").length === 8);
    const got = sink.at("/limited");
    const span = (got[7] as Received).at - (got[0] as Received).at;
    assert.ok(span >= 500, `8 deliveries at 5/s (burst 5) took only ${span} ms`);
  });

  it("counts deliveries, retries and dead letters in the metrics", async () => {
    assert.ok((await metric(t.url, 'cairn_router_deliveries_total{outcome="delivered"}')) > 0);
    assert.ok((await metric(t.url, 'cairn_router_deliveries_total{outcome="dead_lettered"}')) > 0);
    assert.ok((await metric(t.url, "cairn_router_retries_total")) > 0);
    assert.ok((await metric(t.url, 'cairn_router_dead_letters_total{reason="not_retryable"}')) > 0);
    assert.ok((await metric(t.url, "cairn_router_delivery_latency_seconds_count")) > 0);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /^cairn_router_queue_depth\{state="in_flight"\} \d+$/m);
  });
});
