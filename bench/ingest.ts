/**
 * Hub ingest suite: `POST /api/v1/events` throughput and latency, single events (CloudEvents binary mode) and
 * batches (`application/cloudevents-batch+json`), against a bare `node:http` server (reads the body, answers 202:
 * the physical limit), the hub on SQLite and the hub on PostgreSQL.
 *
 * Each case runs a fresh server child (`bench/ingest-server.ts`: a fresh database, a fresh PostgreSQL schema that
 * is dropped afterwards) and drives it with autocannon from this process: a short warm-up, then the timed run.
 * Cases run in rounds, and within a round mode by mode with the servers side by side (bare, SQLite, PostgreSQL), so
 * that a ratio to the bare server compares runs a few seconds apart: the speed of a shared virtual machine drifts
 * by tens of percent within minutes. Verdicts take the median over rounds (of each round's ratio, for ratios).
 * Every event carries an id never sent before (a random UUID prefix per case plus a counter), so no answer is a
 * duplicate; every answer must be 202, anything else is counted and printed. Afterwards the hub's own count of
 * stored events must lie between the events acknowledged and the events sent. The server child's RSS
 * (`/proc/<pid>/status` VmRSS) and CPU time are sampled every 100 ms under load. When SQLite and a batch mode are
 * measured, each round starts with the raw-SQL baseline (`raw-sqlite.ts`: the hub's schema, ready rows, fsynced
 * commits of 1000, one thread), and the batch verdicts give the hub's share of it.
 *
 * Environment: `INGEST_DURATION_S` (timed seconds per case, default 10), `INGEST_WARMUP_S` (default 2),
 * `INGEST_ROUNDS` (default 3),
 * `INGEST_SERVERS` (default `bare,sqlite,postgres`), `INGEST_RAW_SQL` (`0`: no raw-SQL baseline), `INGEST_MODES` (default `single,batch100,batch1000`),
 * `CAIRN_BENCH_PG` (default `postgres://postgres@127.0.0.1:5432/test`), `INGEST_CPU_PROF` (a directory: profile
 * each server child with `--cpu-prof`, one subdirectory per case, one profile per thread), `INGEST_STDOUT` (a file
 * the server children's standard output is appended to, e.g. for `--trace-gc-nvp`; default none),
 * `INGEST_NODE_FLAGS` (Node flags for a hub child instead of those `cairn serve` runs with, read from the CLI's
 * `#!` line; e.g. `--max-semi-space-size=16`, or empty for none), `INGEST_DATA_DIR` (parent of the SQLite data
 * directories, default the OS temp directory; it should be on the disk a real deployment would use, since commits fsync).
 * @module
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toHttp, toHttpBatch } from "../packages/cdevents/src/index.ts";
import { COMPILED, dropSchema, IdSource, listEnv, pgReachable, positiveEnv, serveNodeFlags } from "./bench-env.ts";
import { BenchSetupError } from "./corpus.ts";
import { type Bench, fmtRate, fmtRatio, type Suite } from "./harness.ts";
import { PLACEHOLDER, templateEvent } from "./ingest-event.ts";
import type { ServerMemory, ServerReady } from "./ingest-server.ts";
import type { RawSqliteResult } from "./raw-sqlite.ts";

/** Targets the issue sets for the hub's ingest. */
export const INGEST_TARGETS = {
  /** Single-event durable ingest requests/s ÷ the bare server's. */
  singleVsBare: 1 / 3,
  /** Batch ingest events/s on SQLite. */
  batchEventsPerSecond: 50_000,
  /** Largest resident set of the hub under sustained load, in bytes. */
  maxRssBytes: 250 * 2 ** 20,
} as const;

type ServerKind = "bare" | "sqlite" | "postgres";
type ModeName = "single" | "batch100" | "batch1000";

interface Mode {
  readonly name: ModeName;
  readonly label: string;
  /** Events per request. */
  readonly events: number;
  /** Concurrent keep-alive connections. */
  readonly connections: number;
}

const MODES: readonly Mode[] = [
  { name: "single", label: "single event (binary)", events: 1, connections: 64 },
  { name: "batch100", label: "batch of 100", events: 100, connections: 32 },
  { name: "batch1000", label: "batch of 1000", events: 1000, connections: 32 },
];

const SERVER_LABEL: Readonly<Record<ServerKind, string>> = {
  bare: "bare node:http (read body, 202)",
  sqlite: "hub, SQLite",
  postgres: "hub, PostgreSQL",
};

// Compiled (`npm run bench` builds it first), so the hub child runs as `cairn serve` does: see `scripts/build.ts`.
const SERVER_SCRIPT = fileURLToPath(new URL("./dist/ingest-server.js", import.meta.url));
const INGEST_PATH = "/api/v1/events";

// ---------------------------------------------------------------------------------------------------------------
// The load generator: autocannon, loaded untyped (it ships no types), described by what this file uses of it.

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: AutocannonRequest, context: object) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonInstance {
  on(
    event: "response",
    listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}

type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    pipelining: number;
    timeout: number;
    requests: AutocannonRequest[];
  },
  done: (err: unknown, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

// ---------------------------------------------------------------------------------------------------------------
// Messages: one realistic CDEvent (service deployed, 0.4.1, a chain id and a TRIGGER link), encoded once by the
// SDK with a placeholder id that each request replaces with a fresh one.

/** Builds the requests of a mode, each with fresh ids. */
interface MessageFactory {
  /** Approximate body size in bytes. */
  readonly bodyBytes: number;
  next(ids: IdSource): { headers: Record<string, string>; body: string };
}

function split(text: string, occurrences: number, what: string): string[] {
  const parts = text.split(PLACEHOLDER);
  if (parts.length !== occurrences + 1)
    throw new BenchSetupError(`the ${what} template holds the id ${parts.length - 1} times, expected ${occurrences}`);
  return parts;
}

function messageFactory(mode: Mode): MessageFactory {
  const event = templateEvent();
  if (mode.events === 1) {
    const m = toHttp(event);
    if (m.headers["ce-id"] !== PLACEHOLDER) throw new BenchSetupError("the binary template has no ce-id placeholder");
    const [before, after] = split(m.body, 1, "binary body") as [string, string];
    return {
      bodyBytes: Buffer.byteLength(m.body),
      next: (ids) => {
        const id = ids.id();
        return { headers: { ...m.headers, "ce-id": id }, body: before + id + after };
      },
    };
  }
  const batch = toHttpBatch([event]);
  const element = batch.body.slice(1, -1); // one envelope: `[` … `]`
  const [a, b, c] = split(element, 2, "batch envelope") as [string, string, string]; // CloudEvent id, context.id
  return {
    bodyBytes: (element.length + 1) * mode.events + 1,
    next: (ids) => {
      const parts = new Array<string>(mode.events);
      for (let i = 0; i < mode.events; i++) {
        const id = ids.id();
        parts[i] = a + id + b + id + c;
      }
      return { headers: batch.headers, body: `[${parts.join(",")}]` };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The server child and its sampling.

interface ServerChild {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
}

async function startServer(kind: ServerKind, args: readonly string[], profileName: string): Promise<ServerChild> {
  const profDir = process.env.INGEST_CPU_PROF;
  const nodeFlags = kind === "bare" ? [COMPILED] : serveNodeFlags(process.env.INGEST_NODE_FLAGS);
  if (profDir) {
    // A directory per server: each thread (main, the SQLite writer) writes its own profile, named by Node with its
    // thread id (a fixed `--cpu-prof-name` would let the last thread to exit overwrite the others).
    const dir = join(profDir, profileName);
    mkdirSync(dir, { recursive: true });
    nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const stdout = openSync(process.env.INGEST_STDOUT ?? "/dev/null", "a");
  const child = spawn(process.execPath, [...nodeFlags, SERVER_SCRIPT, kind === "bare" ? "bare" : "hub", ...args], {
    stdio: ["ignore", stdout, "pipe", "ipc"],
  });
  closeSync(stdout);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 30 s")), 30_000);
    child.once("message", (m: ServerReady) => {
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code}: ${stderr.trim()}`));
    });
  });
  return { child, url, stderr: () => stderr };
}

/** The server's memory at its peak RSS, as it reports it. */
function serverMemory(s: ServerChild): Promise<NodeJS.MemoryUsage | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 5000);
    s.child.once("message", (m: ServerMemory) => {
      clearTimeout(timer);
      resolve(m.memory);
    });
    s.child.send("memory");
  });
}

async function stopServer(s: ServerChild): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once("exit", () => resolve()));
  s.child.send("stop");
  const timer = setTimeout(() => s.child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Samples a process's resident set (every 100 ms) and reads its CPU time, from /proc. */
class ProcSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  maxRssBytes = 0;

  constructor(pid: number) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 100);
  }

  #sample(): void {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.#pid}/status`, "utf8"));
      if (m?.[1]) this.maxRssBytes = Math.max(this.maxRssBytes, Number(m[1]) * 1024);
    } catch {
      // the process is gone
    }
  }

  /** utime + stime in seconds (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s on Linux). */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.#pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return Number.NaN;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sample();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One load run.

interface LoadRun {
  readonly seconds: number;
  readonly statuses: ReadonlyMap<number, number>;
  /** Response times of every answer, ms, sorted. */
  readonly latencies: Float64Array;
  readonly errors: number;
  readonly timeouts: number;
  /** The first body of an answer other than 202. */
  readonly sampleRejection: string | null;
  /** Load generator CPU as a share of one core. */
  readonly generatorCpu: number;
}

function load(url: string, mode: Mode, factory: MessageFactory, ids: IdSource, seconds: number): Promise<LoadRun> {
  const statuses = new Map<number, number>();
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let sampleRejection: string | null = null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: mode.connections,
        duration: seconds,
        pipelining: 1,
        timeout: 30,
        requests: [
          {
            method: "POST",
            path: INGEST_PATH,
            setupRequest: (request) => {
              const m = factory.next(ids);
              return { ...request, headers: { ...request.headers, ...m.headers }, body: m.body };
            },
            onResponse: (status, body) => {
              if (status !== 202 && sampleRejection === null) sampleRejection = `${status} ${body.slice(0, 500)}`;
            },
          },
        ],
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const cpu = process.cpuUsage(cpu0);
        resolve({
          seconds: result.duration,
          statuses,
          latencies: latencies.subarray(0, n).sort(),
          errors: result.errors,
          timeouts: result.timeouts,
          sampleRejection,
          generatorCpu: (cpu.user + cpu.system) / 1e3 / (performance.now() - t0),
        });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (n === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[n++] = ms;
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Cases.

/** The outcome of one server × mode case. */
interface CaseResult {
  /** 1-based round of the run. */
  readonly round: number;
  readonly server: ServerKind;
  readonly mode: Mode;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers other than 202 in the timed run, by status (`errors`/`timeouts`: connection failures). */
  readonly rejected: string;
  readonly ok: boolean;
  readonly maxRssBytes: number;
  /** The server's own view at its peak RSS: V8 heap (total/used) and memory outside it (buffers, SQLite…). */
  readonly peakMemory: NodeJS.MemoryUsage | null;
  /** Server CPU time (user + system) during the timed run: share of one core, and per acknowledged request. */
  readonly serverCpu: number;
  readonly serverCpuPerRequestUs: number;
  /** Hub only: commits per second × events per commit, and the share of the wall time spent in commits. */
  readonly commits: string;
  /** The machine's 1-minute load average at the start and at the end of the timed run (other processes count). */
  readonly load: string;
  readonly generatorCpu: number;
  /** Hub only: events acknowledged (warm-up and timed), stored (the hub's count) and sent. */
  readonly check: string;
}

interface Settings {
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly pgUrl: string;
  readonly runTag: string;
  /** Leave each SQLite data directory in place (`INGEST_KEEP_DATA=1`), to inspect the database afterwards. */
  readonly keepData: boolean;
}

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.floor(p * (sorted.length - 1))] ?? NaN;

function rejectedSummary(run: LoadRun): string {
  const parts = [...run.statuses].filter(([s]) => s !== 202).map(([s, c]) => `${c}×${s}`);
  if (run.errors > 0) parts.push(`${run.errors} errors`);
  if (run.timeouts > 0) parts.push(`${run.timeouts} timeouts`);
  return parts.length === 0 ? "0" : parts.join(", ");
}

async function hubStatus(url: string): Promise<{ events: number; queued: number }> {
  const res = await fetch(`${url}/api/v1/admin/status`);
  const status = (await res.json()) as { store?: { events?: number }; queue?: { depth?: number } };
  return { events: Number(status.store?.events), queued: Number(status.queue?.depth) };
}

/** The hub's cumulative commit counters, from its Prometheus metrics. */
interface CommitCounters {
  readonly commits: number;
  readonly seconds: number;
  readonly events: number;
}

async function commitCounters(url: string): Promise<CommitCounters> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string): number => {
    let total = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "gm"))) total += Number(m[1]);
    return total;
  };
  return {
    commits: sum("cairn_store_commit_events_count"),
    seconds: sum("cairn_store_commit_duration_seconds_sum"),
    events: sum("cairn_store_commit_events_sum"),
  };
}

/**
 * Waits until the hub has committed what is still queued: requests cut off at the end of a load run are still
 * processed, and must not weigh on the next run. Gives up after 60 s (the counts then say so).
 */
async function drained(url: string): Promise<{ events: number; queued: number }> {
  const until = performance.now() + 60_000;
  for (;;) {
    const s = await hubStatus(url);
    if (s.queued === 0 || performance.now() > until) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runCase(server: ServerKind, mode: Mode, round: number, s: Settings): Promise<CaseResult> {
  const factory = messageFactory(mode);
  const ids = new IdSource();
  const caseName = `${server}-${mode.name}${s.rounds > 1 ? `-${round}` : ""}`;
  const schema = `cairn_bench_${s.runTag}_${mode.name}_${round}`;
  let dataDir: string | null = null;
  const args: string[] = [];
  if (server !== "bare") {
    const parent = process.env.INGEST_DATA_DIR ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    dataDir = mkdtempSync(join(parent, `cairn-bench-${caseName}-`));
    args.push("--data", dataDir);
    if (server === "postgres") args.push("--store", s.pgUrl, "--schema", schema);
  }
  process.stderr.write(`  ingest/${caseName}: starting the server\n`);
  const child = await startServer(server, args, caseName);
  try {
    const target = `${child.url}${INGEST_PATH}`;
    const sampler = new ProcSampler(child.child.pid ?? 0);
    const warm = await load(target, mode, factory, ids, s.warmupS);
    if (warm.sampleRejection !== null && !warm.statuses.has(202))
      throw new Error(`the server refuses the bench's requests: ${warm.sampleRejection}`);
    if (server !== "bare") await drained(child.url);
    const commits0 = server === "bare" ? null : await commitCounters(child.url);
    const cpu0 = sampler.cpuSeconds();
    const load0 = loadavg()[0] ?? 0;
    const run = await load(target, mode, factory, ids, s.durationS);
    const loadRange = `${load0.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`;
    const cpuSeconds = sampler.cpuSeconds() - cpu0;
    const memory = await serverMemory(child);
    const commits1 = commits0 === null ? null : await commitCounters(child.url);
    sampler.stop();
    let commits = "—";
    if (commits0 !== null && commits1 !== null) {
      const n = commits1.commits - commits0.commits;
      const inCommit = (commits1.seconds - commits0.seconds) / run.seconds;
      commits = `${fmtRate(n / run.seconds)}/s × ${fmtRate((commits1.events - commits0.events) / n)}, ${fmtCpu(inCommit)}`;
    }
    const accepted = run.statuses.get(202) ?? 0;
    let check = "—";
    let ok = rejectedSummary(run) === "0" && rejectedSummary(warm) === "0";
    if (server !== "bare") {
      const acked = ((warm.statuses.get(202) ?? 0) + accepted) * mode.events;
      const stored = (await drained(child.url)).events;
      const sent = ids.issued;
      const consistent = stored >= acked && stored <= sent;
      ok &&= consistent;
      check = `${fmtRate(acked)} ≤ ${fmtRate(stored)} ≤ ${fmtRate(sent)}${consistent ? "" : " **inconsistent**"}`;
    }
    if (run.sampleRejection !== null) process.stderr.write(`  ingest/${caseName}: e.g. ${run.sampleRejection}\n`);
    const result: CaseResult = {
      round,
      server,
      mode,
      requestsPerSecond: accepted / run.seconds,
      eventsPerSecond: (accepted * mode.events) / run.seconds,
      p50Ms: percentile(run.latencies, 0.5),
      p99Ms: percentile(run.latencies, 0.99),
      maxMs: run.latencies.at(-1) ?? NaN,
      rejected: rejectedSummary(run),
      ok,
      maxRssBytes: sampler.maxRssBytes,
      peakMemory: memory,
      serverCpu: cpuSeconds / run.seconds,
      serverCpuPerRequestUs: (cpuSeconds * 1e6) / accepted,
      commits,
      load: loadRange,
      generatorCpu: run.generatorCpu,
      check,
    };
    process.stderr.write(
      `  ingest/${caseName}: ${fmtRate(result.requestsPerSecond)} req/s, ${fmtRate(result.eventsPerSecond)} events/s, ` +
        `p50 ${fmtMs(result.p50Ms)}, p99 ${fmtMs(result.p99Ms)}, RSS ${fmtMiB(result.maxRssBytes)}, ` +
        `server CPU ${fmtCpu(result.serverCpu)} = ${fmtUs(result.serverCpuPerRequestUs)}/request, ` +
        `load ${result.load}\n`,
    );
    return result;
  } finally {
    await stopServer(child);
    if (dataDir && !s.keepData) rmSync(dataDir, { recursive: true, force: true });
    if (server === "postgres") await dropSchema("ingest", s.pgUrl, schema);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The raw-SQL baseline: the storage limit of batch ingest on this machine, measured in the same round.

const RAW_SCRIPT = fileURLToPath(new URL("./raw-sqlite.ts", import.meta.url));
/** Events per transaction of the raw baseline: the hub's largest commit group. */
const RAW_EVENTS_PER_COMMIT = 1000;

interface RawResult extends RawSqliteResult {
  readonly round: number;
}

async function runRawSqlite(round: number, s: Settings): Promise<RawResult> {
  const parent = process.env.INGEST_DATA_DIR ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `cairn-bench-raw-sqlite-${round}-`));
  process.stderr.write(`  ingest/raw-sqlite-${round}: inserting\n`);
  const args = [RAW_SCRIPT, "--dir", dir, "--events", String(RAW_EVENTS_PER_COMMIT)];
  args.push("--seconds", String(s.durationS), "--warmup", String(s.warmupS));
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (err, out, errText) =>
        err ? reject(new Error(`the raw SQLite baseline failed: ${errText || err.message}`)) : resolve(out),
      ),
    );
    return { round, ...(JSON.parse(stdout) as RawSqliteResult) };
  } finally {
    if (!s.keepData) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const fmtMs = (ms: number): string => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`);
const fmtMiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmtPeak = (m: NodeJS.MemoryUsage | null): string =>
  m === null ? "—" : `${fmtMiB(m.heapTotal)} (${fmtMiB(m.heapUsed)}), ${fmtMiB(m.external)}`;
const fmtCpu = (share: number): string => `${Math.round(share * 100)}%`;
const fmtUs = (us: number): string => (us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);

function resultsTable(results: readonly CaseResult[]): string {
  const lines = [
    "| Round | Server | Mode | conns | requests/s | events/s | p50 | p99 | max | not 202 | max RSS | at peak: V8 heap (used), external | server CPU | server CPU / request | load gen CPU | commits/s × events, time in commit | acked ≤ stored ≤ sent | load avg (1 min) |",
    "|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of results)
    lines.push(
      `| ${r.round} | ${SERVER_LABEL[r.server]} | ${r.mode.label} | ${r.mode.connections} | ${fmtRate(r.requestsPerSecond)} | ` +
        `${fmtRate(r.eventsPerSecond)} | ${fmtMs(r.p50Ms)} | ${fmtMs(r.p99Ms)} | ${fmtMs(r.maxMs)} | ${r.rejected} | ` +
        `${fmtMiB(r.maxRssBytes)} | ${fmtPeak(r.peakMemory)} | ${fmtCpu(r.serverCpu)} | ${fmtUs(r.serverCpuPerRequestUs)} | ` +
        `${fmtCpu(r.generatorCpu)} | ${r.commits} | ${r.check} | ${r.load} |`,
    );
  return lines.join("\n");
}

function rawTable(raw: readonly RawResult[]): string {
  const lines = ["| Round | events/s | commits/s × events | CPU / event |", "|--:|--:|--:|--:|"];
  for (const r of raw)
    lines.push(
      `| ${r.round} | ${fmtRate(r.eventsPerSecond)} | ${r.commitsPerSecond.toFixed(0)}/s × ${fmtRate(r.eventsPerCommit)} | ` +
        `${r.cpuPerEventUs.toFixed(1)} µs |`,
    );
  return lines.join("\n");
}

// The hub's batch rate as a share of the raw baseline of the same round (median over rounds), or "" without one.
function rawShare(hub: readonly CaseResult[], raw: readonly RawResult[]): string {
  const shares = hub.flatMap((r) => {
    const base = raw.find((x) => x.round === r.round);
    return base ? [r.eventsPerSecond / base.eventsPerSecond] : [];
  });
  if (shares.length === 0) return "";
  const rates = raw.map((r) => r.eventsPerSecond);
  return (
    `; ${fmtRatio(median(shares))} of the raw SQL baseline of the same round, median (raw SQL: ` +
    `${rates.map(fmtRate).join(", ")} events/s)`
  );
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function verdicts(
  results: readonly CaseResult[],
  skipped: ReadonlySet<ServerKind>,
  raw: readonly RawResult[],
): string[] {
  const find = (server: ServerKind, mode: ModeName) =>
    results.filter((r) => r.server === server && r.mode.name === mode);
  const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
  const lines: string[] = [];
  const bare = find("bare", "single");
  for (const store of ["sqlite", "postgres"] as const) {
    // Each round's hub run against the same round's bare run, a few seconds apart.
    const pairs = find(store, "single").flatMap((hub) => {
      const b = bare.find((x) => x.round === hub.round);
      return b ? [{ hub: hub.requestsPerSecond, bare: b.requestsPerSecond }] : [];
    });
    if (pairs.length === 0) continue;
    const ratios = pairs.map((x) => x.hub / x.bare);
    const ratio = median(ratios);
    lines.push(
      `- ${verdict(ratio >= INGEST_TARGETS.singleVsBare)} single-event durable ingest, ${SERVER_LABEL[store]}: ` +
        `${fmtRatio(ratio)} of the bare server's requests/s, median of ${pairs.length} (target ≥ ` +
        `${fmtRatio(INGEST_TARGETS.singleVsBare)}; by round: ` +
        `${pairs.map((x, i) => `${fmtRate(x.hub)} ÷ ${fmtRate(x.bare)} = ${fmtRatio(ratios[i] ?? NaN)}`).join("; ")})`,
    );
  }
  for (const mode of ["batch100", "batch1000"] as const) {
    const rs = find("sqlite", mode);
    if (rs.length === 0) continue;
    const rates = rs.map((r) => r.eventsPerSecond);
    const ratio = median(rates) / INGEST_TARGETS.batchEventsPerSecond;
    lines.push(
      `- ${verdict(ratio >= 1)} batch ingest on SQLite, ${rs[0]?.mode.label}: ${fmtRate(median(rates))} events/s, ` +
        `median of ${rs.length} = ${fmtRatio(ratio)} the target of ${fmtRate(INGEST_TARGETS.batchEventsPerSecond)} ` +
        `(by round: ${rates.map(fmtRate).join(", ")})${rawShare(rs, raw)}`,
    );
  }
  for (const store of ["sqlite", "postgres"] as const) {
    const rs = results.filter((r) => r.server === store);
    if (rs.length === 0) continue;
    const max = Math.max(...rs.map((r) => r.maxRssBytes));
    const byMode = MODES.flatMap((m) => {
      const of = rs.filter((r) => r.mode.name === m.name);
      return of.length === 0 ? [] : [`${m.name} ${fmtMiB(Math.max(...of.map((r) => r.maxRssBytes)))}`];
    });
    lines.push(
      `- ${verdict(max <= INGEST_TARGETS.maxRssBytes)} RSS under sustained load, ${SERVER_LABEL[store]}: max ` +
        `${fmtMiB(max)} over every round = ${fmtRatio(max / INGEST_TARGETS.maxRssBytes)} the target of ≤ ` +
        `${fmtMiB(INGEST_TARGETS.maxRssBytes)} (${byMode.join(", ")})`,
    );
  }
  const bad = results.filter((r) => !r.ok);
  lines.push(
    bad.length === 0
      ? "- **PASS** every answer was 202, and every hub stored between the events it acknowledged and those sent"
      : `- **FAIL** answers other than 202 or inconsistent counts in: ${bad.map((r) => `${r.server}/${r.mode.name}`).join(", ")}`,
  );
  for (const s of skipped) lines.push(`- ${SERVER_LABEL[s]}: skipped (see the note above)`);
  return lines;
}

function wholeEnv(name: string, fallback: number): number {
  const v = positiveEnv(name, fallback);
  if (!Number.isInteger(v)) throw new BenchSetupError(`${name} must be a whole number`);
  return v;
}

async function run(bench: Bench): Promise<void> {
  const servers = listEnv<ServerKind>("INGEST_SERVERS", ["bare", "sqlite", "postgres"]);
  const modeNames = listEnv<ModeName>("INGEST_MODES", ["single", "batch100", "batch1000"]);
  const modes = MODES.filter((m) => modeNames.includes(m.name));
  const settings: Settings = {
    rounds: wholeEnv("INGEST_ROUNDS", 3),
    durationS: positiveEnv("INGEST_DURATION_S", 10),
    warmupS: positiveEnv("INGEST_WARMUP_S", 2),
    pgUrl: process.env.CAIRN_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test",
    runTag: randomUUID().replaceAll("-", "").slice(0, 10),
    keepData: process.env.INGEST_KEEP_DATA === "1",
  };
  const started = performance.now();
  bench.print("## Hub ingest\n");
  bench.print(
    `\`POST ${INGEST_PATH}\`, one fresh server child per case, driven by autocannon from the bench process: ` +
      `${settings.warmupS} s warm-up, then ${settings.durationS} s timed; ${settings.rounds} round(s), each mode by ` +
      "mode with the servers side by side, verdicts on the median over rounds. Every event has a new id; " +
      "the hub answers 202 only once the events are committed (group commit, SQLite `synchronous=FULL`). " +
      "Latencies are per request. Server CPU and load generator CPU are shares of one core (the machine has " +
      "2); RSS is the server child's VmRSS, sampled every 100 ms.\n",
  );
  const skipped = new Set<ServerKind>();
  if (servers.includes("postgres")) {
    const why = await pgReachable(settings.pgUrl);
    if (why !== null) {
      skipped.add("postgres");
      bench.print(`> PostgreSQL skipped: ${why}.\n`);
    }
  }
  const results: CaseResult[] = [];
  const raw: RawResult[] = [];
  const withRaw = servers.includes("sqlite") && modes.some((m) => m.events > 1) && process.env.INGEST_RAW_SQL !== "0";
  for (let round = 1; round <= settings.rounds; round++) {
    if (withRaw) raw.push(await runRawSqlite(round, settings));
    for (const mode of modes)
      for (const server of servers) {
        if (skipped.has(server)) continue;
        try {
          results.push(await runCase(server, mode, round, settings));
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          if (server !== "postgres") throw e;
          skipped.add("postgres");
          bench.print(`> PostgreSQL skipped: the hub could not run on it (${why.split("\n")[0]}).\n`);
        }
      }
  }
  bench.print(resultsTable(results));
  bench.print();
  if (raw.length > 0) {
    bench.print(
      `Raw SQL baseline (\`bench/raw-sqlite.ts\`, at the start of each round): the hub's SQLite schema, one thread ` +
        `inserting ready rows of the same event, ${RAW_EVENTS_PER_COMMIT} per fsynced commit, no HTTP or decoding.\n`,
    );
    bench.print(rawTable(raw));
    bench.print();
  }
  bench.print("### Targets\n");
  const lines = verdicts(results, skipped, raw);
  bench.print(lines.join("\n"));
  bench.print();
  bench.summary.push(...lines);
  bench.print("### Raw results (JSON)\n");
  bench.printJson({
    cases: results.map((r) => ({ ...r, mode: r.mode.name, connections: r.mode.connections, events: r.mode.events })),
    rawSqlite: raw,
  });
  bench.print();
  bench.print(`Ingest suite run time: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The hub ingest suite. */
export const ingestSuite: Suite = {
  name: "ingest",
  description: "hub POST /api/v1/events: single and batch, bare node:http vs hub on SQLite and PostgreSQL",
  run,
};
