/**
 * The hub under test of the router bench, run as a child process (as `bench/ingest-server.ts`, but taking any
 * configuration setting, so an engine is one more `--set`). Once listening it sends `{ url }` over IPC; it stops
 * gracefully on `"stop"` or SIGTERM, so a `--cpu-prof` profile is written on exit. Production logging (info, to
 * stdout, which the bench points at /dev/null).
 *
 * ```sh
 * node bench/router-server.ts --data DIR [--set store=postgres://… --set postgres.schema=S …]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { formatConfigIssues, loadConfig, startHub } from "@cairn/hub";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: "string" }, set: { type: "string", multiple: true, default: [] } },
  });
  const settings = new Map<string, unknown>([
    ["port", 0],
    ["data", values.data ?? "cairn-bench-data"],
    ["limits.maxRequestBytes", "16MiB"],
    // Deliveries still queued for the slow sink are left for the next start rather than waited for.
    ["shutdownTimeout", "1s"],
  ]);
  for (const s of values.set) {
    const eq = s.indexOf("=");
    if (eq < 1) throw new Error(`--set wants key=value, got ${s}`);
    settings.set(s.slice(0, eq), s.slice(eq + 1));
  }
  const loaded = loadConfig({ flags: settings, env: {} });
  if (!loaded.ok) throw new Error(formatConfigIssues(loaded.issues));
  const hub = await startHub(loaded.config);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void hub.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("message", (m) => {
    if (m === "stop") stop();
  });
  process.on("disconnect", stop);
  process.send?.({ url: hub.url });
}

main().catch((e: unknown) => {
  process.stderr.write(`router-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
