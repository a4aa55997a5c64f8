/**
 * The router bench's machinery: child processes (hub, sink) spoken to over IPC, the paced open-loop client (single
 * binary-mode events at a fixed rate on keep-alive connections, recording each event's send time and its ingest
 * answer time), fast batch ingest for fan-out, and subscriptions created through the hub's API.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { toHttp, toHttpBatch } from "../packages/cdevents/src/index.ts";
import type { IdSource } from "./bench-env.ts";

/** Epoch milliseconds, sub-millisecond precision: the clock of the load generator and the sink alike. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** A child process that announced `{ url }` over IPC. */
export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  stderr(): string;
}

/** Spawns `node [flags] script args` with IPC and waits for its `{ url }` (stdout to /dev/null). */
export async function startChild(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<Child> {
  const devNull = openSync("/dev/null", "w");
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { stdio: ["ignore", devNull, "pipe", "ipc"] });
  closeSync(devNull);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 30 s`)), 30_000);
    child.once("message", (m: { url: string }) => {
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code}: ${stderr.trim()}`));
    });
  });
  return { process: child, url, stderr: () => stderr };
}

/** Sends `message` and resolves with the child's next message. */
export function ask<T>(c: Child, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${message}`)), 10_000);
    c.process.once("message", (m: T) => {
      clearTimeout(timer);
      resolve(m);
    });
    c.process.send(message);
  });
}

/** Stops a child gracefully (SIGKILL after 30 s). */
export async function stopChild(c: Child): Promise<void> {
  if (c.process.exitCode !== null || c.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.process.once("exit", () => resolve()));
  c.process.send("stop");
  const timer = setTimeout(() => c.process.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) of a process so far, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Node flags for a profiled child, when `dir` is set. */
export function profileFlags(dir: string | undefined, name: string): string[] {
  if (!dir) return [];
  mkdirSync(dir, { recursive: true });
  return ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

// ---------------------------------------------------------------------------------------------------------------
// Events: one realistic CDEvent (service deployed), encoded once, with a fresh id per event.

const PLACEHOLDER = "ffffffff-ffff-4fff-bfff-ffffffffffff";

function templateEvent(): Record<string, unknown> {
  const source = "/bench/router";
  return {
    context: {
      version: "0.4.1",
      id: PLACEHOLDER,
      source,
      type: "dev.cdevents.service.deployed.0.2.0",
      timestamp: new Date().toISOString(),
    },
    subject: {
      id: "payments-api",
      source,
      type: "service",
      content: { environment: { id: "production-eu-1" }, artifactId: "pkg:oci/payments-api@sha256%3A0b31b1c0" },
    },
  };
}

/** A binary-mode single event (headers, body) with the given id. */
export function singleEvent(): (id: string) => { headers: Record<string, string>; body: string } {
  const m = toHttp(templateEvent());
  const [before, after] = m.body.split(PLACEHOLDER) as [string, string];
  const headers = m.headers as Record<string, string>;
  return (id) => ({ headers: { ...headers, "ce-id": id }, body: before + id + after });
}

/** A batch (`application/cloudevents-batch+json`) of `n` events with fresh ids. */
export function batchEvents(ids: IdSource, n: number): { headers: Record<string, string>; body: string } {
  const batch = toHttpBatch([templateEvent()]);
  const [a, b, c] = batch.body.slice(1, -1).split(PLACEHOLDER) as [string, string, string];
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids.id();
    parts.push(a + id + b + id + c);
  }
  return { headers: batch.headers as Record<string, string>, body: `[${parts.join(",")}]` };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP.

interface Answer {
  readonly status: number;
  readonly body: string;
}

function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  sent?: () => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    sent?.();
    req.end(body);
  });
}

/** Creates an HTTP subscription on the hub (every event matches); resolves to its id. */
export async function subscribe(hub: string, sink: string, delivery: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${hub}/api/v1/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sink, protocol: "HTTP", delivery }),
  });
  const json = (await res.json()) as { id?: string };
  if (res.status !== 201 || !json.id) throw new Error(`creating a subscription: ${res.status} ${JSON.stringify(json)}`);
  return json.id;
}

/** What a paced run did. */
export interface PacedRun {
  /** Event id → send time (epoch ms, just before the request was written). */
  readonly sent: Map<string, number>;
  /** Ingest answer times (answer − send), ms, sorted. */
  readonly answerMs: Float64Array;
  /** Answers other than the expected status, and errors. */
  readonly failures: number;
  readonly sampleFailure: string | null;
  /** Achieved send rate, events/s. */
  readonly rate: number;
}

/**
 * Sends `rate × seconds` single events open-loop: event i is due at start + i/rate and sent when due, whether or
 * not earlier ones were answered (keep-alive connections, up to 256 open). `expect` is the answer's status (202 for
 * the hub, 200 for the bare sink).
 */
export async function paced(
  url: string,
  rate: number,
  seconds: number,
  expect: number,
  ids: IdSource,
): Promise<PacedRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const event = singleEvent();
  const total = Math.round(rate * seconds);
  const sent = new Map<string, number>();
  const answers = new Float64Array(total);
  let answered = 0;
  let failures = 0;
  let sampleFailure: string | null = null;
  const pending = new Set<Promise<void>>();
  const t0 = nowMs();
  let i = 0;
  const one = (): void => {
    const id = ids.id();
    const m = event(id);
    let at = 0;
    const p = post(agent, target, m.headers, m.body, () => {
      at = nowMs();
      sent.set(id, at);
    })
      .then((a) => {
        if (a.status === expect) answers[answered++] = nowMs() - at;
        else {
          failures++;
          sampleFailure ??= `${a.status} ${a.body.slice(0, 300)}`;
        }
      })
      .catch((e: unknown) => {
        failures++;
        sampleFailure ??= e instanceof Error ? e.message : String(e);
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
      while (i < due) {
        one();
        i++;
      }
      if (i < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const elapsed = nowMs() - t0;
  await Promise.all([...pending]);
  agent.destroy();
  return {
    sent,
    answerMs: answers.subarray(0, answered).sort(),
    failures,
    sampleFailure,
    rate: (total * 1000) / elapsed,
  };
}

/** Ingests `events` events as fast as the hub takes them: batches of `batch` on `connections` connections. */
export async function ingestBatches(
  hub: string,
  events: number,
  batch: number,
  connections: number,
  ids: IdSource,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(`${hub}/api/v1/events`);
  let left = events;
  const worker = async (): Promise<void> => {
    while (left > 0) {
      const n = Math.min(batch, left);
      left -= n;
      const m = batchEvents(ids, n);
      for (;;) {
        const a = await post(agent, target, m.headers, m.body);
        if (a.status === 202) break;
        // 429: the commit queue is full; the hub asks to come back.
        if (a.status !== 429) throw new Error(`ingest answered ${a.status}: ${a.body.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}
