import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toHttp } from "@cairn/cdevents";
import { formatConfigIssues, HubStartError, loadConfig, parseDuration, parseSize, startHub } from "../src/index.ts";
import { buildFinished, getJson, post, startTestHub, type TestHub, tempDir, testConfig } from "./hub-helpers.ts";

const INGEST = "ingest-secret-1234";
const READER = "reader-secret-5678";
const ADMIN = "admin-secret-9012";

describe("auth", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ tokens: `ci:ingest:${INGEST},dash:read:${READER},ops:admin:${ADMIN}` });
  });
  after(() => t.stop());
  const bearer = (s: string) => ({ authorization: `Bearer ${s}` });

  it("requires a token with the ingest scope to send", async () => {
    const m = toHttp(buildFinished());
    const headers = m.headers as Record<string, string>;
    const none = await post(t.url, m.body, headers);
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
    assert.equal((await post(t.url, m.body, { ...headers, ...bearer("wrong-secret-000") })).status, 401);
    assert.equal((await post(t.url, m.body, { ...headers, ...bearer(READER) })).status, 403);
    assert.equal((await post(t.url, m.body, { ...headers, ...bearer(INGEST) })).status, 202);
  });

  it("requires the read scope to query and stream (token in the query for EventSource)", async () => {
    assert.equal((await getJson(t.url, "/api/v1/events")).status, 401);
    assert.equal((await getJson(t.url, "/api/v1/events", bearer(INGEST))).status, 403);
    assert.equal((await getJson(t.url, "/api/v1/events", bearer(READER))).status, 200);
    assert.equal((await getJson(t.url, "/api/v1/events", bearer(ADMIN))).status, 200, "admin implies read");
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/api/v1/stream?access_token=${READER}`, { signal: ctrl.signal });
    assert.equal(res.status, 200);
    ctrl.abort();
    assert.equal((await getJson(t.url, `/api/v1/events?access_token=${READER}`)).status, 401, "only the stream");
  });

  it("requires the admin scope for admin routes and never reveals secrets", async () => {
    assert.equal((await getJson(t.url, "/api/v1/admin/status", bearer(READER))).status, 403);
    const status = await getJson(t.url, "/api/v1/admin/status", bearer(ADMIN));
    assert.equal(status.status, 200);
    const text = JSON.stringify(status.json);
    for (const s of [INGEST, READER, ADMIN]) assert.ok(!text.includes(s));
    assert.match(text, /"name":"ci"/);
  });

  it("leaves health, readiness and metrics open", async () => {
    assert.equal((await getJson(t.url, "/healthz")).status, 200);
    assert.equal((await getJson(t.url, "/readyz")).status, 200);
    assert.equal((await fetch(`${t.url}/metrics`)).status, 200);
  });

  it("logs one line per request with the token's name and never a secret or a body", async () => {
    const e = buildFinished({ subjectId: "log-probe-subject" });
    const m = toHttp(e);
    await post(t.url, m.body, { ...(m.headers as Record<string, string>), ...bearer(INGEST) });
    await new Promise((r) => setTimeout(r, 50));
    const logs = t.logs();
    for (const s of [INGEST, READER, ADMIN]) assert.ok(!logs.includes(s), "secret in logs");
    assert.ok(!logs.includes("log-probe-subject"), "body in logs");
    const lines = logs
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ingest = lines.filter((l) => l.msg === "request" && l.route === "/api/v1/events" && l.method === "POST");
    assert.ok(ingest.some((l) => l.token === "ci" && l.status === 202));
  });
});

describe("start-up safety", () => {
  it("refuses a non-loopback address without tokens unless insecure", async () => {
    const dir = tempDir();
    await assert.rejects(
      startHub(testConfig(dir, { host: "0.0.0.0" })),
      (e: unknown) => e instanceof HubStartError && e.code === "CAIRN_ERR_INSECURE",
    );
    const hub = await startHub(testConfig(dir, { host: "0.0.0.0", insecure: true, "log.level": "silent" }));
    await hub.close();
  });
});

describe("start-up failures", () => {
  it("reports a data directory it cannot create as a HubStartError", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "");
    await assert.rejects(
      startHub(testConfig(join(dir, "file", "data"), { "log.level": "silent" })),
      (e: unknown) => e instanceof HubStartError && e.code === "CAIRN_ERR_DATA_DIR",
    );
  });

  it("reports a store it cannot open as a HubStartError", async () => {
    const dir = tempDir();
    const config = testConfig(dir, { "log.level": "silent", store: "postgres://nobody@127.0.0.1:1/none" });
    await assert.rejects(
      startHub(config),
      (e: unknown) => e instanceof HubStartError && e.code === "CAIRN_ERR_STORE_OPEN",
    );
  });
});

describe("configuration", () => {
  it("applies defaults, file < env < flags, and resolves the data directory", () => {
    const dir = tempDir();
    const file = join(dir, "cairn.json");
    writeFileSync(file, JSON.stringify({ port: 9000, host: "127.0.0.2", limits: { maxRequestBytes: "2MiB" } }));
    const c = loadConfig({
      configFile: file,
      env: { CAIRN_PORT: "9001", CAIRN_DATA: "state" },
      flags: new Map([["port", "9002"]]),
      cwd: dir,
    });
    assert.ok(c.ok);
    assert.equal(c.config.port, 9002);
    assert.equal(c.config.host, "127.0.0.2");
    assert.equal(c.config.limits.maxRequestBytes, 2 * 1024 * 1024);
    assert.equal(c.config.dataDir, join(dir, "state"));
    assert.deepEqual(c.config.store, { kind: "sqlite", path: join(dir, "state", "cairn.db") });
    assert.equal(c.config.limits.maxEventBytes, 1024 * 1024);
  });

  it("names the bad key and where it came from", () => {
    const dir = tempDir();
    const file = join(dir, "cairn.json");
    writeFileSync(file, JSON.stringify({ limits: { maxRequestByte: 5 }, retention: { maxAge: "forever" } }));
    const c = loadConfig({ configFile: file, env: { CAIRN_PORT: "http" }, cwd: dir });
    assert.ok(!c.ok);
    const text = formatConfigIssues(c.issues);
    assert.match(text, /cairn\.json: limits\.maxRequestByte: is not a known setting/);
    assert.match(text, /env CAIRN_PORT.*integer from 0 to 65535/);
    assert.match(text, /retention\.maxAge: must be a duration/);
  });

  it("rejects an unreadable file, small event limits, bad tokens and stores", () => {
    const dir = tempDir();
    const bad = loadConfig({ configFile: join(dir, "missing.json"), cwd: dir });
    assert.ok(!bad.ok && /cannot be read/.test(bad.issues[0]?.message ?? ""));
    const c = loadConfig({
      env: {
        CAIRN_MAX_EVENT_BYTES: "1KiB",
        CAIRN_TOKENS: "ci:push:secret-long-enough,short:read:x",
        CAIRN_STORE: "mysql://x",
      },
      cwd: dir,
    });
    assert.ok(!c.ok);
    const text = formatConfigIssues(c.issues);
    assert.match(text, /CAIRN_MAX_EVENT_BYTES.*at least 64KiB/);
    assert.match(text, /scopes must be some of ingest, read, admin/);
    assert.match(text, /at least 8 characters/);
    assert.match(text, /CAIRN_STORE.*postgres:\/\//);
  });

  it("selects PostgreSQL from a URL", () => {
    const c = loadConfig({ env: { CAIRN_STORE: "postgres://u@h/db", CAIRN_PG_SCHEMA: "cairn" }, cwd: tempDir() });
    assert.ok(c.ok);
    assert.deepEqual(c.config.store, { kind: "postgres", url: "postgres://u@h/db", schema: "cairn", poolSize: 10 });
  });

  it("parses sizes and durations", () => {
    assert.equal(parseSize("64KiB"), 65536);
    assert.equal(parseSize("1.5MB"), 1_500_000);
    assert.equal(parseSize(100), 100);
    assert.equal(parseSize("12 parsecs"), null);
    assert.equal(parseDuration("30d"), 30 * 86400_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("-1s"), null);
  });
});

describe("retention", () => {
  it("deletes events past the maximum age on demand and counts them", async () => {
    const t = await startTestHub({ "retention.maxAge": "1ms", "retention.interval": "1h" });
    try {
      const m = toHttp(buildFinished());
      assert.equal((await post(t.url, m.body, m.headers as Record<string, string>)).status, 202);
      await new Promise((r) => setTimeout(r, 5));
      const res = await fetch(`${t.url}/api/v1/admin/retention`, { method: "POST" });
      assert.deepEqual(await res.json(), { deleted: 1, enabled: true });
      const page = await getJson(t.url, "/api/v1/events");
      assert.deepEqual(page.json.events, []);
      assert.match(await (await fetch(`${t.url}/metrics`)).text(), /cairn_retention_deleted_events_total 1/);
    } finally {
      await t.stop();
    }
  });
});
