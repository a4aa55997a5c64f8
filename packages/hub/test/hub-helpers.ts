/**
 * Test helpers: a hub on a fresh data directory and an ephemeral port with logs captured, events to send, and a
 * store wrapper that can hold or fail appends.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type CDEvent, createEvent } from "@cairn/cdevents";
import { type Hub, type HubConfig, loadConfig, startHub } from "../src/index.ts";
import { StoreError, StoreErrorCode } from "../src/store/errors.ts";
import type { EventStore, NewEvent } from "../src/store/types.ts";

/** A started hub, its captured log text and a way to stop it and remove its data. */
export interface TestHub {
  readonly hub: Hub;
  readonly url: string;
  readonly dir: string;
  readonly config: HubConfig;
  /** Everything logged so far (JSON lines). */
  logs(): string;
  /** Closes the hub (keeps the data directory). */
  stop(): Promise<void>;
}

/** Collects log lines in memory. */
export class LogSink extends Writable {
  text = "";

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

/** Builds a validated config from flag-style settings (by config key). */
export function testConfig(dir: string, settings: Record<string, unknown> = {}): HubConfig {
  const flags = new Map<string, unknown>([
    ["port", 0],
    ["data", dir],
    ["log.level", "info"],
    ...Object.entries(settings),
  ]);
  const c = loadConfig({ flags, env: {}, cwd: dir });
  if (!c.ok) throw new Error(`bad test config: ${JSON.stringify(c.issues)}`);
  return c.config;
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cairn-hub-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a hub on `dir` (a fresh one by default). */
export async function startTestHub(
  settings: Record<string, unknown> = {},
  options: { dir?: string; store?: EventStore } = {},
): Promise<TestHub> {
  const dir = options.dir ?? tempDir();
  const config = testConfig(dir, settings);
  const sink = new LogSink();
  const hub = await startHub(config, { logStream: sink, ...(options.store ? { store: options.store } : {}) });
  return { hub, url: hub.url, dir, config, logs: () => sink.text, stop: () => hub.close() };
}

let counter = 0;

/** A valid CDEvent (build.finished 0.2.0 of spec 0.4.1) with a unique id unless given. */
export function buildFinished(overrides: { id?: string; source?: string; subjectId?: string } = {}): CDEvent {
  counter++;
  return createEvent("dev.cdevents.build.finished.0.2.0", {
    id: overrides.id ?? `evt-${process.pid}-${Date.now()}-${counter}`,
    source: overrides.source ?? "/ci/pipeline",
    subject: { id: overrides.subjectId ?? `build-${counter}`, content: { artifactId: "pkg:npm/cairn@1.0.0" } },
  }) as CDEvent;
}

/** POSTs to the hub and returns status, headers and parsed JSON body (or text). */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v1/events`, { method: "POST", headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** The stored text of event `(source, id)`, exactly as the lookup route returns it. */
export async function rawEvent(t: TestHub, source: string, id: string): Promise<string> {
  const res = await fetch(
    `${t.url}/api/v1/events/lookup?source=${encodeURIComponent(source)}&id=${encodeURIComponent(id)}`,
  );
  const text = await res.text();
  // The event member is last in the object: everything after `"event":` minus the closing brace.
  return text.slice(text.indexOf('"event":') + 8, -1);
}

/** GETs a JSON route. */
export async function getJson(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

/**
 * Wraps a real store: `hold()` makes appends wait until `release()`; `fail()` makes them throw an unavailable
 * error. Everything else passes through.
 */
export class GatedStore implements EventStore {
  readonly engine: string;
  readonly inner: EventStore;
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;
  #failing = false;
  appendCalls = 0;

  constructor(inner: EventStore) {
    this.inner = inner;
    this.engine = inner.engine;
  }

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = null;
  }

  fail(on: boolean): void {
    this.#failing = on;
  }

  async append(events: readonly NewEvent[]) {
    this.appendCalls++;
    if (this.#gate) await this.#gate;
    if (this.#failing) throw new StoreError(StoreErrorCode.Unavailable, "connection refused (test)");
    return this.inner.append(events);
  }

  query: EventStore["query"] = (q) => this.inner.query(q);
  get: EventStore["get"] = (s) => this.inner.get(s);
  findById: EventStore["findById"] = (s, i) => this.inner.findById(s, i);
  prune: EventStore["prune"] = (l, b) => this.inner.prune(l, b);
  stats: EventStore["stats"] = () => this.inner.stats();
  health: EventStore["health"] = () => this.inner.health();
  watch: EventStore["watch"] = (l) => this.inner.watch(l);
  close: EventStore["close"] = () => this.inner.close();
}
