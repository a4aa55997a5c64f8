import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { type CDEvent, toHttp, toHttpBatch } from "@cairn/cdevents";
import { openSqliteStore } from "../src/store/sqlite.ts";
import {
  buildFinished,
  GatedStore,
  getJson,
  post,
  rawEvent,
  startTestHub,
  type TestHub,
  tempDir,
} from "./hub-helpers.ts";

type Entry = { index: number; status: string; sequence?: number; issues?: { path: string; code: string }[] };
const entries = (json: Record<string, unknown>) => json.entries as Entry[];
const errorOf = (json: Record<string, unknown>) =>
  json.error as { code: string; message: string; entries?: Entry[]; issues?: unknown[] };

function withBadArtifact(e: CDEvent): CDEvent {
  const subject = e.subject as { content: Record<string, unknown> };
  return { ...e, subject: { ...subject, content: { ...subject.content, artifactId: "not a purl" } } } as CDEvent;
}

async function stored(t: TestHub, source: string, id: string): Promise<Record<string, unknown> | null> {
  const r = await getJson(
    t.url,
    `/api/v1/events/lookup?source=${encodeURIComponent(source)}&id=${encodeURIComponent(id)}`,
  );
  return r.status === 200 ? r.json : null;
}

const metricsText = async (t: TestHub) => (await fetch(`${t.url}/metrics`)).text();

describe("POST /api/v1/events", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ "limits.maxEventBytes": "64KiB", "limits.maxRequestBytes": "256KiB" });
  });
  after(() => t.stop());

  it("stores a binary-mode event verbatim and answers 202 with its sequence", async () => {
    const e = buildFinished();
    const m = toHttp(e);
    const body = m.body.replace("{", '{\n  "customData" : { "n": [1, 2.50, 1e3], "s": "é\\u00e9" } ,');
    const r = await post(t.url, body, m.headers as Record<string, string>);
    assert.equal(r.status, 202);
    assert.equal(r.json.stored, 1);
    assert.equal(entries(r.json)[0]?.status, "stored");
    assert.equal(typeof entries(r.json)[0]?.sequence, "number");
    assert.equal(await rawEvent(t, e.context.source, e.context.id), body);
  });

  it("stores the data member of a structured envelope verbatim, extensions kept", async () => {
    const e = buildFinished();
    const data = JSON.stringify(e, null, 3);
    const envelope = `{"specversion":"1.0","id":"${e.context.id}","source":"${e.context.source}","type":"${e.context.type}","partitionkey":"k1","data" :  ${data}  }`;
    const r = await post(t.url, envelope, { "content-type": "application/cloudevents+json" });
    assert.equal(r.status, 202);
    assert.equal(await rawEvent(t, e.context.source, e.context.id), data);
    const got = (await stored(t, e.context.source, e.context.id)) as { cloudEvent: Record<string, unknown> };
    assert.equal(got.cloudEvent.partitionkey, "k1");
    assert.equal(got.cloudEvent.data, undefined);
  });

  it("decodes data_base64 to the event's text", async () => {
    const e = buildFinished();
    const data = JSON.stringify(e);
    const b64 = Buffer.from(data).toString("base64");
    const envelope = JSON.stringify({
      specversion: "1.0",
      id: e.context.id,
      source: e.context.source,
      type: e.context.type,
      datacontenttype: "application/json",
      data_base64: b64,
    });
    const r = await post(t.url, envelope, { "content-type": "application/cloudevents+json" });
    assert.equal(r.status, 202);
    assert.equal(await rawEvent(t, e.context.source, e.context.id), data);
  });

  it("accepts a bare CDEvent as application/json", async () => {
    const e = buildFinished();
    const r = await post(t.url, JSON.stringify(e), { "content-type": "application/json" });
    assert.equal(r.status, 202);
    assert.ok(await stored(t, e.context.source, e.context.id));
  });

  it("stores every entry of a batch, each verbatim, in order", async () => {
    const events = [buildFinished(), buildFinished(), buildFinished()];
    const m = toHttpBatch(events);
    const r = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(r.status, 202);
    assert.equal(r.json.stored, 3);
    const seqs = entries(r.json).map((x) => x.sequence ?? 0);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    for (const e of events) assert.equal(await rawEvent(t, e.context.source, e.context.id), JSON.stringify(e));
  });

  it("answers a re-sent (source, id) as a duplicate (200) and stores it once", async () => {
    const e = buildFinished();
    const m = toHttp(e);
    const first = await post(t.url, m.body, m.headers as Record<string, string>);
    const again = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(first.status, 202);
    assert.equal(again.status, 200);
    assert.equal(entries(again.json)[0]?.status, "duplicate");
    assert.equal(entries(again.json)[0]?.sequence, entries(first.json)[0]?.sequence);
    const page = await getJson(t.url, `/api/v1/events?source=${encodeURIComponent(e.context.source)}&limit=1000`);
    const ids = (page.json.events as { event: { context: { id: string } } }[]).map((x) => x.event.context.id);
    assert.equal(ids.filter((id) => id === e.context.id).length, 1);
  });

  it("rejects a batch with an invalid entry as a whole (400), naming the entry and path", async () => {
    const good = buildFinished();
    const bad = buildFinished();
    const m = toHttpBatch([good, withBadArtifact(bad)]);
    const r = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(r.status, 400);
    const err = errorOf(r.json);
    assert.equal(err.code, "invalid_event");
    assert.equal(err.entries?.[0]?.index, 1);
    assert.ok(err.entries?.[0]?.issues?.some((i) => i.path === "/subject/content/artifactId"));
    assert.equal(await stored(t, good.context.source, good.context.id), null);
  });

  it("stores the valid entries with partial=true and answers 207", async () => {
    const good = buildFinished();
    const bad = buildFinished();
    const m = toHttpBatch([good, withBadArtifact(bad)]);
    const res = await fetch(`${t.url}/api/v1/events?partial=true`, {
      method: "POST",
      headers: m.headers,
      body: m.body,
    });
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 207);
    assert.deepEqual(
      entries(json).map((x) => x.status),
      ["stored", "invalid"],
    );
    assert.ok(await stored(t, good.context.source, good.context.id));
    assert.equal(await stored(t, bad.context.source, bad.context.id), null);
  });

  it("rejects an invalid single event with the SDK's issues (400)", async () => {
    const e = buildFinished();
    const m = toHttp({ ...e, context: { ...e.context, timestamp: "yesterday" } } as typeof e);
    const r = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(r.status, 400);
    const issue = errorOf(r.json).entries?.[0]?.issues?.[0];
    assert.equal(issue?.path, "/context/timestamp");
    assert.match(errorOf(r.json).message, /\/context\/timestamp/);
  });

  it("refuses U+0000 in an indexed value (400) without failing the other events of the batch", async () => {
    const good = buildFinished();
    const nul = buildFinished({ subjectId: "build\u0000x" });
    const m = toHttpBatch([good, nul]);
    const r = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(r.status, 400);
    const issue = errorOf(r.json).entries?.[0];
    assert.equal(issue?.index, 1);
    assert.deepEqual(issue?.issues?.[0], {
      code: "unsupported_character",
      path: "/subject/id",
      message: "must not contain U+0000",
    });
    const res = await fetch(`${t.url}/api/v1/events?partial=true`, {
      method: "POST",
      headers: m.headers,
      body: m.body,
    });
    assert.equal(res.status, 207);
    assert.ok(await stored(t, good.context.source, good.context.id));
  });

  it("reports malformed JSON with a location (400)", async () => {
    const r = await post(t.url, '{"context": {', { "content-type": "application/json" });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r.json).entries?.[0]?.issues?.[0]?.code, "json_syntax");
  });

  it("rejects a body that is not UTF-8 (400)", async () => {
    const res = await fetch(`${t.url}/api/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    });
    assert.equal(res.status, 400);
    assert.equal(errorOf((await res.json()) as Record<string, unknown>).code, "invalid_encoding");
  });

  it("answers 415 for an unsupported content type", async () => {
    const r = await post(t.url, "<xml/>", { "content-type": "application/xml" });
    assert.equal(r.status, 415);
    assert.equal(errorOf(r.json).code, "unsupported_media_type");
  });

  it("answers 405 with Allow for a wrong method", async () => {
    const res = await fetch(`${t.url}/api/v1/events`, { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST, GET");
  });

  it("answers 413 when Content-Length exceeds the request limit, without reading the body", async () => {
    const big = "x".repeat(300 * 1024);
    const r = await post(t.url, big, { "content-type": "application/json" });
    assert.equal(r.status, 413);
    assert.equal(errorOf(r.json).code, "payload_too_large");
  });

  it("answers 413 for a chunked body that grows past the limit", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      const chunk = "y".repeat(64 * 1024);
      for (let i = 0; i < 5; i++) req.write(chunk);
      req.end();
    });
    assert.equal(status, 413);
  });

  it("accepts a chunked body, which holds the request limit of the reading budget until it is decoded", async () => {
    const events = [buildFinished(), buildFinished()];
    const m = toHttpBatch(events);
    const half = Math.floor(m.body.length / 2);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/events`, {
        method: "POST",
        headers: { ...(m.headers as Record<string, string>), "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(m.body.slice(0, half));
      setTimeout(() => req.end(m.body.slice(half)), 20);
    });
    assert.equal(status, 202);
    for (const e of events) assert.notEqual(await stored(t, e.context.source, e.context.id), null);
    const text = await metricsText(t);
    for (const state of ["unread", "raw", "decoded"])
      assert.match(text, new RegExp(`cairn_ingest_inflight_bytes\\{state="${state}"\\} 0\\n`));
  });

  it("answers 413 for one event over the per-event limit inside a batch", async () => {
    const small = buildFinished();
    const huge = buildFinished();
    const padded = { ...huge, customData: { pad: "z".repeat(70 * 1024) } };
    const m = toHttpBatch([small, padded as typeof huge]);
    const r = await post(t.url, m.body, m.headers as Record<string, string>);
    assert.equal(r.status, 413);
    assert.match(errorOf(r.json).message, /event 1/);
  });

  it("exposes ingest outcomes as metrics", async () => {
    const res = await fetch(`${t.url}/metrics`);
    const text = await res.text();
    assert.match(text, /cairn_ingest_requests_total\{outcome="accepted"\} \d+/);
    assert.match(text, /cairn_ingest_requests_total\{outcome="invalid"\} \d+/);
    assert.match(text, /cairn_ingest_requests_total\{outcome="too_large"\} \d+/);
    assert.match(text, /cairn_ingest_events_total\{outcome="duplicate"\} \d+/);
    assert.match(text, /cairn_http_request_duration_seconds_bucket/);
    assert.match(text, /cairn_store_events \d+/);
    assert.match(text, /cairn_ingest_queue_depth 0/);
  });
});

// The cases below poll until the hub reaches a state; if it never does, the timeout fails them instead of a hang.
describe("ingest under pressure", { timeout: 60_000 }, () => {
  it("answers 429 with Retry-After when the queue is full, and stores what it acknowledged", async () => {
    const dir = tempDir();
    const gated = new GatedStore(await openSqliteStore({ path: `${dir}/cairn.db` }));
    const t = await startTestHub({ "limits.maxQueueEvents": 2 }, { dir, store: gated });
    try {
      gated.hold();
      const events = Array.from({ length: 6 }, () => buildFinished());
      const pending = events.map((e) => {
        const m = toHttp(e);
        return post(t.url, m.body, m.headers as Record<string, string>);
      });
      // Wait until the first commit is held, then let everything through.
      while (gated.appendCalls === 0) await new Promise((r) => setTimeout(r, 5));
      const early = await Promise.race([Promise.all(pending.slice(2)), new Promise((r) => setTimeout(r, 200))]);
      gated.release();
      const results = await Promise.all(pending);
      void early;
      const refused = results.filter((r) => r.status === 429);
      const accepted = results.filter((r) => r.status === 202);
      assert.ok(refused.length >= 1, "some requests were refused");
      for (const r of refused) {
        assert.equal(r.headers.get("retry-after"), "1");
        assert.equal(errorOf(r.json).code, "overloaded");
      }
      for (const [i, r] of results.entries()) {
        const e = events[i];
        if (!e) continue;
        const found = await stored(t, e.context.source, e.context.id);
        assert.equal(found !== null, r.status === 202, `event ${i} stored iff acknowledged`);
      }
      assert.equal(accepted.length + refused.length, events.length);
    } finally {
      await t.stop();
    }
  });

  it("decodes a request only when the decode budget has room; a waiting body counts toward the byte bound", async () => {
    const dir = tempDir();
    const gated = new GatedStore(await openSqliteStore({ path: `${dir}/cairn.db` }));
    const [first, second, third] = [buildFinished(), buildFinished(), buildFinished()].map((e) => toHttp(e));
    if (!first || !second || !third) throw new Error("unreachable");
    const size = Buffer.byteLength(first.body);
    // One request inside at a time. The first one's text (body and attributes, more than `size`) waits for its
    // commit; the second's body waits at the gate: together they pass the bound, so the third is refused.
    const t = await startTestHub(
      { "limits.maxDecodingBytes": "1", "limits.maxQueueBytes": String(2 * size + 1) },
      { dir, store: gated },
    );
    const send = (m: typeof first) => post(t.url, m.body, m.headers as Record<string, string>);
    try {
      gated.hold();
      const r1 = send(first);
      while (gated.appendCalls === 0) await new Promise((r) => setTimeout(r, 5));
      const r2 = send(second);
      while (!/cairn_ingest_inflight_bytes\{state="raw"\} [1-9]/.test(await metricsText(t)))
        await new Promise((r) => setTimeout(r, 5));
      // The SQLite queue would take a second group while the first commits; the gate has not even decoded it.
      assert.equal(gated.appendCalls, 1);
      const r3 = await send(third);
      assert.equal(r3.status, 429);
      assert.equal(r3.headers.get("retry-after"), "1");
      gated.release();
      assert.equal((await r1).status, 202);
      assert.equal((await r2).status, 202);
      assert.equal(gated.appendCalls, 2);
      assert.match(await metricsText(t), /cairn_ingest_inflight_bytes\{state="decoded"\} 0/);
    } finally {
      await t.stop();
    }
  });

  it("reads a body only when the reading budget has room; a client that gives up while waiting frees its place", async () => {
    const dir = tempDir();
    const gated = new GatedStore(await openSqliteStore({ path: `${dir}/cairn.db` }));
    const events = [buildFinished(), buildFinished(), buildFinished(), buildFinished()];
    const [first, second, third, fourth] = events.map((e) => toHttp(e));
    if (!first || !second || !third || !fourth) throw new Error("unreachable");
    // One request at each gate: the first commits (held), the second is read and waits to be decoded, so the
    // third and fourth wait with their bodies unread.
    const t = await startTestHub(
      { "limits.maxReadingBytes": "1", "limits.maxDecodingBytes": "1" },
      { dir, store: gated },
    );
    const send = (m: typeof first) => post(t.url, m.body, m.headers as Record<string, string>);
    const gauge = async (state: string) =>
      Number((await metricsText(t)).match(new RegExp(`cairn_ingest_inflight_bytes\\{state="${state}"\\} (\\d+)`))?.[1]);
    const size = (m: typeof first) => Buffer.byteLength(m.body);
    try {
      gated.hold();
      const r1 = send(first);
      while (gated.appendCalls === 0) await new Promise((r) => setTimeout(r, 5));
      const r2 = send(second);
      while ((await gauge("raw")) === 0) await new Promise((r) => setTimeout(r, 5));
      const r3 = send(third);
      // The fourth request's client gives up while its body waits unread.
      const r4 = request(`${t.url}/api/v1/events`, {
        method: "POST",
        headers: fourth.headers as Record<string, string>,
      });
      r4.on("error", () => {});
      r4.end(fourth.body);
      while ((await gauge("unread")) < size(third) + size(fourth)) await new Promise((r) => setTimeout(r, 5));
      assert.equal(await gauge("unread"), size(third) + size(fourth));
      assert.equal(await gauge("raw"), size(second));
      r4.destroy();
      gated.release();
      for (const r of [r1, r2, r3]) assert.equal((await r).status, 202);
      // Every gate is empty again: the given-up request left its place when its turn came.
      assert.deepEqual([await gauge("unread"), await gauge("raw"), await gauge("decoded")], [0, 0, 0]);
      assert.equal((await send(fourth)).status, 202);
      for (const e of events) assert.notEqual(await stored(t, e.context.source, e.context.id), null);
    } finally {
      await t.stop();
    }
  });

  it("answers 503 with Retry-After when the store is unavailable, and nothing is acknowledged", async () => {
    const dir = tempDir();
    const gated = new GatedStore(await openSqliteStore({ path: `${dir}/cairn.db` }));
    const t = await startTestHub({}, { dir, store: gated });
    try {
      gated.fail(true);
      const e = buildFinished();
      const m = toHttp(e);
      const r = await post(t.url, m.body, m.headers as Record<string, string>);
      assert.equal(r.status, 503);
      assert.equal(r.headers.get("retry-after"), "5");
      assert.match(t.logs(), /store write failed/);
      gated.fail(false);
      const again = await post(t.url, m.body, m.headers as Record<string, string>);
      assert.equal(again.status, 202);
    } finally {
      await t.stop();
    }
  });

  it("finishes an in-flight request during graceful shutdown and keeps its event", async () => {
    const dir = tempDir();
    const gated = new GatedStore(await openSqliteStore({ path: `${dir}/cairn.db` }));
    // A timeout far beyond the test's patience: closing must not wait for it once the request is answered, although
    // the client keeps its connection alive.
    const t = await startTestHub({ shutdownTimeout: "1h" }, { dir, store: gated });
    gated.hold();
    const e = buildFinished();
    const m = toHttp(e);
    const inflight = post(t.url, m.body, m.headers as Record<string, string>);
    while (gated.appendCalls === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = t.stop();
    gated.release();
    const r = await inflight;
    let patience: NodeJS.Timeout | undefined;
    await Promise.race([
      closing,
      new Promise((_, reject) => {
        patience = setTimeout(() => reject(new Error("close waited on an idle keep-alive connection")), 30_000);
      }),
    ]);
    clearTimeout(patience);
    assert.equal(r.status, 202);
    const reopened = await openSqliteStore({ path: `${dir}/cairn.db` });
    try {
      assert.ok(await reopened.findById(e.context.source, e.context.id));
    } finally {
      await reopened.close();
    }
  });

  it("remembers duplicates across a restart", async () => {
    const t1 = await startTestHub();
    const e = buildFinished();
    const m = toHttp(e);
    assert.equal((await post(t1.url, m.body, m.headers as Record<string, string>)).status, 202);
    await t1.stop();
    const t2 = await startTestHub({}, { dir: t1.dir });
    try {
      const r = await post(t2.url, m.body, m.headers as Record<string, string>);
      assert.equal(r.status, 200);
      assert.equal(entries(r.json)[0]?.status, "duplicate");
    } finally {
      await t2.stop();
    }
  });
});
