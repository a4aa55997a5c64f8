/**
 * The Triggers API: CRUD, validation errors with path and position, write-only sink secrets, scopes, durability
 * across restarts, and triggers declared in the config file (validated at start, read-only through the API).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatConfigIssues, loadConfig } from "../src/index.ts";
import { shipTrigger } from "./correlation-helpers.ts";
import { startTestHub, type TestHub, tempDir } from "./hub-helpers.ts";
import { call } from "./router-helpers.ts";

const TRIGGERS = "/api/v1/triggers";

describe("triggers API", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ "log.level": "warn" });
  });
  after(() => t.stop());

  it("creates (201 + Location, the body's id or a new one), lists, gets, replaces and deletes", async () => {
    const created = await call(t.url, "POST", TRIGGERS, shipTrigger("ship", "PT10S"));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.headers.get("location"), `${TRIGGERS}/ship`);
    assert.equal(created.json.origin, "api");
    assert.equal(created.json.within, 10_000, "normalised: milliseconds");
    assert.equal(created.json.dependencies[0].select, "latest");
    const again = await call(t.url, "POST", TRIGGERS, shipTrigger("ship", 5));
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, "conflict");
    const { id: _id, ...anonymous } = shipTrigger("x", 5);
    const assigned = await call(t.url, "POST", TRIGGERS, anonymous);
    assert.equal(assigned.status, 201, JSON.stringify(assigned.json));
    assert.match(assigned.json.id, /^[0-9a-f-]{36}$/);
    const list = await call(t.url, "GET", TRIGGERS);
    assert.deepEqual(
      list.json.map((x: { id: string }) => x.id),
      ["ship", assigned.json.id],
    );
    const got = await call(t.url, "GET", `${TRIGGERS}/ship`);
    assert.deepEqual(got.json, created.json);
    const put = await call(t.url, "PUT", `${TRIGGERS}/ship`, { ...got.json, within: "PT1M", conditions: "built" });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.within, 60_000);
    assert.equal(put.json.conditions, "built");
    const mismatch = await call(t.url, "PUT", `${TRIGGERS}/ship`, { ...got.json, id: "other" });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.issues[0].code, "id_mismatch");
    const del = await call(t.url, "DELETE", `${TRIGGERS}/ship`);
    assert.equal(del.status, 200);
    assert.equal(del.json.id, "ship");
    assert.equal((await call(t.url, "GET", `${TRIGGERS}/ship`)).status, 404);
    assert.equal((await call(t.url, "DELETE", `${TRIGGERS}/ship`)).status, 404);
    assert.equal((await call(t.url, "PUT", `${TRIGGERS}/ship`, shipTrigger("ship", 5))).status, 404);
    await call(t.url, "DELETE", `${TRIGGERS}/${assigned.json.id}`);
  });

  it("refuses invalid triggers with every issue, its JSON Pointer and the position in conditions", async () => {
    const r = await call(t.url, "POST", TRIGGERS, {
      ...shipTrigger("bad", "forever"),
      conditions: "built &&\n  shipped",
      sink: { url: "ftp://nowhere" },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "invalid_trigger");
    type Located = { path: string; code: string; offset?: number; line?: number; column?: number };
    const byPath = new Map((r.json.error.issues as Located[]).map((i) => [i.path, i]));
    assert.equal(byPath.get("/within")?.code, "format");
    assert.equal(byPath.get("/sink/url")?.code, "format");
    assert.deepEqual(byPath.get("/conditions"), {
      ...byPath.get("/conditions"),
      code: "unknown_dependency",
      offset: 11,
      line: 2,
      column: 3,
    });
    const text = await call(t.url, "POST", TRIGGERS, "{not json");
    assert.equal(text.json.error.code, "invalid_json");
    assert.equal((await call(t.url, "POST", TRIGGERS)).status, 400);
  });

  it("never shows sink secrets, and never lists a trigger's sink among the subscriptions", async () => {
    const body = shipTrigger("secret", 1000, "https://hooks.example/in");
    const sink = {
      ...(body.sink as object),
      sinkcredential: { credentialtype: "PLAIN", identifier: "u", secret: "p4ss-word" },
    };
    assert.equal((await call(t.url, "POST", TRIGGERS, { ...body, sink })).status, 201);
    const got = await call(t.url, "GET", `${TRIGGERS}/secret`);
    assert.equal(got.json.sink.sinkcredential.identifier, "u");
    assert.ok(!JSON.stringify((await call(t.url, "GET", TRIGGERS)).json).includes("p4ss-word"));
    const subscriptions = (await call(t.url, "GET", "/api/v1/subscriptions")).json as { id: string }[];
    assert.ok(!subscriptions.some((s) => s.id.startsWith("~")), JSON.stringify(subscriptions));
    assert.equal((await call(t.url, "GET", "/api/v1/subscriptions/~trigger.secret")).status, 404);
    assert.equal((await call(t.url, "DELETE", "/api/v1/subscriptions/~trigger.secret")).status, 404);
    await call(t.url, "DELETE", `${TRIGGERS}/secret`);
  });
});

describe("triggers: scopes and durability", () => {
  it("reads need read, writes need admin", async () => {
    const t = await startTestHub({ "log.level": "warn", tokens: "reader:read:reader-secret,boss:admin:boss-secret-1" });
    try {
      const reader = { authorization: "Bearer reader-secret" };
      const boss = { authorization: "Bearer boss-secret-1" };
      assert.equal((await call(t.url, "GET", TRIGGERS)).status, 401);
      assert.equal((await call(t.url, "GET", TRIGGERS, undefined, reader)).status, 200);
      assert.equal((await call(t.url, "POST", TRIGGERS, shipTrigger("s", 5), reader)).status, 403);
      assert.equal((await call(t.url, "POST", TRIGGERS, shipTrigger("s", 5), boss)).status, 201);
      assert.equal((await call(t.url, "GET", `${TRIGGERS}/s`, undefined, reader)).status, 200);
      assert.equal((await call(t.url, "PUT", `${TRIGGERS}/s`, shipTrigger("s", 5), reader)).status, 403);
      assert.equal((await call(t.url, "DELETE", `${TRIGGERS}/s`, undefined, reader)).status, 403);
      assert.equal((await call(t.url, "DELETE", `${TRIGGERS}/s`, undefined, boss)).status, 200);
    } finally {
      await t.stop();
    }
  });

  it("triggers survive a restart", async () => {
    const dir = tempDir();
    const first = await startTestHub({ "log.level": "warn" }, { dir });
    await call(first.url, "POST", TRIGGERS, shipTrigger("kept", "PT5M", "http://127.0.0.1:9/kept"));
    await first.stop();
    const second = await startTestHub({ "log.level": "warn" }, { dir });
    try {
      const got = await call(second.url, "GET", `${TRIGGERS}/kept`);
      assert.equal(got.status, 200);
      assert.equal(got.json.within, 300_000);
      assert.equal(got.json.sink.url, "http://127.0.0.1:9/kept");
    } finally {
      await second.stop();
    }
  });
});

describe("triggers in the config file", () => {
  it("are upserted at start, marked config, read-only through the API, and removed with the file's entry", async () => {
    const dir = tempDir();
    const t = await startTestHub(
      { "log.level": "warn", triggers: [shipTrigger("cfg-a", 5), shipTrigger("cfg-b", 5)] },
      { dir },
    );
    try {
      const a = await call(t.url, "GET", `${TRIGGERS}/cfg-a`);
      assert.equal(a.status, 200);
      assert.equal(a.json.origin, "config");
      const put = await call(t.url, "PUT", `${TRIGGERS}/cfg-a`, shipTrigger("cfg-a", 5));
      assert.equal(put.status, 409);
      assert.equal(put.json.error.code, "read_only");
      assert.equal((await call(t.url, "PUT", `${TRIGGERS}/cfg-a`, { within: "bad" })).status, 409, "read-only first");
      assert.equal((await call(t.url, "DELETE", `${TRIGGERS}/cfg-a`)).status, 409);
      assert.equal((await call(t.url, "POST", TRIGGERS, shipTrigger("cfg-a", 5))).status, 409);
    } finally {
      await t.stop();
    }
    const again = await startTestHub({ "log.level": "warn", triggers: [shipTrigger("cfg-b", 5)] }, { dir });
    try {
      const ids = (await call(again.url, "GET", TRIGGERS)).json.map((x: { id: string }) => x.id);
      assert.deepEqual(ids, ["cfg-b"]);
    } finally {
      await again.stop();
    }
  });

  it("are validated at start, each problem naming triggers[i] and the member", () => {
    const dir = tempDir();
    const file = join(dir, "cairn.json");
    writeFileSync(
      file,
      JSON.stringify({
        triggers: [
          shipTrigger("ok", 5),
          { ...shipTrigger("bad", 5), conditions: "built ||" },
          { ...shipTrigger("x", 5), id: undefined },
          { ...shipTrigger("s", 5), sink: { url: "nats://127.0.0.1:4222" } },
          shipTrigger("ok", 5),
        ],
      }),
    );
    const r = loadConfig({ configFile: file, env: { CAIRN_TRIGGERS: "ignored" }, cwd: dir });
    assert.equal(r.ok, false);
    const text = formatConfigIssues(r.ok ? [] : r.issues);
    assert.match(text, /triggers\[1\]\/conditions: .*line 1, column 9/);
    assert.match(text, /triggers\[2\]\/id: .*\(required\)/);
    assert.match(text, /triggers\[3\]\/sink\/url: /);
    assert.match(text, /triggers\[4\]\/id: ok is declared twice/);
    assert.ok(
      text.split("\n").every((l) => l.startsWith(`config file ${file}: triggers[`)),
      text,
    );
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ triggers: { id: "x" } }));
    const notList = loadConfig({ configFile: other, env: {}, cwd: dir });
    assert.match(formatConfigIssues(notList.ok ? [] : notList.issues), /triggers: must be a list/);
  });
});
