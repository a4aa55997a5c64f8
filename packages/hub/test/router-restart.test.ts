/**
 * Durable delivery across a crash: a child `cairn serve` routes events to config-declared subscriptions whose
 * sinks are down (retries scheduled) or hanging (attempts in flight), and is killed with SIGKILL. Restarted on the
 * same data directory with the sinks up, it delivers every event — nothing acknowledged is lost — or dead-letters
 * it where the policy says so.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildFinished, tempDir } from "./hub-helpers.ts";
import { call, deadLetters, eventually, metric, send } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));
const EVENTS = 30;

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
}

async function serve(dir: string, config: string): Promise<Child> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CAIRN_") && v !== undefined) env[k] = v;
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--port", "0", "--data", dir, "--config", config, "--log-level", "warn"],
    {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let seen = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code, signal) => reject(new Error(`cairn serve exited (${code ?? signal}):\n${seen}`)));
  });
  return { process: child, url };
}

function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.process.once("exit", () => resolve());
    child.process.kill("SIGKILL");
  });
}

function stop(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) return resolve();
    child.process.once("exit", () => resolve());
    child.process.kill("SIGTERM");
  });
}

describe("router: restart after SIGKILL", () => {
  it("delivers or dead-letters every acknowledged event after a crash with retries scheduled", {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const down = await TestSink.start(); // reserve a port, then close it: the sink is down
    await down.down();
    const hanging = await TestSink.start();
    hanging.on("/in", () => ({ hang: true }));
    const fast = { backoffDelay: 50, backoffMax: 200, jitter: 0 };
    const config = join(dir, "cairn.json");
    writeFileSync(
      config,
      JSON.stringify({
        subscriptions: [
          { id: "patient", sink: down.url("/in"), protocol: "HTTP", delivery: { ...fast, retry: 1000 } },
          { id: "fragile", sink: down.url("/fragile"), protocol: "HTTP", delivery: { ...fast, retry: 2 } },
          { id: "inflight", sink: hanging.url("/in"), protocol: "HTTP", delivery: { timeout: 60_000, retry: 5 } },
        ],
      }),
    );
    const first = await serve(dir, config);
    const events = Array.from({ length: EVENTS }, () => buildFinished({ source: "/restart" }));
    await send(first.url, events);
    // Every event has been retried at least once (retries are scheduled), and the hanging sink holds attempts.
    await eventually(async () => (await metric(first.url, "cairn_router_retries_total")) >= EVENTS, 20_000, "retries");
    await hanging.until(() => hanging.at("/in").length >= 16);
    await kill(first);

    await down.up();
    await hanging.down();
    await hanging.up();
    hanging.on("/in", () => ({ status: 200 }));
    const second = await serve(dir, config);
    try {
      const wanted = new Set(events.map((e) => e.context.id));
      const ids = (sink: TestSink, path: string) => new Set(sink.at(path).map((r) => r.headers["ce-id"]));
      await down.until(() => ids(down, "/in").size === EVENTS, 20_000, "every event at the patient sink");
      await hanging.until(() => ids(hanging, "/in").size === EVENTS, 20_000, "every event at the hanging sink");
      assert.deepEqual(ids(down, "/in"), wanted);
      assert.deepEqual(ids(hanging, "/in"), wanted);
      // The fragile subscription ran out of retries for some events before the crash; the rest arrive now.
      await eventually(
        async () => {
          const dead = (await deadLetters(second.url, "?subscription=fragile")).map(
            (d) => (d.cloudEvent as { id: string }).id,
          );
          return ids(down, "/fragile").size + dead.length === EVENTS ? dead : null;
        },
        20_000,
        "fragile: delivered or dead-lettered",
      );
      const dead = (await deadLetters(second.url, "?subscription=fragile")).map(
        (d) => (d.cloudEvent as { id: string }).id,
      );
      assert.deepEqual(new Set([...ids(down, "/fragile"), ...dead]), wanted);
      await eventually(async () => {
        const { depth } = (await call(second.url, "GET", "/api/v1/admin/status")).json.router;
        return depth.inFlight + depth.pending + depth.scheduled === 0;
      });
    } finally {
      await stop(second);
      await down.down();
      await hanging.down();
    }
  });
});
