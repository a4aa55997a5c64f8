/**
 * Router suite: delivery fan-out throughput and ingest → delivered latency, per delivery engine, side by side in
 * one run. Three kinds of process, so no measurement shares an event loop with what it measures: the hub
 * (`bench/router-server.ts`, a fresh database per case), the sink (`bench/router-sink.ts`: answers 200 at once,
 * or after 2 s under `/slow/`, and timestamps arrivals) and this process, the load generator.
 *
 * - **Latency**: single events, open-loop at a fixed rate (default 1,000/s for 10 s, after a 2 s warm-up), paced
 *   on keep-alive connections; one subscription. Latency = the sink's arrival time − the client's send time (one
 *   clock: both are epoch ms from `performance.timeOrigin + performance.now()` on the same machine). Every event
 *   must be delivered. The baseline is the bare sink hit directly by the same paced client: the physical floor.
 * - **Slow sink**: the same, plus a second subscription whose sink takes 2 s per request (its backlog grows all
 *   the time): the ingest answer time and the fast subscription's latency must not suffer.
 * - **Fan-out**: 1, 10 and 100 subscriptions (every event matches each), events ingested as fast as the hub takes
 *   them (batches of 100 on 4 connections) until `ROUTER_FANOUT_DELIVERIES` deliveries are due; deliveries/s from
 *   the first ingest request to the last delivery's arrival.
 *
 * Engines: SQLite (embedded), PostgreSQL, NATS JetStream with PostgreSQL (skipped when a server is unreachable).
 * Adding one is one entry of `ENGINES`: its label and the hub settings that select it.
 *
 * Environment: `ROUTER_ENGINES` (default `sqlite,postgres,nats`), `ROUTER_CASES` (default `latency,slow,fanout`),
 * `ROUTER_RATE` (events/s, default 1000), `ROUTER_DURATION_S` (default 10), `ROUTER_WARMUP_S` (default 2),
 * `ROUTER_FANOUT` (subscription counts, default `1,10,100`), `ROUTER_FANOUT_DELIVERIES` (default 30000),
 * `ROUTER_SLOW_MS` (default 2000), `CAIRN_BENCH_PG`, `CAIRN_BENCH_NATS` (default `nats://127.0.0.1:4222`), `ROUTER_CPU_PROF` (a directory: profile each hub child), `ROUTER_NODE_FLAGS` (Node flags for the hub child instead of those `cairn serve` runs with),
 * `ROUTER_DATA_DIR` (parent of the SQLite data directories, default the OS temp directory), `ROUTER_LATENCY_DUMP`
 * (a path prefix: each latency case writes `<prefix>-<case>.txt`, one line per delivered event: its send time in ms
 * since the paced run began, and its latency in ms — to see when the slow ones happened).
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "nats";
import { dropSchema, IdSource, listEnv, pgReachable, positiveEnv, serveNodeFlags } from "./bench-env.ts";
import { type Bench, fmtRate, type Suite } from "./harness.ts";
import {
  ask,
  type Child,
  cpuSeconds,
  ingestBatches,
  nowMs,
  type PacedRun,
  paced,
  profileFlags,
  startChild,
  stopChild,
  subscribe,
} from "./router-load.ts";
import type { SinkArrivals, SinkCounts } from "./router-sink.ts";

/** Targets the issue sets for delivery. */
export const ROUTER_TARGETS = {
  /** Ingest → delivered p99 at 1k events/s on the embedded engine, ms. */
  p99Ms: 20,
} as const;

// Compiled (`npm run bench` builds it first), so the hub child runs as `cairn serve` does: see `scripts/build.ts`.
const SERVER = fileURLToPath(new URL("./dist/router-server.js", import.meta.url));
const SINK = fileURLToPath(new URL("./router-sink.ts", import.meta.url));
const INGEST = "/api/v1/events";

/** A delivery engine under test: the hub settings that select it. */
interface Engine {
  readonly id: string;
  readonly label: string;
  /** `--set key=value` settings of the hub; `tag` is unique per case (schemas, streams). */
  readonly settings: (s: Settings, tag: string) => string[];
  /** Why it cannot run here, or null. */
  readonly unavailable?: (s: Settings) => Promise<string | null>;
  /** Removes what a case left outside its data directory. */
  readonly cleanup?: (s: Settings, tag: string) => Promise<void>;
}

const ENGINES: readonly Engine[] = [
  { id: "sqlite", label: "hub, SQLite (embedded)", settings: () => [] },
  {
    id: "postgres",
    label: "hub, PostgreSQL",
    settings: (s, tag) => [`store=${s.pgUrl}`, `postgres.schema=cairn_bench_${tag}`],
    unavailable: (s) => pgReachable(s.pgUrl),
    cleanup: (s, tag) => dropSchema("router", s.pgUrl, `cairn_bench_${tag}`),
  },
  {
    // Deliveries in JetStream streams (a prefix per case), the rest in PostgreSQL: see docs/router.md.
    id: "nats",
    label: "hub, NATS JetStream (+ PostgreSQL)",
    settings: (s, tag) => [
      `store=${s.pgUrl}`,
      `postgres.schema=cairn_bench_${tag}`,
      `nats.url=${s.natsUrl}`,
      `nats.prefix=${natsPrefix(tag)}`,
    ],
    unavailable: async (s) => (await pgReachable(s.pgUrl)) ?? (await natsReachable(s.natsUrl)),
    cleanup: async (s, tag) => {
      await dropSchema("router", s.pgUrl, `cairn_bench_${tag}`);
      await dropStreams(s.natsUrl, natsPrefix(tag));
    },
  },
];

// A JetStream prefix (≤ 32 characters) unique to a case.
const natsPrefix = (tag: string): string => `cb_${tag}`.slice(0, 32);

interface Settings {
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly fanout: readonly number[];
  readonly fanoutDeliveries: number;
  readonly slowMs: number;
  readonly pgUrl: string;
  readonly natsUrl: string;
  readonly runTag: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes of one case.

interface Running {
  readonly hub: Child;
  readonly sink: Child;
  close(): Promise<void>;
}

async function startCase(engine: Engine, s: Settings, name: string): Promise<Running> {
  const tag = `${s.runTag}_${name.replaceAll("-", "_")}`;
  const parent = process.env.ROUTER_DATA_DIR ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `cairn-bench-router-${name}-`));
  const sink = await startChild(SINK, ["--slow-ms", String(s.slowMs)], ["--v8-pool-size=0"]);
  let hub: Child;
  try {
    const sets = engine.settings(s, tag).flatMap((x) => ["--set", x]);
    hub = await startChild(
      SERVER,
      ["--data", dir, ...sets],
      [...serveNodeFlags(process.env.ROUTER_NODE_FLAGS), ...profileFlags(process.env.ROUTER_CPU_PROF, name)],
    );
  } catch (e) {
    await stopChild(sink);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    hub,
    sink,
    close: async () => {
      await stopChild(hub);
      await stopChild(sink);
      rmSync(dir, { recursive: true, force: true });
      await engine.cleanup?.(s, tag);
    },
  };
}

const counts = (sink: Child): Promise<SinkCounts> => ask<SinkCounts>(sink, "counts");

/** Polls the sink until `done(counts)`, or until nothing arrived for `stallMs`; resolves to the last counts. */
async function until(sink: Child, done: (c: SinkCounts) => boolean, stallMs = 30_000): Promise<SinkCounts> {
  let last = await counts(sink);
  let progressAt = nowMs();
  let seen = -1;
  while (!done(last) && nowMs() - progressAt < stallMs) {
    await new Promise((r) => setTimeout(r, 50));
    last = await counts(sink);
    const total = last.counts.fanout + last.counts.lat;
    if (total !== seen) {
      seen = total;
      progressAt = nowMs();
    }
  }
  return last;
}

// ---------------------------------------------------------------------------------------------------------------
// Latency cases.

interface LatencyResult {
  readonly label: string;
  readonly sent: number;
  readonly delivered: number;
  readonly rate: number;
  readonly ingestP50: number;
  readonly ingestP99: number;
  readonly ingestFailures: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Share of one core, during the timed run. */
  readonly hubCpu: number;
}

const pct = (sorted: Float64Array, p: number): number => sorted[Math.floor(p * (sorted.length - 1))] ?? Number.NaN;

function latencyOf(run: PacedRun, arrivals: readonly [string, number][]): Float64Array {
  const out: number[] = [];
  for (const [id, at] of arrivals) {
    const sent = run.sent.get(id);
    if (sent !== undefined) out.push(at - sent);
  }
  return Float64Array.from(out).sort();
}

// Per delivered event, in send order: ms since `t0` when it was sent, and its latency in ms.
function latencyDump(run: PacedRun, arrivals: readonly [string, number][], t0: number): string {
  const rows: [number, number][] = [];
  for (const [id, at] of arrivals) {
    const sent = run.sent.get(id);
    if (sent !== undefined) rows.push([sent - t0, at - sent]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  return `${rows.map(([s, l]) => `${s.toFixed(2)} ${l.toFixed(2)}`).join("\n")}\n`;
}

function result(label: string, run: PacedRun, lat: Float64Array, hubCpu: number): LatencyResult {
  return {
    label,
    sent: run.sent.size,
    delivered: lat.length,
    rate: run.rate,
    ingestP50: pct(run.answerMs, 0.5),
    ingestP99: pct(run.answerMs, 0.99),
    ingestFailures: run.failures,
    p50: pct(lat, 0.5),
    p90: pct(lat, 0.9),
    p99: pct(lat, 0.99),
    max: lat.at(-1) ?? Number.NaN,
    hubCpu,
  };
}

async function bareCase(s: Settings): Promise<LatencyResult> {
  const sink = await startChild(SINK, [], ["--v8-pool-size=0"]);
  try {
    const ids = new IdSource();
    await paced(`${sink.url}/lat`, s.rate, s.warmupS, 200, ids);
    await ask<SinkArrivals>(sink, "arrivals");
    const run = await paced(`${sink.url}/lat`, s.rate, s.durationS, 200, ids);
    const { arrivals } = await ask<SinkArrivals>(sink, "arrivals");
    return result("bare sink (the paced client → the sink directly)", run, latencyOf(run, arrivals), Number.NaN);
  } finally {
    await stopChild(sink);
  }
}

async function latencyCase(engine: Engine, s: Settings, slow: boolean): Promise<LatencyResult> {
  const name = `${engine.id}-${slow ? "slow" : "latency"}`;
  process.stderr.write(`  router/${name}: starting\n`);
  const c = await startCase(engine, s, name);
  try {
    await subscribe(c.hub.url, `${c.sink.url}/lat`);
    if (slow) await subscribe(c.hub.url, `${c.sink.url}/slow/1`);
    const ids = new IdSource();
    const warm = await paced(`${c.hub.url}${INGEST}`, s.rate, s.warmupS, 202, ids);
    if (warm.failures > 0) throw new Error(`the hub refuses the bench's events: ${warm.sampleFailure}`);
    await until(c.sink, (x) => x.counts.lat >= warm.sent.size);
    await ask<SinkArrivals>(c.sink, "arrivals");
    const cpu0 = cpuSeconds(c.hub.process.pid);
    const t0 = nowMs();
    const run = await paced(`${c.hub.url}${INGEST}`, s.rate, s.durationS, 202, ids);
    const cpu = (cpuSeconds(c.hub.process.pid) - cpu0) / ((nowMs() - t0) / 1000);
    await until(c.sink, (x) => x.counts.lat >= warm.sent.size + run.sent.size);
    const { arrivals } = await ask<SinkArrivals>(c.sink, "arrivals");
    const label = `${engine.label}${slow ? `, plus a subscription to a ${s.slowMs / 1000} s sink` : ""}`;
    const r = result(label, run, latencyOf(run, arrivals), cpu);
    const dump = process.env.ROUTER_LATENCY_DUMP;
    if (dump) writeFileSync(`${dump}-${name}.txt`, latencyDump(run, arrivals, t0));
    process.stderr.write(
      `  router/${name}: ${r.delivered}/${r.sent} delivered, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, ` +
        `max ${fmtMs(r.max)}; ingest p99 ${fmtMs(r.ingestP99)}; hub CPU ${fmtCpu(cpu)}\n`,
    );
    return r;
  } finally {
    await c.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fan-out cases.

interface FanoutResult {
  readonly engine: Engine;
  readonly subscriptions: number;
  readonly events: number;
  readonly expected: number;
  readonly delivered: number;
  readonly ingestPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly seconds: number;
  readonly hubCpu: number;
}

async function fanoutCase(engine: Engine, s: Settings, k: number): Promise<FanoutResult> {
  const name = `${engine.id}-fanout${k}`;
  process.stderr.write(`  router/${name}: starting\n`);
  const c = await startCase(engine, s, name);
  try {
    for (let i = 0; i < k; i++) await subscribe(c.hub.url, `${c.sink.url}/f/${i}`);
    const ids = new IdSource();
    // Warm-up: a few deliveries each, then the counts start from zero.
    await ingestBatches(c.hub.url, 20, 20, 1, ids);
    await until(c.sink, (x) => x.counts.fanout >= 20 * k);
    await ask(c.sink, "reset");
    const events = Math.max(100, Math.round(s.fanoutDeliveries / k));
    const expected = events * k;
    const cpu0 = cpuSeconds(c.hub.process.pid);
    const t0 = nowMs();
    await ingestBatches(c.hub.url, events, 100, 4, ids);
    const ingested = nowMs();
    const last = await until(c.sink, (x) => x.counts.fanout >= expected);
    const seconds = (last.lastArrivalMs - t0) / 1000;
    const r: FanoutResult = {
      engine,
      subscriptions: k,
      events,
      expected,
      delivered: last.counts.fanout,
      ingestPerSecond: events / ((ingested - t0) / 1000),
      deliveriesPerSecond: last.counts.fanout / seconds,
      seconds,
      hubCpu: (cpuSeconds(c.hub.process.pid) - cpu0) / ((nowMs() - t0) / 1000),
    };
    process.stderr.write(
      `  router/${name}: ${r.delivered}/${expected} delivered in ${seconds.toFixed(1)} s = ` +
        `${fmtRate(r.deliveriesPerSecond)} deliveries/s; ingest ${fmtRate(r.ingestPerSecond)} events/s\n`,
    );
    return r;
  } finally {
    await c.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL helpers.

// ---------------------------------------------------------------------------------------------------------------
// NATS helpers.

async function natsReachable(url: string): Promise<string | null> {
  try {
    const nc = await connect({ servers: url.replace(/^nats:\/\//, ""), timeout: 3000 });
    await nc.jetstreamManager();
    await nc.close();
    return null;
  } catch (e) {
    return `${url} is unreachable or has no JetStream (${e instanceof Error ? e.message : String(e)})`;
  }
}

// The engine's streams are named <PREFIX>_…: the case's are deleted.
async function dropStreams(url: string, prefix: string): Promise<void> {
  try {
    const nc = await connect({ servers: url.replace(/^nats:\/\//, ""), timeout: 3000 });
    const jsm = await nc.jetstreamManager();
    for (const info of await jsm.streams.list().next())
      if (info.config.name.startsWith(`${prefix.toUpperCase()}_`)) await jsm.streams.delete(info.config.name);
    await nc.close();
  } catch (e) {
    process.stderr.write(`  router: could not delete streams ${prefix}_*: ${e instanceof Error ? e.message : e}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const fmtMs = (ms: number): string =>
  Number.isNaN(ms) ? "—" : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const fmtCpu = (share: number): string => (Number.isNaN(share) ? "—" : `${Math.round(share * 100)}%`);

function latencyTable(rows: readonly LatencyResult[]): string {
  const lines = [
    "| Contender | sent (events/s) | delivered | ingest answer p50 / p99 | delivered p50 | p90 | p99 | max | hub CPU |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.label} | ${fmtRate(r.sent)} (${fmtRate(r.rate)}/s) | ${fmtRate(r.delivered)}${r.delivered < r.sent ? " **missing**" : ""} | ` +
        `${fmtMs(r.ingestP50)} / ${fmtMs(r.ingestP99)}${r.ingestFailures > 0 ? ` (${r.ingestFailures} failed)` : ""} | ` +
        `${fmtMs(r.p50)} | ${fmtMs(r.p90)} | ${fmtMs(r.p99)} | ${fmtMs(r.max)} | ${fmtCpu(r.hubCpu)} |`,
    );
  return lines.join("\n");
}

function fanoutTable(rows: readonly FanoutResult[]): string {
  const lines = [
    "| Engine | subscriptions | events | deliveries | ingest events/s | deliveries/s | all delivered after | hub CPU |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.engine.label} | ${r.subscriptions} | ${fmtRate(r.events)} | ${fmtRate(r.delivered)}` +
        `${r.delivered < r.expected ? ` of ${fmtRate(r.expected)} **stalled**` : ""} | ${fmtRate(r.ingestPerSecond)} | ` +
        `${fmtRate(r.deliveriesPerSecond)} | ${r.seconds.toFixed(1)} s | ${fmtCpu(r.hubCpu)} |`,
    );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// The suite.

async function run(bench: Bench): Promise<void> {
  const engineIds = listEnv(
    "ROUTER_ENGINES",
    ENGINES.map((e) => e.id),
  );
  const cases = listEnv("ROUTER_CASES", ["latency", "slow", "fanout"]);
  const s: Settings = {
    rate: positiveEnv("ROUTER_RATE", 1000),
    durationS: positiveEnv("ROUTER_DURATION_S", 10),
    warmupS: positiveEnv("ROUTER_WARMUP_S", 2),
    fanout: (process.env.ROUTER_FANOUT ?? "1,10,100").split(",").map(Number),
    fanoutDeliveries: positiveEnv("ROUTER_FANOUT_DELIVERIES", 30_000),
    slowMs: positiveEnv("ROUTER_SLOW_MS", 2000),
    pgUrl: process.env.CAIRN_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test",
    natsUrl: process.env.CAIRN_BENCH_NATS ?? "nats://127.0.0.1:4222",
    runTag: randomUUID().replaceAll("-", "").slice(0, 10),
  };
  const started = performance.now();
  bench.print("## Router\n");
  bench.print(
    "Three processes: the hub (a fresh database per case), an HTTP sink (answers 200 at once; 2 s under `/slow/`) " +
      "and the load generator. Latency: single binary-mode events sent open-loop at a fixed rate on keep-alive " +
      `connections (${fmtRate(s.rate)}/s for ${s.durationS} s after a ${s.warmupS} s warm-up), one subscription; ` +
      "ingest → delivered = the sink's arrival time − the client's send time (one clock). Fan-out: events ingested " +
      "as fast as the hub takes them (batches of 100, 4 connections), every event matching every subscription; " +
      "deliveries/s from the first ingest request to the last arrival. Hub CPU is a share of one core.\n",
  );
  const engines: Engine[] = [];
  for (const e of ENGINES.filter((x) => engineIds.includes(x.id))) {
    const why = (await e.unavailable?.(s)) ?? null;
    if (why === null) engines.push(e);
    else bench.print(`> ${e.label} skipped: ${why}.\n`);
  }
  const latency: LatencyResult[] = [];
  if (cases.includes("latency") || cases.includes("slow")) latency.push(await bareCase(s));
  for (const e of engines) {
    if (cases.includes("latency")) latency.push(await latencyCase(e, s, false));
    if (cases.includes("slow")) latency.push(await latencyCase(e, s, true));
  }
  const fanout: FanoutResult[] = [];
  if (cases.includes("fanout"))
    for (const e of engines) for (const k of s.fanout) fanout.push(await fanoutCase(e, s, k));

  if (latency.length > 0) {
    bench.print("### Ingest → delivered latency\n");
    bench.print(latencyTable(latency));
    bench.print();
  }
  if (fanout.length > 0) {
    bench.print("### Fan-out throughput\n");
    bench.print(fanoutTable(fanout));
    bench.print();
  }
  const lines: string[] = [];
  const sqlite = latency.find((r) => r.label === ENGINES[0]?.label);
  if (sqlite)
    lines.push(
      `- ${sqlite.p99 <= ROUTER_TARGETS.p99Ms && sqlite.delivered === sqlite.sent ? "**PASS**" : "**FAIL**"} ` +
        `ingest → delivered p99 at ${fmtRate(sqlite.rate)} events/s, embedded: ${fmtMs(sqlite.p99)} ` +
        `(target ≤ ${ROUTER_TARGETS.p99Ms} ms), ${fmtRate(sqlite.delivered)} of ${fmtRate(sqlite.sent)} delivered`,
    );
  for (const e of engines) {
    const plain = latency.find((r) => r.label === e.label);
    const slow = latency.find((r) => r.label.startsWith(`${e.label},`));
    if (plain && slow)
      lines.push(
        `- slow sink, ${e.label}: ingest answer p99 ${fmtMs(slow.ingestP99)} with a ${s.slowMs / 1000} s sink vs ` +
          `${fmtMs(plain.ingestP99)} without; the fast subscription's delivered p99 ${fmtMs(slow.p99)} vs ${fmtMs(plain.p99)}`,
      );
  }
  if (lines.length > 0) {
    bench.print("### Targets\n");
    bench.print(lines.join("\n"));
    bench.print();
    bench.summary.push(...lines);
  }
  bench.print("### Raw results (JSON)\n");
  bench.printJson({ latency, fanout: fanout.map((f) => ({ ...f, engine: f.engine.id })) });
  bench.print();
  bench.print(`Router suite run time: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The router suite. */
export const routerSuite: Suite = {
  name: "router",
  description: "delivery: fan-out throughput (1/10/100 subscriptions) and ingest → delivered latency at 1k events/s",
  run,
};
