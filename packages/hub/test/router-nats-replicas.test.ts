/**
 * Scale-out delivery on NATS JetStream + PostgreSQL: two child `cairn serve` replicas share one PostgreSQL schema
 * and one NATS prefix. In normal operation every event sent to either is delivered exactly once (by delivery id
 * and by event id). Then one replica is killed with SIGKILL mid-stream while the other keeps running: every event
 * a replica acknowledged is still delivered at least once (its in-flight deliveries come back after `ack_wait`),
 * and the duplicates this costs are reported. Nothing is timed. Skipped without NATS or PostgreSQL, except under
 * CI.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type CDEvent, toHttp } from "@cairn/cdevents";
import { buildFinished } from "./hub-helpers.ts";
import { NATS_URL, tempPrefix, whenNatsAndPostgres } from "./nats-env.ts";
import { call, eventually, subscribe } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";
import { PG_URL, tempSchema } from "./store-pg-env.ts";

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));

interface Replica {
  readonly process: ChildProcess;
  readonly url: string;
}

async function serve(schema: string, prefix: string): Promise<Replica> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CAIRN_") && v !== undefined) env[k] = v;
  const args = ["serve", "--port", "0", "--store", PG_URL, "--nats", NATS_URL, "--log-level", "warn"];
  const child = spawn(process.execPath, [CLI, ...args, "--shutdown-timeout", "1s"], {
    env: { ...env, CAIRN_PG_SCHEMA: schema, CAIRN_NATS_PREFIX: prefix },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let seen = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      seen = (seen + chunk.toString("utf8")).slice(-8000);
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code, signal) => reject(new Error(`cairn serve exited (${code ?? signal}):\n${seen}`)));
  });
  return { process: child, url };
}

function exit(r: Replica, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (r.process.exitCode !== null || r.process.signalCode !== null) return resolve();
    r.process.once("exit", () => resolve());
    r.process.kill(signal);
  });
}

/** Sends events one request each; resolves to the ids the hub acknowledged (202), stopping at the first failure. */
async function sendAll(base: string, events: readonly CDEvent[]): Promise<string[]> {
  const acked: string[] = [];
  for (const e of events) {
    const m = toHttp(e);
    try {
      const res = await fetch(`${base}/api/v1/events`, {
        method: "POST",
        headers: m.headers as Record<string, string>,
        body: m.body as string,
      });
      await res.arrayBuffer();
      if (res.status !== 202) break;
      acked.push(e.context.id);
    } catch {
      break; // the replica died
    }
  }
  return acked;
}

const count = (values: readonly string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
};

whenNatsAndPostgres("router on NATS JetStream", () =>
  describe("router on NATS JetStream + PostgreSQL: two replicas", () => {
    const schema = tempSchema();
    const prefix = tempPrefix();
    let a: Replica;
    let b: Replica;
    let sink: TestSink;
    before(async () => {
      sink = await TestSink.start();
      // One after the other: the first creates the schema and the streams.
      a = await serve(schema, prefix);
      b = await serve(schema, prefix);
    });
    after(async () => {
      await Promise.all([exit(a, "SIGTERM"), exit(b, "SIGTERM")]);
      await sink.down();
    });

    it("delivers each event exactly once in normal operation", { timeout: 60_000 }, async () => {
      const ready = await call(a.url, "GET", "/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.json.bus, { engine: "jetstream", ok: true });
      const id = await subscribe(a.url, {
        sink: sink.url("/once"),
        source: "/nats-once",
        delivery: { timeout: 2000, maxInFlight: 16 },
      });
      await eventually(async () => (await call(b.url, "GET", `/api/v1/subscriptions/${id}`)).status === 200);
      const events = Array.from({ length: 300 }, () => buildFinished({ source: "/nats-once" }));
      const acked = (
        await Promise.all([
          sendAll(
            a.url,
            events.filter((_e, i) => i % 2 === 0),
          ),
          sendAll(
            b.url,
            events.filter((_e, i) => i % 2 === 1),
          ),
        ])
      ).flat();
      assert.equal(acked.length, 300);
      await sink.until(() => sink.at("/once").filter((r) => r.answeredAt !== undefined).length >= 300, 40_000);
      // A late duplicate would arrive within moments; give it the chance before counting.
      await new Promise((r) => setTimeout(r, 1500));
      const got = sink.at("/once");
      const byDelivery = count(got.map((r) => r.headers["cairn-delivery-id"] ?? ""));
      const byEvent = count(got.map((r) => r.headers["ce-id"] ?? ""));
      assert.deepEqual(new Set(byEvent.keys()), new Set(events.map((e) => e.context.id)));
      assert.equal(got.length, 300, "each event delivered once");
      assert.ok([...byDelivery.values()].every((n) => n === 1));
      assert.ok(got.every((r) => r.headers["cairn-delivery-attempt"] === "1"));
    });

    it("loses nothing when one replica is killed mid-stream", { timeout: 60_000 }, async (t) => {
      sink.on("/kill", () => ({ status: 200, delayMs: 20 }));
      const id = await subscribe(b.url, {
        sink: sink.url("/kill"),
        source: "/nats-kill",
        delivery: { timeout: 1000, maxInFlight: 8, retry: 20, backoffDelay: 50, jitter: 0 },
      });
      await eventually(async () => (await call(a.url, "GET", `/api/v1/subscriptions/${id}`)).status === 200);
      const events = Array.from({ length: 300 }, () => buildFinished({ source: "/nats-kill" }));
      const toA = sendAll(
        a.url,
        events.filter((_e, i) => i % 2 === 0),
      );
      const toB = sendAll(
        b.url,
        events.filter((_e, i) => i % 2 === 1),
      );
      // Kill A once deliveries are flowing: some of its claims are in flight, some of its events not yet routed.
      await sink.until(() => sink.at("/kill").length >= 60, 30_000);
      await exit(a, "SIGKILL");
      const acked = new Set((await Promise.all([toA, toB])).flat());
      assert.ok(acked.size >= 150, `acknowledged ${acked.size}`);
      const delivered = () => new Set(sink.at("/kill").map((r) => r.headers["ce-id"] ?? ""));
      await sink.until(() => [...acked].every((e) => delivered().has(e)), 40_000, "every acknowledged event");
      const got = sink.at("/kill");
      const duplicates = got.length - new Set(got.map((r) => r.headers["ce-id"])).size;
      t.diagnostic(`acknowledged ${acked.size}, delivered ${got.length} requests, duplicates ${duplicates}`);
      assert.ok(
        [...acked].every((e) => delivered().has(e)),
        "no acknowledged event lost",
      );
    });
  }),
);
