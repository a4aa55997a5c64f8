/** The `nats.*` keys: NATS JetStream as the delivery engine needs the PostgreSQL store. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "../src/config/config.ts";

const source = (values: Record<string, unknown>) => ({
  values: new Map(Object.entries(values)),
  origin: (key: string) => `test ${key}`,
});

describe("config: nats.url and nats.prefix", () => {
  it("is off by default", () => {
    const r = resolveConfig([source({})], "/tmp");
    assert.ok(r.ok);
    assert.equal(r.config.bus, null);
  });

  it("chooses JetStream with the PostgreSQL store, prefix cairn unless set", () => {
    const r = resolveConfig([source({ store: "postgres://db/x", "nats.url": "nats://127.0.0.1:4222" })], "/tmp");
    assert.ok(r.ok);
    assert.deepEqual(r.config.bus, { kind: "nats", url: "nats://127.0.0.1:4222", prefix: "cairn" });
    const p = resolveConfig(
      [source({ store: "postgres://db/x", "nats.url": "nats://a:4222,nats://b:4222", "nats.prefix": "prod-1" })],
      "/tmp",
    );
    assert.ok(p.ok);
    assert.equal(p.config.bus?.prefix, "prod-1");
  });

  it("refuses SQLite + NATS, naming the key", () => {
    const r = resolveConfig([source({ "nats.url": "nats://127.0.0.1:4222" })], "/tmp");
    assert.ok(!r.ok);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]?.key, "nats.url");
    assert.match(r.issues[0]?.message ?? "", /PostgreSQL store/);
  });

  it("refuses a bad URL or prefix", () => {
    const r = resolveConfig(
      [source({ store: "postgres://db/x", "nats.url": "http://x", "nats.prefix": "a.b" })],
      "/tmp",
    );
    assert.ok(!r.ok);
    assert.deepEqual(r.issues.map((i) => i.key).sort(), ["nats.prefix", "nats.url"]);
  });
});
