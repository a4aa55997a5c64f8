/**
 * Correlation across crashes: a child `cairn serve` with a config-declared trigger is killed with SIGKILL between
 * the two events of a join, and while a batch of joins is being completed; restarted on the same data directory,
 * every join fires exactly once (one emitted event per key) and every emitted event reaches the sink.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { built, deployed, emitted, settled, shipTrigger } from "./correlation-helpers.ts";
import { tempDir } from "./hub-helpers.ts";
import { eventually, send } from "./router-helpers.ts";
import { TestSink } from "./sink-server.ts";

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
}

async function serve(dir: string, config: string): Promise<Child> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CAIRN_") && v !== undefined) env[k] = v;
  const args = [CLI, "serve", "--port", "0", "--data", dir, "--config", config, "--log-level", "warn"];
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
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

function signal(child: Child, name: "SIGKILL" | "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    child.process.once("exit", () => resolve());
    child.process.kill(name);
  });
}

function configFile(dir: string, sink: TestSink): string {
  const file = join(dir, "cairn.json");
  writeFileSync(file, JSON.stringify({ triggers: [shipTrigger("crash", "PT5M", sink.url("/crash"))] }));
  return file;
}

const subjectOf = (e: Record<string, unknown>) => (e.event as { subject: { id: string } }).subject.id;

describe("correlation: restart after SIGKILL", () => {
  it("killed between the two events of a join, it fires exactly once after the restart", {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const sink = await TestSink.start();
    const config = configFile(dir, sink);
    const first = await serve(dir, config);
    let second: Child | null = null;
    try {
      const [seqA] = await send(first.url, [built("crash-1")]);
      await settled(first.url, seqA as number);
      await signal(first, "SIGKILL");
      second = await serve(dir, config);
      const [seqB] = await send(second.url, [deployed("crash-1")]);
      await sink.until(() => sink.at("/crash").length === 1, 10_000, "the sink call");
      await settled(second.url, seqB as number);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual((await emitted(second.url, "crash")).map(subjectOf), ["crash-1"]);
      assert.equal(sink.at("/crash").length, 1);
    } finally {
      await signal(first, "SIGKILL");
      if (second) await signal(second, "SIGTERM");
      await sink.down();
    }
  });

  it("killed while joins complete, every key fires exactly once and reaches the sink", {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const sink = await TestSink.start();
    sink.on("/crash", () => ({ status: 200, delayMs: 20 }));
    const config = configFile(dir, sink);
    const keys = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
    const first = await serve(dir, config);
    let second: Child | null = null;
    try {
      const sequences = await send(
        first.url,
        keys.map((k) => built(k)),
      );
      await settled(first.url, sequences.at(-1) as number);
      // The second halves go in, and the hub dies while correlating, emitting and delivering them.
      await send(
        first.url,
        keys.map((k) => deployed(k)),
      );
      await signal(first, "SIGKILL");
      second = await serve(dir, config);
      const url = second.url;
      const fired = await eventually(
        async () => {
          const events = await emitted(url, "crash");
          return events.length >= keys.length ? events : null;
        },
        20_000,
        "every join emitted",
      );
      await new Promise((r) => setTimeout(r, 300));
      const all = await emitted(url, "crash");
      assert.equal(all.length, keys.length, "no join fired twice");
      assert.deepEqual(new Set(all.map(subjectOf)), new Set(keys));
      const ids = new Set(fired.map((e) => (e.cloudEvent as { id: string }).id));
      await sink.until(() => new Set(sink.at("/crash").map((r) => r.headers["ce-id"])).size === keys.length, 20_000);
      assert.deepEqual(new Set(sink.at("/crash").map((r) => r.headers["ce-id"])), ids);
      // Delivery is at least once: an attempt cut by the kill is made again, with the same delivery id.
      const deliveryIds = new Map<string, string>();
      for (const r of sink.at("/crash")) {
        const id = r.headers["ce-id"] as string;
        assert.equal(deliveryIds.get(id) ?? r.headers["cairn-delivery-id"], r.headers["cairn-delivery-id"]);
        deliveryIds.set(id, r.headers["cairn-delivery-id"] as string);
      }
    } finally {
      await signal(first, "SIGKILL");
      if (second) await signal(second, "SIGTERM");
      await sink.down();
    }
  });
});
