/**
 * The server under test of the ingest bench, run as a child process so the load generator never shares its event
 * loop. `bench/ingest.ts` spawns it with an IPC channel; once listening it sends `{ url }` over the channel. The
 * hub keeps its production logging (one info line per request to stdout); the bench points stdout at /dev/null.
 *
 * ```sh
 * node bench/ingest-server.ts bare                                   # node:http: read the body, answer 202
 * node bench/ingest-server.ts hub --data DIR                         # startHub on SQLite in DIR
 * node bench/ingest-server.ts hub --data DIR --store postgres://… --schema S
 * ```
 *
 * It stops on SIGTERM or an IPC `"stop"` message: the hub closes gracefully (flushing the commit queue), so a
 * `--cpu-prof` profile is written on exit.
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { formatConfigIssues, loadConfig, startHub } from "@cairn/hub";

/** What the child sends the bench once listening. */
export interface ServerReady {
  readonly url: string;
}

/** What the child answers to a `"memory"` message: `process.memoryUsage()` at its highest RSS so far, in bytes. */
export interface ServerMemory {
  readonly memory: NodeJS.MemoryUsage;
}

// Largest body the bench sends (1000-event batches are about 1 MB); the hub's default limit is 1 MiB.
const MAX_REQUEST_BYTES = "16MiB";

async function bare(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
    });
    req.on("end", () => {
      const body = `{"bytes":${size}}`;
      res.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function hub(flags: {
  data?: string;
  store?: string;
  schema?: string;
}): Promise<{ url: string; close: () => Promise<void> }> {
  const settings = new Map<string, unknown>([
    ["port", 0],
    ["data", flags.data ?? "cairn-bench-data"],
    ["limits.maxRequestBytes", MAX_REQUEST_BYTES],
  ]);
  if (flags.store) settings.set("store", flags.store);
  if (flags.schema) settings.set("postgres.schema", flags.schema);
  const loaded = loadConfig({ flags: settings, env: {} });
  if (!loaded.ok) throw new Error(formatConfigIssues(loaded.issues));
  const h = await startHub(loaded.config);
  return { url: h.url, close: () => h.close() };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { data: { type: "string" }, store: { type: "string" }, schema: { type: "string" } },
  });
  const kind = positionals[0];
  if (kind !== "bare" && kind !== "hub") throw new Error(`usage: ingest-server.ts bare|hub [--data DIR] …`);
  const server = kind === "bare" ? await bare() : await hub(values);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.close().finally(() => process.exit(0));
  };
  // The breakdown of the resident set at its peak (V8 heap, external memory), sampled every 100 ms.
  let peak = process.memoryUsage();
  setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  }, 100).unref();
  process.on("SIGTERM", stop);
  process.on("message", (m) => {
    if (m === "stop") stop();
    else if (m === "memory" && process.send) process.send({ memory: peak } satisfies ServerMemory);
  });
  process.on("disconnect", stop);
  const ready: ServerReady = { url: server.url };
  if (process.send) process.send(ready);
  else process.stderr.write(`${server.url}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ingest-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
