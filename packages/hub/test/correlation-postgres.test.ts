/**
 * Correlation triggers on PostgreSQL with two hub replicas sharing one schema: a trigger created on one is used by
 * the other, the two halves of each join arrive through different replicas, and every join fires once (one
 * emitted event, one sink call). Skipped without a server, except under CI.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { built, deployed, emitted, shipTrigger } from "./correlation-helpers.ts";
import { startTestHub, type TestHub, tempDir } from "./hub-helpers.ts";
import { call, eventually, send } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";
import { PG_URL, tempSchema, whenPostgres } from "./store-pg-env.ts";

whenPostgres("correlation on PostgreSQL", () =>
  describe("correlation on PostgreSQL: two replicas", () => {
    let a: TestHub;
    let b: TestHub;
    let sink: TestSink;
    before(async () => {
      sink = await TestSink.start();
      const settings = { "log.level": "silent", store: PG_URL, "postgres.schema": tempSchema(), shutdownTimeout: "1s" };
      a = await startTestHub(settings, { dir: tempDir() });
      b = await startTestHub(settings, { dir: tempDir() });
    });
    after(async () => {
      await a.stop();
      await b.stop();
      await sink.down();
    });

    it("joins events sent to either replica; every join fires once", { timeout: 30_000 }, async () => {
      const created = await call(a.url, "POST", "/api/v1/triggers", shipTrigger("pg", "PT1M", sink.url("/pg")));
      assert.equal(created.status, 201, JSON.stringify(created.json));
      await eventually(async () => (await call(b.url, "GET", "/api/v1/triggers/pg")).status === 200);
      const keys = Array.from({ length: 10 }, (_, i) => `pg-${i}`);
      await send(
        a.url,
        keys.map((k) => built(k)),
      );
      await send(
        b.url,
        keys.map((k) => deployed(k)),
      );
      await sink.until(() => sink.at("/pg").length >= keys.length, 20_000, "every sink call");
      const events = await eventually(async () => {
        const list = await emitted(b.url, "pg");
        return list.length >= keys.length ? list : null;
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await emitted(a.url, "pg")).length, keys.length, "each join fired once");
      const subjects = events.map((e) => (e.event as { subject: { id: string } }).subject.id);
      assert.deepEqual(new Set(subjects), new Set(keys));
      assert.equal(sink.at("/pg").length, keys.length, "one sink call per join");
    });
  }),
);
