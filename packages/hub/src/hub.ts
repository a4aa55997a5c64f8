/**
 * `startHub`: opens the store, wires ingest, query, stream, metrics, retention, the delivery engine and the
 * correlation engine, and listens. `close()` shuts down gracefully: stop accepting, end streams, stop correlating,
 * let in-flight requests and delivery attempts finish (bounded), flush the commit queue, close the queues and the
 * store.
 * @module
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CDEvents, createCDEvents } from "@cairn/cdevents";
import pino, { type DestinationStream, type Logger } from "pino";
import type { HubConfig } from "./config/config.ts";
import type { HubContext } from "./context.ts";
import { startTriggers, type TriggerEngine } from "./correlation/engine.ts";
import { openCorrelationStore } from "./correlation/open-store.ts";
import type { CorrelationStore } from "./correlation/store.ts";
import { Authorizer } from "./http/auth.ts";
import { Router } from "./http/router.ts";
import { handle } from "./http/server.ts";
import { ByteGate } from "./ingest/byte-gate.ts";
import { CommitQueue } from "./ingest/commit-queue.ts";
import { HubMetrics } from "./metrics.ts";
import { Retention } from "./retention.ts";
import { type RouterEngine, startRouter } from "./router/engine.ts";
import { openQueue } from "./router/open-queue.ts";
import type { DeliveryQueue } from "./router/queue.ts";
import { ROUTES } from "./routes/index.ts";
import { openStore } from "./store/open.ts";
import type { EventStore } from "./store/types.ts";
import { StreamHub } from "./stream/stream-hub.ts";

/** A running hub. */
export interface Hub {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly store: EventStore;
  readonly log: Logger;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

/** Options that are not configuration: where logs go, and an already open store for embedding. */
export interface StartOptions {
  /** Log destination (default: stdout). */
  readonly logStream?: DestinationStream;
  /** Use this store instead of opening the configured one (embedding; tests wrap a real store). Closed on close. */
  readonly store?: EventStore;
}

/** Thrown when the hub refuses to start; `code` is stable. */
export class HubStartError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HubStartError";
    this.code = code;
  }
}

/** True for a loopback listen address (127.0.0.0/8, ::1, localhost), where no tokens are required. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/.test(host);
}

/** The hub's version (the package's). */
export const HUB_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * Standard output, written in blocks of at least 4 KiB (and at least every quarter second) rather than with one
 * write per line: one log line per request made the write system call about 5% of the event loop at 1,000
 * requests/s. Each block is written by the event loop itself, as Node writes standard output to files and pipes:
 * handing blocks to libuv's thread pool (pino's `sync: false`) cost more (about 4% of the event loop at 11,000
 * requests/s, mostly waking a pool thread per block), and a slow reader then grows the buffer without bound
 * instead of slowing the hub. What is buffered is written at exit (pino flushes it) and by `log.flush()`.
 */
function stdoutLog(): DestinationStream {
  return pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 250 });
}

/** Starts a hub with a validated configuration. */
export async function startHub(config: HubConfig, options: StartOptions = {}): Promise<Hub> {
  if (!isLoopbackHost(config.host) && config.tokens.length === 0 && !config.insecure)
    throw new HubStartError(
      "CAIRN_ERR_INSECURE",
      `refusing to listen on ${config.host} without API tokens: configure tokens (CAIRN_TOKENS) or pass --insecure`,
    );
  const log = pino({ level: config.logLevel, base: { service: "cairn-hub" } }, options.logStream ?? stdoutLog());
  const store = options.store ?? (await openConfiguredStore(config));
  let closing = false;
  const queue = new CommitQueue(store, {
    maxPending: config.limits.maxQueueEvents,
    maxPendingBytes: config.limits.maxQueueBytes,
    // The SQLite writer commits on its own thread while the next group forms, so a group only has to cover one
    // commit: 1000 events keep fsyncs rare while each group (packed and copied to the writer) stays about 1 MB.
    maxBatch: 1000,
    // Both stores commit appends one at a time, in order (the SQLite writer thread; PostgreSQL's append lock, taken
    // inside the append's one statement): the next group waits there, not here, and starts the moment the last
    // commits rather than a round trip later.
    maxCommitting: 2,
    onCommit: (n, s, ok) => metrics.commit(n, s, ok),
  });
  const reading = new ByteGate(config.limits.maxReadingBytes);
  const decoding = new ByteGate(config.limits.maxDecodingBytes);
  const metrics = new HubMetrics(store, queue, { reading, decoding });
  const streams = new StreamHub(store, (err) => log.error({ err }, "stream failed"));
  const retention = new Retention(store, config.retention, log, (n) => metrics.retentionDeleted.inc(n));
  const cdevents = createCDEvents();
  const router = await startConfiguredRouter(config, { store, commits: queue, cdevents, metrics, log });
  const triggers = await startConfiguredTriggers(config, { store, commits: queue, router, metrics, log });
  const ctx: HubContext = {
    config,
    store,
    queue,
    reading,
    decoding,
    cdevents,
    auth: new Authorizer(config.tokens),
    metrics,
    log,
    streams,
    retention,
    router,
    triggers,
    version: HUB_VERSION,
    closing: () => closing,
  };
  const routes = new Router(ROUTES);
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
    void handle(ctx, routes, req, res);
  });
  try {
    await listen(server, config);
  } catch (cause) {
    await triggers.stop();
    await router.stop(0);
    await store.close();
    throw new HubStartError("CAIRN_ERR_LISTEN", `cannot listen on ${config.host}:${config.port}`, { cause });
  }
  retention.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info({ url, store: store.engine, auth: ctx.auth.enabled }, "cairn hub listening");
  log.flush();
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Correlation stops first: an emission in progress still reaches the commit queue and the delivery queue.
      const triggersStopped = triggers.stop();
      // Delivery attempts finish (bounded by the same timeout) while requests do; replies still reach the store.
      const routerStopped = router.stop(config.shutdownTimeoutMs);
      streams.close();
      // A keep-alive connection whose request finishes during shutdown becomes idle then: close it at once rather
      // than wait for the timeout with it.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 20).unref();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      await Promise.race([stopped, timeout]);
      clearInterval(sweep);
      server.closeAllConnections();
      await triggersStopped;
      await routerStopped;
      await queue.drained();
      await retention.stop();
      await store.close();
      log.info("cairn hub stopped");
      log.flush();
    })();
    return closed;
  };
  return { url, port, store, log, close };
}

// The delivery engine over the queue beside the store. A failure closes the store and is a HubStartError.
async function startConfiguredRouter(
  config: HubConfig,
  parts: { store: EventStore; commits: CommitQueue; cdevents: CDEvents; metrics: HubMetrics; log: Logger },
): Promise<RouterEngine> {
  let queue: DeliveryQueue | null = null;
  try {
    queue = await openQueue(config.store, config.bus);
    return await startRouter({
      store: parts.store,
      queue,
      commits: parts.commits,
      cdevents: parts.cdevents,
      registry: parts.metrics.registry,
      log: parts.log.child({ component: "router" }),
      configSubscriptions: config.subscriptions,
      maxEventBytes: config.limits.maxEventBytes,
    });
  } catch (cause) {
    await queue?.close().catch(() => {});
    await parts.store.close();
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    throw new HubStartError("CAIRN_ERR_ROUTER_START", `cannot start the delivery engine${reason}`, { cause });
  }
}

// The correlation engine over its store beside the event store. A failure stops the router, closes the store and
// is a HubStartError.
async function startConfiguredTriggers(
  config: HubConfig,
  parts: { store: EventStore; commits: CommitQueue; router: RouterEngine; metrics: HubMetrics; log: Logger },
): Promise<TriggerEngine> {
  let correlations: CorrelationStore | null = null;
  try {
    correlations = await openCorrelationStore(config.store);
    return await startTriggers({
      store: parts.store,
      correlations,
      commits: parts.commits,
      router: parts.router,
      registry: parts.metrics.registry,
      log: parts.log.child({ component: "correlation" }),
      configTriggers: config.triggers,
      maxEventBytes: config.limits.maxEventBytes,
    });
  } catch (cause) {
    await correlations?.close().catch(() => {});
    await parts.router.stop(0).catch(() => {});
    await parts.store.close();
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    throw new HubStartError("CAIRN_ERR_CORRELATION_START", `cannot start the correlation engine${reason}`, { cause });
  }
}

// The data directory and the store, with failures as HubStartErrors naming what could not be opened.
async function openConfiguredStore(config: HubConfig): Promise<EventStore> {
  try {
    if (config.store.kind === "sqlite") mkdirSync(config.dataDir, { recursive: true });
  } catch (cause) {
    throw new HubStartError("CAIRN_ERR_DATA_DIR", `cannot create the data directory ${config.dataDir}`, { cause });
  }
  try {
    return await openStore(config.store);
  } catch (cause) {
    const where = config.store.kind === "sqlite" ? config.store.path : "the PostgreSQL store";
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    throw new HubStartError("CAIRN_ERR_STORE_OPEN", `cannot open ${where}${reason}`, { cause });
  }
}

function listen(server: Server, config: HubConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
