/**
 * The delivery engine on PostgreSQL with two hub replicas sharing one schema: a subscription created on one is
 * used by the other, every event is routed once (the cursor moves by compare-and-set) and delivered once,
 * maxInFlight holds across replicas, and dead letters are visible from both. Skipped without a server, except
 * under CI.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildFinished, startTestHub, type TestHub, tempDir } from "./hub-helpers.ts";
import { call, deadLetters, eventually, send, subscribe } from "./router-helpers.ts";
import { maxOverlap, TestSink } from "./sink-server.ts";
import { PG_URL, tempSchema, whenPostgres } from "./store-pg-env.ts";

whenPostgres("router on PostgreSQL", () =>
  describe("router on PostgreSQL: two replicas", () => {
    let a: TestHub;
    let b: TestHub;
    let sink: TestSink;
    before(async () => {
      sink = await TestSink.start();
      const settings = {
        "log.level": "silent",
        store: PG_URL,
        "postgres.schema": tempSchema(),
        shutdownTimeout: "1s",
      };
      a = await startTestHub(settings, { dir: tempDir() });
      b = await startTestHub(settings, { dir: tempDir() });
    });
    after(async () => {
      await a.stop();
      await b.stop();
      await sink.down();
    });

    it("delivers every event once, with maxInFlight across replicas", { timeout: 30_000 }, async () => {
      sink.on("/shared", () => ({ status: 200, delayMs: 30 }));
      const id = await subscribe(a.url, { sink: sink.url("/shared"), source: "/pg", delivery: { maxInFlight: 3 } });
      await eventually(async () => (await call(b.url, "GET", `/api/v1/subscriptions/${id}`)).status === 200);
      const events = Array.from({ length: 20 }, () => buildFinished({ source: "/pg" }));
      await send(a.url, events.slice(0, 10));
      await send(b.url, events.slice(10));
      await sink.until(() => sink.at("/shared").filter((r) => r.answeredAt !== undefined).length >= 20, 20_000);
      const got = sink.at("/shared").map((r) => r.headers["ce-id"]);
      assert.deepEqual(new Set(got), new Set(events.map((e) => e.context.id)));
      assert.equal(got.length, 20, "each event delivered once");
      assert.ok(maxOverlap(sink.at("/shared")) <= 3, `overlap ${maxOverlap(sink.at("/shared"))}`);
    });

    it("dead letters and replays work from either replica", { timeout: 30_000 }, async () => {
      let accept = false;
      sink.on("/pg-dead", () => (accept ? { status: 200 } : { status: 422 }));
      const id = await subscribe(b.url, { sink: sink.url("/pg-dead"), source: "/pg-dead" });
      await eventually(async () => (await call(a.url, "GET", `/api/v1/subscriptions/${id}`)).status === 200);
      await send(a.url, [buildFinished({ source: "/pg-dead" })]);
      const [dl] = await eventually(async () => {
        const l = await deadLetters(b.url, `?subscription=${id}`);
        return l.length ? l : null;
      });
      assert.equal(dl?.lastStatus, 422);
      accept = true;
      assert.equal((await call(a.url, "POST", "/api/v1/deadletters/replay", { subscription: id })).json.replayed, 1);
      await sink.until(() => sink.at("/pg-dead").length === 2);
      assert.equal(sink.at("/pg-dead")[1]?.headers["cairn-delivery-attempt"], "1");
    });
  }),
);
