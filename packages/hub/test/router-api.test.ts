/**
 * The Subscriptions API and the dead-letter API's contract: CRUD in the CloudEvents Subscriptions API shape,
 * validation errors with path and position, write-only secrets, scopes, durability across restarts, and
 * subscriptions declared in the config file (validated at start, read-only through the API).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatConfigIssues, loadConfig } from "../src/index.ts";
import { startTestHub, type TestHub, tempDir } from "./hub-helpers.ts";
import { call, subscribe } from "./router-helpers.ts";

const SUBS = "/api/v1/subscriptions";

describe("subscriptions API", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ "log.level": "warn" });
  });
  after(() => t.stop());

  it("creates (201 + Location), lists, gets, replaces and deletes", async () => {
    const created = await call(t.url, "POST", SUBS, {
      id: "ignored",
      sink: "http://127.0.0.1:9/hook",
      protocol: "HTTP",
      types: ["dev.cdevents.build.finished.0.2.0"],
      delivery: { retry: 3, backoffDelay: "PT0.5S" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.id as string;
    assert.notEqual(id, "ignored", "the manager assigns ids");
    assert.equal(created.headers.get("location"), `${SUBS}/${id}`);
    assert.equal(created.json.origin, "api");
    assert.equal(created.json.delivery.backoffDelay, 500, "normalised: milliseconds");
    const list = await call(t.url, "GET", SUBS);
    assert.ok(Array.isArray(list.json), "an array, as the Subscriptions API");
    assert.ok(list.json.some((s: { id: string }) => s.id === id));
    const got = await call(t.url, "GET", `${SUBS}/${id}`);
    assert.deepEqual(got.json, created.json);
    // What GET shows can be sent back with changes (origin is ignored).
    const put = await call(t.url, "PUT", `${SUBS}/${id}`, { ...got.json, delivery: { retry: 7 } });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.delivery.retry, 7);
    assert.equal(put.json.delivery.backoffDelay, 200, "a replace: absent members take their defaults");
    const del = await call(t.url, "DELETE", `${SUBS}/${id}`);
    assert.equal(del.status, 200);
    assert.equal(del.json.id, id);
    assert.equal((await call(t.url, "GET", `${SUBS}/${id}`)).status, 404);
    assert.equal((await call(t.url, "DELETE", `${SUBS}/${id}`)).status, 404);
  });

  it("PUT to an absent id creates the subscription with that id (201, Location); an invalid id is refused", async () => {
    const created = await call(t.url, "PUT", `${SUBS}/deploys-to-prod`, { sink: "http://x.example", protocol: "HTTP" });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.headers.get("location"), `${SUBS}/deploys-to-prod`);
    assert.equal(created.json.id, "deploys-to-prod");
    assert.equal(created.json.origin, "api");
    assert.equal((await call(t.url, "GET", `${SUBS}/deploys-to-prod`)).json.sink, "http://x.example");
    const again = await call(t.url, "PUT", `${SUBS}/deploys-to-prod`, { sink: "http://y.example", protocol: "HTTP" });
    assert.equal(again.status, 200, "a second PUT replaces");
    assert.equal((await call(t.url, "DELETE", `${SUBS}/deploys-to-prod`)).status, 200);
    const bad = await call(t.url, "PUT", `${SUBS}/~trigger.x`, { sink: "http://x.example", protocol: "HTTP" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.issues[0].path, "/id");
  });

  it("refuses invalid subscriptions with every issue, its JSON Pointer and the expression position", async () => {
    const r = await call(t.url, "POST", SUBS, {
      sink: "ftp://nowhere",
      protocol: "HTTP",
      filters: [{ exact: { type: "a" } }, { sql: "type = 'a' AND\n  source =" }],
      delivery: { retry: -1, colour: "blue" },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "invalid_subscription");
    type Located = { path: string; code: string; offset?: number; line?: number; column?: number };
    const byPath = new Map((r.json.error.issues as Located[]).map((i) => [i.path, i]));
    assert.equal(byPath.get("/sink")?.code, "format");
    assert.equal(byPath.get("/delivery/retry")?.code, "range");
    assert.equal(byPath.get("/delivery/colour")?.code, "unknown_field");
    const sql = byPath.get("/filters/1/sql") as Located;
    assert.equal(sql.code, "sql_syntax");
    assert.equal(sql.line, 2);
    assert.equal(typeof sql.column, "number");
    assert.equal(typeof sql.offset, "number");
    const mismatch = await call(t.url, "POST", SUBS, { sink: "http://127.0.0.1:9/", protocol: "HTTP" });
    const put = await call(t.url, "PUT", `${SUBS}/${mismatch.json.id}`, {
      id: "other",
      sink: "http://127.0.0.1:9/",
      protocol: "HTTP",
    });
    assert.equal(put.status, 400);
    assert.equal(put.json.error.issues[0].code, "id_mismatch");
  });

  it("accepts NATS sinks with a subject; refuses wildcard subjects, non-JSON and empty bodies", async () => {
    const nats = await call(t.url, "POST", SUBS, {
      sink: "nats://127.0.0.1:4222",
      protocol: "NATS",
      protocolsettings: { subject: "cdevents.all" },
    });
    assert.equal(nats.status, 201);
    assert.deepEqual(nats.json.protocolsettings, { subject: "cdevents.all" });
    assert.equal((await call(t.url, "DELETE", `${SUBS}/${nats.json.id}`)).status, 200);
    const wildcard = await call(t.url, "POST", SUBS, {
      sink: "nats://127.0.0.1:4222",
      protocol: "NATS",
      protocolsettings: { subject: "cdevents.*" },
    });
    assert.equal(wildcard.status, 400);
    assert.deepEqual(
      wildcard.json.error.issues.map((i: { path: string; code: string }) => [i.path, i.code]),
      [["/protocolsettings/subject", "format"]],
    );
    const text = await call(t.url, "POST", SUBS, "{not json");
    assert.equal(text.status, 400);
    assert.equal(text.json.error.code, "invalid_json");
    assert.equal((await call(t.url, "POST", SUBS)).status, 400);
  });

  it("never shows credential secrets", async () => {
    const id = await subscribe(t.url, {
      sink: "https://hooks.example/in",
      sinkcredential: {
        credentialtype: "ACCESSTOKEN",
        accesstoken: "s3cret-token",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
      },
    });
    const got = await call(t.url, "GET", `${SUBS}/${id}`);
    assert.equal(got.json.sinkcredential.credentialtype, "ACCESSTOKEN");
    assert.equal(got.json.sinkcredential.accesstoken, undefined);
    const list = await call(t.url, "GET", SUBS);
    assert.ok(!JSON.stringify(list.json).includes("s3cret-token"));
  });

  it("validates dead-letter selectors and parameters", async () => {
    for (const body of [{}, { ids: ["x"] }, { all: false }, { subscription: "" }, { nope: 1 }, [1]]) {
      const r = await call(t.url, "POST", "/api/v1/deadletters/replay", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, "invalid_selector");
    }
    assert.equal((await call(t.url, "DELETE", "/api/v1/deadletters")).status, 400);
    assert.equal((await call(t.url, "GET", "/api/v1/deadletters?state=gone")).status, 400);
    assert.equal((await call(t.url, "GET", "/api/v1/deadletters/12345")).status, 404);
    assert.equal((await call(t.url, "GET", "/api/v1/deadletters/abc")).status, 404);
    assert.deepEqual((await call(t.url, "GET", "/api/v1/deadletters")).json, { deadLetters: [], next: null });
    const replay = await call(t.url, "POST", "/api/v1/deadletters/replay", { all: true });
    assert.equal(replay.json.replayed, 0);
    assert.deepEqual((await call(t.url, "DELETE", "/api/v1/deadletters?all=true")).json, { purged: 0 });
  });
});

describe("subscriptions: scopes and durability", () => {
  it("reads need read, writes need admin", async () => {
    const tokens = "reader:read:reader-secret,boss:admin:boss-secret-1";
    const t = await startTestHub({ "log.level": "warn", tokens });
    try {
      const reader = { authorization: "Bearer reader-secret" };
      const boss = { authorization: "Bearer boss-secret-1" };
      const body = { sink: "http://127.0.0.1:9/", protocol: "HTTP" };
      assert.equal((await call(t.url, "GET", SUBS)).status, 401);
      assert.equal((await call(t.url, "GET", SUBS, undefined, reader)).status, 200);
      assert.equal((await call(t.url, "POST", SUBS, body, reader)).status, 403);
      const created = await call(t.url, "POST", SUBS, body, boss);
      assert.equal(created.status, 201);
      const one = `${SUBS}/${created.json.id}`;
      assert.equal((await call(t.url, "PUT", one, body, reader)).status, 403);
      assert.equal((await call(t.url, "DELETE", one, undefined, reader)).status, 403);
      assert.equal((await call(t.url, "GET", "/api/v1/deadletters", undefined, reader)).status, 200);
      assert.equal((await call(t.url, "POST", "/api/v1/deadletters/replay", { all: true }, reader)).status, 403);
      assert.equal((await call(t.url, "DELETE", "/api/v1/deadletters?all=true", undefined, reader)).status, 403);
      assert.equal((await call(t.url, "DELETE", one, undefined, boss)).status, 200);
    } finally {
      await t.stop();
    }
  });

  it("subscriptions survive a restart", async () => {
    const dir = tempDir();
    const first = await startTestHub({ "log.level": "warn" }, { dir });
    const id = await subscribe(first.url, { sink: "http://127.0.0.1:9/kept", delivery: { ordering: "subject" } });
    await first.stop();
    const second = await startTestHub({ "log.level": "warn" }, { dir });
    try {
      const got = await call(second.url, "GET", `${SUBS}/${id}`);
      assert.equal(got.status, 200);
      assert.equal(got.json.delivery.ordering, "subject");
    } finally {
      await second.stop();
    }
  });
});

describe("subscriptions in the config file", () => {
  const declared = (id: string) => ({ id, sink: `http://127.0.0.1:9/${id}`, protocol: "HTTP" });

  it("are upserted at start, marked config, read-only through the API, and removed with the file's entry", async () => {
    const dir = tempDir();
    const t = await startTestHub(
      { "log.level": "warn", subscriptions: [declared("cfg-a"), declared("cfg-b")] },
      { dir },
    );
    try {
      const a = await call(t.url, "GET", `${SUBS}/cfg-a`);
      assert.equal(a.status, 200);
      assert.equal(a.json.origin, "config");
      const put = await call(t.url, "PUT", `${SUBS}/cfg-a`, declared("cfg-a"));
      assert.equal(put.status, 409);
      assert.equal(put.json.error.code, "read_only");
      assert.equal((await call(t.url, "PUT", `${SUBS}/cfg-a`, { sink: "bad" })).status, 409, "read-only first");
      assert.equal((await call(t.url, "DELETE", `${SUBS}/cfg-a`)).status, 409);
    } finally {
      await t.stop();
    }
    const again = await startTestHub({ "log.level": "warn", subscriptions: [declared("cfg-b")] }, { dir });
    try {
      const ids = (await call(again.url, "GET", SUBS)).json.map((s: { id: string }) => s.id);
      assert.deepEqual(ids, ["cfg-b"]);
    } finally {
      await again.stop();
    }
  });

  it("are validated at start, each problem naming subscriptions[i] and the member", () => {
    const dir = tempDir();
    const file = join(dir, "cairn.json");
    writeFileSync(
      file,
      JSON.stringify({
        subscriptions: [
          declared("ok"),
          { id: "bad", sink: "nope", protocol: "HTTP", filters: [{ sql: "type =" }] },
          { sink: "http://127.0.0.1:9/", protocol: "HTTP" },
          { id: "n", sink: "nats://127.0.0.1:4222", protocol: "NATS", protocolsettings: { subject: "x.>" } },
          declared("ok"),
        ],
      }),
    );
    const r = loadConfig({ configFile: file, env: { CAIRN_SUBSCRIPTIONS: "ignored" }, cwd: dir });
    assert.equal(r.ok, false);
    const text = formatConfigIssues(r.ok ? [] : r.issues);
    assert.match(text, /subscriptions\[1\]\/sink: /);
    assert.match(text, /subscriptions\[1\]\/filters\/0\/sql: .*line 1/);
    assert.match(text, /subscriptions\[2\]\/id: .*\(required\)/);
    assert.match(text, /subscriptions\[3\]\/protocolsettings\/subject: a NATS subject is .*\(format\)/);
    assert.match(text, /subscriptions\[4\]\/id: ok is declared twice/);
    assert.ok(
      text.split("\n").every((l) => l.startsWith(`config file ${file}: subscriptions[`)),
      text,
    );
    const notList = writeAndLoad(dir, { subscriptions: { id: "x" } });
    assert.match(notList, /subscriptions: must be a list/);
  });
});

function writeAndLoad(dir: string, content: unknown): string {
  const file = join(dir, "other.json");
  writeFileSync(file, JSON.stringify(content));
  const r = loadConfig({ configFile: file, env: {}, cwd: dir });
  return formatConfigIssues(r.ok ? [] : r.issues);
}
