/**
 * Ordering lanes and replies, against real HTTP sinks: per key one delivery at a time in store order while a
 * failing key does not hold the others back; a 200 carrying a CloudEvent with a CDEvent is ingested as a new event
 * with the hop counter, delivered onwards like any other event, and a reply loop stops at the hop limit.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEvent, toHttp } from "@cairn/cdevents";
import { DEFAULT_MAX_HOPS } from "@cairn/router";
import { buildFinished, startTestHub, type TestHub } from "./hub-helpers.ts";
import { call, eventually, metric, send, subscribe } from "./router-helpers.ts";
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

const seqOf = (r: Received) => Number(r.headers["cairn-delivery-id"]?.split("/")[1]);

describe("ordering", () => {
  it("delivers each key one at a time in store order; a failing key does not block the others", async () => {
    // A's first event fails four times (waits of 100, 200, 400, 800 ms); B keeps flowing meanwhile.
    let aFailures = 0;
    sink.on("/ordered", (r) => {
      if (r.headers["ce-partitionkey"] === "A" && aFailures < 4) {
        aFailures++;
        return { status: 503, delayMs: 5 };
      }
      return { status: 200, delayMs: 15 };
    });
    await subscribe(t.url, {
      sink: sink.url("/ordered"),
      source: "/ordering",
      delivery: { ordering: "partitionKey", backoffDelay: 100, jitter: 0, maxInFlight: 16 },
    });
    const a = await sendKeyed("A", 4);
    const b = await sendKeyed("B", 4);
    const none = await sendKeyed("", 2);
    await sink.until(() => delivered("A").length === 4, 15_000, "A's events");
    await sink.until(() => delivered("B").length === 4 && delivered("").length === 2);
    assert.deepEqual(delivered("A").map(seqOf), a, "A in store order");
    assert.deepEqual(delivered("B").map(seqOf), b, "B in store order");
    assert.deepEqual(delivered("").map(seqOf), none, "keyless events in the default lane, in order");
    for (const key of ["A", "B", ""]) assert.equal(maxOverlap(attempts(key)), 1, `one at a time in lane ${key}`);
    // B did not wait for A's retries: all of B was delivered before A's first success.
    const firstA = delivered("A")[0]?.answeredAt ?? 0;
    assert.ok(delivered("B").every((r) => (r.answeredAt ?? Number.POSITIVE_INFINITY) < firstA));
    assert.ok(maxOverlap(sink.at("/ordered")) > 1, "lanes ran side by side");
  });
});

async function sendKeyed(key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push(...(await send(t.url, [buildFinished({ source: "/ordering" })], key ? { partitionkey: key } : {})));
  return out;
}

function attempts(key: string): Received[] {
  return sink.at("/ordered").filter((r) => (r.headers["ce-partitionkey"] ?? "") === key);
}

/** The last answered attempt of each event of a lane (the successful one, once the lane has moved on). */
function delivered(key: string): Received[] {
  return attempts(key).filter((r, _i, all) => {
    const same = all.filter((x) => x.headers["cairn-delivery-id"] === r.headers["cairn-delivery-id"]);
    return same.at(-1) === r && r.answeredAt !== undefined;
  });
}

/** A reply: a build.started CDEvent from `source` as a binary-mode CloudEvent. */
function replyTo(source: string, id: string, extensions: Record<string, string> = {}) {
  const event = createEvent("dev.cdevents.build.started.0.2.0", {
    id,
    source,
    subject: { id: `reply-subject-${id}`, content: {} },
  });
  const m = toHttp(event);
  const headers: Record<string, string> = { ...(m.headers as Record<string, string>) };
  for (const [k, v] of Object.entries(extensions)) headers[`ce-${k}`] = v;
  return { status: 200, headers, body: m.body as string };
}

describe("replies", () => {
  it("a 200 with a CloudEvent is ingested with the hop counter and routed like any event", async () => {
    sink.on("/replier", (r) => replyTo("/replies/out", `reply-to-${r.headers["ce-id"]}`));
    sink.on("/not-a-reply", () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "ok" }));
    await subscribe(t.url, { sink: sink.url("/replier"), source: "/replies/in" });
    await subscribe(t.url, { sink: sink.url("/not-a-reply"), source: "/replies/in" });
    await subscribe(t.url, { sink: sink.url("/downstream"), source: "/replies/out" });
    const original = buildFinished({ source: "/replies/in" });
    await send(t.url, [original]);
    await sink.until(() => sink.at("/downstream").length === 1);
    const got = sink.at("/downstream")[0] as Received;
    assert.equal(got.headers["ce-id"], `reply-to-${original.context.id}`);
    assert.equal(got.headers["ce-cairnhops"], "1");
    const stored = await call(
      t.url,
      "GET",
      `/api/v1/events/lookup?source=${encodeURIComponent("/replies/out")}&id=reply-to-${original.context.id}`,
    );
    assert.equal(stored.status, 200);
    assert.equal(stored.json.cloudEvent.cairnhops, 1);
    assert.equal(stored.json.event.context.type, "dev.cdevents.build.started.0.2.0");
    assert.equal(await metric(t.url, 'cairn_router_replies_total{outcome="ingested"}'), 1);
  });

  it("a reply loop stops at the hop limit (logged and counted, not ingested)", async () => {
    // Every reply is a new event from the same source, so the subscription replies to its own replies.
    let n = 0;
    sink.on("/loop", () => replyTo("/replies/loop", `loop-${++n}`, { cairnhops: "0" }));
    await subscribe(t.url, { sink: sink.url("/loop"), source: "/replies/loop" });
    await send(t.url, [buildFinished({ source: "/replies/loop" })]);
    await eventually(
      async () => (await metric(t.url, 'cairn_router_replies_total{outcome="refused"}')) === 1,
      15_000,
      "the refused reply",
    );
    // The original, then hops 1 … max were delivered; the reply to hop max was refused.
    assert.equal(sink.at("/loop").length, DEFAULT_MAX_HOPS + 1);
    const hops = sink.at("/loop").map((r) => Number(r.headers["ce-cairnhops"] ?? 0));
    assert.deepEqual(
      hops,
      Array.from({ length: DEFAULT_MAX_HOPS + 1 }, (_v, i) => i),
    );
    const refused = await call(
      t.url,
      "GET",
      `/api/v1/events/lookup?source=${encodeURIComponent("/replies/loop")}&id=loop-${DEFAULT_MAX_HOPS + 1}`,
    );
    assert.equal(refused.status, 404);
  });
});
