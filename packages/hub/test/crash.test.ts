/**
 * Crash safety of durable ingest: a child `cairn serve` takes a stream of events from several concurrent senders
 * (single events in binary mode and small batches), is killed with SIGKILL at random moments while requests are in
 * flight, and is restarted on the same data directory (SQLite) or schema (PostgreSQL). Senders record every 202
 * and 200 answer (the acknowledged set) and retry some of the requests that got no answer. At the end every
 * acknowledged event must be stored exactly once (checked through the query API and in the store itself), and
 * nothing that was never sent may be stored; events that got no answer may or may not be stored, and are counted.
 *
 * Nothing here is timed: the kills wait for progress (a number of new acknowledgements, then a random pause and a
 * request in flight), never for a clock. `CRASH_SEED` replays a run's random choices.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { describe, it, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { toHttp, toHttpBatch } from "@cairn/cdevents";
import { buildFinished, tempDir } from "./hub-helpers.ts";
import { PG_URL, tempSchema, whenPostgres, withClient } from "./store-pg-env.ts";

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));

/** How many times the hub is killed, and how many new acknowledgements each life must see first. */
const KILLS = 4;
const ACKS_PER_LIFE = 250;
/** Senders of single events (binary mode) and of batches. */
const SINGLE_SENDERS = 4;
const BATCH_SENDERS = 2;
const BATCH_SIZE = 10;
/** A life that sees no acknowledgement for this long is a hang, not slowness: fail with the child's stderr. */
const STALL_MS = 30_000;

// --- Deterministic randomness (mulberry32), seeded per run and printed.

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- The child `cairn serve`.

interface StoreSetup {
  readonly name: string;
  /** `cairn serve` arguments besides the port. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Counts rows and distinct `(source, id)` keys directly in the store, once the hub is stopped. */
  readonly countStored: () => Promise<{ rows: number; distinct: number }>;
}

class Serve {
  readonly #setup: StoreSetup;
  #child: ChildProcess | null = null;
  #stderr = "";
  url = "";
  starts = 0;

  constructor(setup: StoreSetup) {
    this.#setup = setup;
  }

  get stderr(): string {
    return this.#stderr;
  }

  async start(): Promise<void> {
    // The hub's own settings only: CAIRN_* variables of the environment running the tests must not leak in.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CAIRN_") && v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...this.#setup.args], {
      env: { ...env, ...this.#setup.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.#child = child;
    this.starts++;
    this.url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        seen += text;
        this.#stderr = (this.#stderr + text).slice(-8000);
        const m = /listening on (http:\/\/\S+)/.exec(seen);
        if (m?.[1]) resolve(m[1]);
      });
      child.once("exit", (code, signal) =>
        reject(new Error(`cairn serve exited (${code ?? signal}) before listening:\n${this.#stderr}`)),
      );
    });
  }

  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  async kill(): Promise<string | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.signalCode ?? null;
    const exited = new Promise<string | null>((resolve) => child.once("exit", (_c, signal) => resolve(signal)));
    child.kill("SIGKILL");
    return exited;
  }

  /** SIGTERM: graceful stop. */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    return exited;
  }
}

// --- Senders.

interface Message {
  readonly keys: readonly string[];
  readonly headers: Record<string, string>;
  readonly body: string;
}

const keyOf = (source: string, id: string) => `${source} ${id}`;

/** What every sender shares: the acknowledged set, what was sent, and the progress the kill loop waits on. */
class Ledger {
  readonly sent = new Set<string>();
  readonly acked = new Set<string>();
  /** Acknowledged by a 200 (already stored: a retry of a request whose first answer was lost). */
  readonly ackedAsDuplicate = new Set<string>();
  failures = 0;
  retries = 0;
  inFlight = 0;
  readonly unexpected: string[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  ack(keys: readonly string[], status: number): void {
    for (const k of keys) {
      this.acked.add(k);
      if (status === 200) this.ackedAsDuplicate.add(k);
    }
    this.#waiters = this.#waiters.filter((w) => {
      if (this.acked.size < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `count` events are acknowledged. */
  reach(count: number): Promise<void> {
    if (this.acked.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

function post(url: string, agent: Agent, m: Message): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/events`,
      { method: "POST", agent, headers: { ...m.headers, "content-length": Buffer.byteLength(m.body) } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(m.body);
  });
}

/** One sender: sends its own messages one at a time, retrying about half of those that got no answer. */
async function sender(
  k: number,
  ledger: Ledger,
  serve: Serve,
  live: { up: Promise<void>; stopped: boolean },
  random: () => number,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const source = `/crash-test/sender-${k}`;
  const batch = k >= SINGLE_SENDERS;
  const retry: Message[] = [];
  let n = 0;
  const fresh = (): Message => {
    if (!batch) {
      const e = buildFinished({ id: `e-${n++}`, source });
      return { keys: [keyOf(source, e.context.id)], ...toHttp(e) };
    }
    const events = Array.from({ length: BATCH_SIZE }, () => buildFinished({ id: `e-${n++}`, source }));
    return { keys: events.map((e) => keyOf(source, e.context.id)), ...toHttpBatch(events) };
  };
  try {
    while (!live.stopped) {
      await live.up;
      if (live.stopped) break;
      const m = retry.length > 0 && random() < 0.5 ? (retry.shift() as Message) : fresh();
      for (const key of m.keys) ledger.sent.add(key);
      ledger.inFlight++;
      try {
        const res = await post(serve.url, agent, m);
        if (res.status === 202 || res.status === 200) ledger.ack(m.keys, res.status);
        else if (res.status === 503 || res.status === 429) retry.push(m);
        else ledger.unexpected.push(`${res.status} ${res.body.slice(0, 300)}`);
      } catch {
        // No answer (connection refused, reset or closed by the kill): maybe stored, maybe not.
        ledger.failures++;
        if (random() < 0.5) {
          retry.push(m);
          ledger.retries++;
        }
        // Let the kill loop restart the hub rather than spin on a refused connection.
        await sleep(5);
      } finally {
        ledger.inFlight--;
      }
    }
  } finally {
    agent.destroy();
  }
}

// --- Verification.

/** Every stored `(source, id)` with its count, read page by page through the query API. */
async function storedThroughApi(url: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const res = await fetch(`${url}/api/v1/events?order=asc&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200);
    const page = (await res.json()) as {
      events: { event: { context: { source: string; id: string } } }[];
      next: string | null;
    };
    for (const e of page.events) {
      const key = keyOf(e.event.context.source, e.event.context.id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    cursor = page.next;
  } while (cursor !== null);
  return counts;
}

async function crashTest(t: TestContext, setup: StoreSetup): Promise<void> {
  const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  t.diagnostic(`${setup.name}: CRASH_SEED=${seed}`);
  const serve = new Serve(setup);
  const ledger = new Ledger();
  let open: () => void = () => {};
  const live = { up: Promise.resolve(), stopped: false };
  const goDown = () => {
    live.up = new Promise<void>((resolve) => {
      open = resolve;
    });
  };
  goDown();
  const senders = Array.from({ length: SINGLE_SENDERS + BATCH_SENDERS }, (_, k) =>
    sender(k, ledger, serve, live, prng(seed + k + 1)),
  );
  const kills: string[] = [];
  try {
    for (let life = 0; life <= KILLS; life++) {
      await serve.start();
      open();
      await progress(ledger, serve, ledger.acked.size + ACKS_PER_LIFE);
      if (life === KILLS) break;
      // A random moment, with at least one request in flight.
      await sleep(Math.floor(random() * 40));
      while (ledger.inFlight === 0) await sleep(1);
      goDown();
      const inFlight = ledger.inFlight;
      const signal = await serve.kill();
      assert.equal(signal, "SIGKILL");
      kills.push(`${ledger.acked.size} acked, ${inFlight} requests in flight`);
    }
    live.stopped = true;
    open();
    await Promise.all(senders);
    assert.deepEqual(ledger.unexpected, [], "answers other than 202, 200, 429 and 503");

    const stored = await storedThroughApi(serve.url);
    assert.equal(await serve.stop(), 0, "cairn serve stops cleanly on SIGTERM");
    const inStore = await setup.countStored();

    const missing = [...ledger.acked].filter((k) => !stored.has(k));
    const duplicated = [...stored].filter(([, c]) => c !== 1).map(([k, c]) => `${k} ×${c}`);
    const unknown = [...stored.keys()].filter((k) => !ledger.sent.has(k));
    const unacked = [...ledger.sent].filter((k) => !ledger.acked.has(k));
    const unackedStored = unacked.filter((k) => stored.has(k)).length;
    t.diagnostic(
      `${setup.name}: ${serve.starts} starts, ${kills.length} SIGKILLs (${kills.join("; ")}); ` +
        `${ledger.sent.size} events sent, ${ledger.acked.size} acknowledged ` +
        `(${ledger.ackedAsDuplicate.size} of them by a 200 to a retry), ${stored.size} stored; ` +
        `${unacked.length} never acknowledged, of which ${unackedStored} stored; ` +
        `${ledger.failures} requests without an answer, ${ledger.retries} retried`,
    );
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acknowledged events are missing`);
    assert.deepEqual(duplicated.slice(0, 20), [], "events stored more than once");
    assert.deepEqual(unknown.slice(0, 20), [], "stored events that were never sent");
    assert.equal(kills.length, KILLS);
    assert.deepEqual(inStore, { rows: stored.size, distinct: stored.size }, "the store itself agrees with the API");
  } finally {
    live.stopped = true;
    open();
    await serve.kill();
    await Promise.allSettled(senders);
  }
}

/** Waits for `count` acknowledgements; fails (with the child's stderr) only when nothing at all moves for long. */
async function progress(ledger: Ledger, serve: Serve, count: number): Promise<void> {
  for (;;) {
    const before = ledger.acked.size;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<"stalled">((resolve) => {
      timer = setTimeout(() => resolve("stalled"), STALL_MS);
    });
    const outcome = await Promise.race([ledger.reach(count).then(() => "reached" as const), stalled]);
    clearTimeout(timer);
    if (outcome === "reached") return;
    if (ledger.acked.size === before)
      assert.fail(`no event acknowledged for ${STALL_MS / 1000} s; cairn serve said:\n${serve.stderr}`);
  }
}

// node:sqlite warns that it is experimental when first loaded; the hub silences it the same way.
async function quietSqlite(): Promise<typeof import("node:sqlite")> {
  const emit = process.emitWarning;
  process.emitWarning = (() => {}) as typeof process.emitWarning;
  try {
    return await import("node:sqlite");
  } finally {
    process.emitWarning = emit;
  }
}

describe("crash safety: SIGKILL during ingest, restart, every acknowledged event stored exactly once", () => {
  it("sqlite", { timeout: 120_000 }, async (t) => {
    const dir = tempDir();
    try {
      await crashTest(t, {
        name: "sqlite",
        args: ["--data", dir],
        env: {},
        countStored: async () => {
          const { DatabaseSync } = await quietSqlite();
          const db = new DatabaseSync(`${dir}/cairn.db`, { readOnly: true });
          try {
            const row = db
              .prepare(
                "SELECT COUNT(*) AS n, (SELECT COUNT(*) FROM (SELECT DISTINCT source, event_id FROM events)) AS d FROM events",
              )
              .get() as { n: number; d: number };
            return { rows: Number(row.n), distinct: Number(row.d) };
          } finally {
            db.close();
          }
        },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

whenPostgres("crash safety on PostgreSQL", () => {
  describe("crash safety: SIGKILL during ingest, restart, every acknowledged event stored exactly once", () => {
    it("postgres", { timeout: 120_000 }, async (t) => {
      const schema = tempSchema();
      const dir = tempDir();
      try {
        await crashTest(t, {
          name: "postgres",
          args: ["--data", dir, "--store", PG_URL],
          env: { CAIRN_PG_SCHEMA: schema },
          countStored: () =>
            withClient(async (c) => {
              const r = await c.query<{ n: string; d: string }>(
                `SELECT COUNT(*) AS n, COUNT(DISTINCT (source, event_id)) AS d FROM "${schema}".events`,
              );
              return { rows: Number(r.rows[0]?.n), distinct: Number(r.rows[0]?.d) };
            }),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
