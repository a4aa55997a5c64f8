import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CDEvent, createEvent, toHttp, toHttpBatch } from "@cairn/cdevents";
import { ROUTES } from "../src/routes/index.ts";
import { openapiDocument } from "../src/routes/openapi.ts";
import { buildFinished, getJson, post, startTestHub, type TestHub } from "./hub-helpers.ts";

type Page = {
  events: { sequence: number; event: CDEvent; cloudEvent: Record<string, unknown> }[];
  next: string | null;
};
const page = (json: Record<string, unknown>) => json as unknown as Page;

function deployed(service: string, version: "0.1.0" | "0.2.0", chainId?: string): CDEvent {
  const init = {
    source: "/cd/argo",
    subject: { id: service, content: { environment: { id: "prod" }, artifactId: "pkg:oci/app@sha256%3Aabc" } },
  };
  return (
    version === "0.2.0"
      ? createEvent("dev.cdevents.service.deployed.0.2.0", { ...init, ...(chainId ? { chainId } : {}) })
      : createEvent("dev.cdevents.service.deployed.0.1.1", init)
  ) as CDEvent;
}

async function send(t: TestHub, events: CDEvent[]): Promise<void> {
  const m = toHttpBatch(events);
  const r = await post(t.url, m.body, m.headers as Record<string, string>);
  assert.equal(r.status, 202, JSON.stringify(r.json));
}

describe("query API", () => {
  let t: TestHub;
  const builds = Array.from({ length: 7 }, (_, i) => buildFinished({ subjectId: i < 4 ? "build-A" : "build-B" }));
  const deploys = [deployed("svc-1", "0.2.0", "chain-1"), deployed("svc-1", "0.1.0"), deployed("svc-2", "0.2.0")];
  before(async () => {
    t = await startTestHub();
    await send(t, builds);
    await send(t, deploys);
  });
  after(() => t.stop());

  it("lists newest first by default and oldest first with order=asc", async () => {
    const desc = page((await getJson(t.url, "/api/v1/events")).json);
    const seqs = desc.events.map((e) => e.sequence);
    assert.equal(seqs.length, 10);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
    );
    const asc = page((await getJson(t.url, "/api/v1/events?order=asc")).json);
    assert.deepEqual(
      asc.events.map((e) => e.sequence),
      [...seqs].reverse(),
    );
    assert.equal(desc.next, null);
  });

  it("pages with cursors, every event exactly once, both directions", async () => {
    for (const order of ["asc", "desc"]) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `/api/v1/events?order=${order}&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
        const p = page((await getJson(t.url, q)).json);
        seen.push(...p.events.map((e) => e.sequence));
        cursor = p.next;
      } while (cursor !== null);
      assert.equal(seen.length, 10);
      assert.equal(new Set(seen).size, 10);
    }
  });

  it("filters by exact type, type prefix, and subject + predicate across versions", async () => {
    const exact = page((await getJson(t.url, "/api/v1/events?type=dev.cdevents.service.deployed.0.2.0")).json);
    assert.equal(exact.events.length, 2);
    const family = page((await getJson(t.url, "/api/v1/events?subject=service&predicate=deployed")).json);
    assert.equal(family.events.length, 3);
    const prefix = page((await getJson(t.url, "/api/v1/events?typePrefix=dev.cdevents.build.")).json);
    assert.equal(prefix.events.length, 7);
    const both = page(
      (await getJson(t.url, "/api/v1/events?type=dev.cdevents.service.deployed.0.1.1&typePrefix=dev.cdevents.build."))
        .json,
    );
    assert.equal(both.events.length, 8);
  });

  it("filters by source, subject id, chain id and time range", async () => {
    assert.equal(page((await getJson(t.url, "/api/v1/events?source=/cd/argo")).json).events.length, 3);
    assert.equal(page((await getJson(t.url, "/api/v1/events?subjectId=build-A")).json).events.length, 4);
    assert.equal(page((await getJson(t.url, "/api/v1/events?chainId=chain-1")).json).events.length, 1);
    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.equal(page((await getJson(t.url, `/api/v1/events?from=${future}`)).json).events.length, 0);
    assert.equal(page((await getJson(t.url, `/api/v1/events?to=${future}`)).json).events.length, 10);
  });

  it("gets one event by sequence and by (source, id); 404 otherwise", async () => {
    const all = page((await getJson(t.url, "/api/v1/events?order=asc&limit=1")).json);
    const first = all.events[0];
    assert.ok(first);
    const bySeq = await getJson(t.url, `/api/v1/events/${first.sequence}`);
    assert.equal(bySeq.status, 200);
    assert.deepEqual(bySeq.json.event, first.event);
    const e = builds[0] as CDEvent;
    const byId = await getJson(
      t.url,
      `/api/v1/events/lookup?source=${encodeURIComponent(e.context.source)}&id=${encodeURIComponent(e.context.id)}`,
    );
    assert.deepEqual(byId.json.event, e);
    assert.equal((await getJson(t.url, "/api/v1/events/999999")).status, 404);
    assert.equal((await getJson(t.url, "/api/v1/events/lookup?source=x&id=y")).status, 404);
    assert.equal((await getJson(t.url, "/api/v1/events/lookup?source=x")).status, 400);
  });

  it("returns a subject's timeline oldest first", async () => {
    const r = await getJson(t.url, `/api/v1/subjects/${encodeURIComponent("build-A")}/timeline`);
    const p = page(r.json);
    assert.equal(p.events.length, 4);
    assert.deepEqual(
      p.events.map((e) => e.event.context.id),
      builds.slice(0, 4).map((e) => e.context.id),
    );
  });

  it("rejects bad parameters with 400 naming the parameter", async () => {
    for (const [q, name] of [
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["order=up", "order"],
      ["from=yesterday", "from"],
      ["cursor=-1", "cursor"],
      ["predicate=finished", "predicate"],
    ] as const) {
      const r = await getJson(t.url, `/api/v1/events?${q}`);
      assert.equal(r.status, 400, q);
      const err = r.json.error as { issues: { path: string }[] };
      assert.equal(err.issues[0]?.path, `query:${name}`, q);
    }
  });
});

/** Reads SSE frames from a fetch response until `count` events arrived. */
async function readEvents(res: Response, count: number): Promise<{ id: number; data: Record<string, unknown> }[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const out: { id: number; data: Record<string, unknown> }[] = [];
  let buffer = "";
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(frame);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (id && data) out.push({ id: Number(id[1]), data: JSON.parse(data) as Record<string, unknown> });
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return out;
}

describe("live stream", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.stop());

  it("streams new events matching the filter, verbatim, multi-line JSON intact", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/api/v1/stream?subjectId=stream-1`, { signal: ctrl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const wanted = buildFinished({ subjectId: "stream-1" });
    const other = buildFinished({ subjectId: "other" });
    const pretty = JSON.stringify(wanted, null, 2);
    const m = toHttp(wanted);
    const reading = readEvents(res, 1);
    await send(t, [other]);
    assert.equal((await post(t.url, pretty, m.headers as Record<string, string>)).status, 202);
    const [got] = await reading;
    ctrl.abort();
    assert.ok(got);
    assert.deepEqual((got.data as { event: unknown }).event, wanted);
  });

  it("sets the client's last event id when the stream opens, before any event", async () => {
    await send(t, [buildFinished()]);
    const last = page((await getJson(t.url, "/api/v1/events?limit=1")).json).events[0]?.sequence;
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/api/v1/stream`, { signal: ctrl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    assert.match(text, new RegExp(`^retry: \\d+\nid: ${last}\n`));
  });

  it("resumes after Last-Event-ID with everything missed, in order", async () => {
    const events = Array.from({ length: 5 }, () => buildFinished({ subjectId: "resume" }));
    await send(t, events);
    const all = page((await getJson(t.url, "/api/v1/events?subjectId=resume&order=asc")).json);
    const second = all.events[1]?.sequence ?? 0;
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/api/v1/stream?subjectId=resume`, {
      headers: { "last-event-id": String(second) },
      signal: ctrl.signal,
    });
    const got = await readEvents(res, 3);
    ctrl.abort();
    assert.deepEqual(
      got.map((g) => g.id),
      all.events.slice(2).map((e) => e.sequence),
    );
  });
});

describe("documents and operations", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.stop());

  it("describes every route in the OpenAPI document, and nothing else", () => {
    const doc = openapiDocument("test") as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const routed = ROUTES.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual([...documented].sort(), [...routed].sort());
  });

  it("serves the OpenAPI document, health, readiness and the landing page", async () => {
    const doc = await getJson(t.url, "/api/openapi.json");
    assert.equal(doc.json.openapi, "3.1.0");
    assert.deepEqual((await getJson(t.url, "/healthz")).json, { status: "ok" });
    const ready = await getJson(t.url, "/readyz");
    assert.equal(ready.status, 200);
    assert.equal((ready.json.store as { engine: string }).engine, "sqlite");
    const home = await fetch(`${t.url}/`);
    const html = await home.text();
    assert.match(html, /Cairn hub/);
    assert.match(html, /\/api\/openapi\.json/);
    assert.match(html, /id="event-count">0</);
  });

  it("answers 400 for a path parameter that is not valid percent-encoding", async () => {
    const r = await getJson(t.url, "/api/v1/subjects/%E0/timeline");
    assert.equal(r.status, 400);
    assert.equal((r.json.error as { issues: { path: string }[] }).issues[0]?.path, "path:subjectId");
  });

  it("answers 404 in the error shape for an unknown route", async () => {
    const r = await getJson(t.url, "/nope");
    assert.equal(r.status, 404);
    assert.equal((r.json.error as { code: string }).code, "not_found");
  });
});
