/**
 * Running `cairn serve` in tests: start it on a free port with a temporary data directory, wait for its listening
 * line, send it events with `cairn send`.
 */
import assert from "node:assert/strict";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Build, type Cleanup, cairn, type Env, type Run, start, type Watched, watch } from "./helpers.ts";

/** A running `cairn serve`. */
export interface Served extends Watched {
  readonly child: ChildProcessWithoutNullStreams;
  /** Base URL from the listening line, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** The store part of the listening line, e.g. `sqlite /tmp/…/cairn.db`. */
  readonly store: string;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<Run>;
}

/** The listening line of `cairn serve` on stderr. */
export const LISTENING = /^cairn hub listening on (http:\/\/\S+) \(([^)]+)\)$/m;

/** Starts `cairn serve --port 0 …args` (unless args set a port) and resolves once it listens. */
export async function serveHub(
  t: Cleanup,
  args: readonly string[],
  env: Env = {},
  build: Build = "source",
): Promise<Served> {
  const child = start(["serve", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args], env, build);
  t.after(() => child.kill("SIGKILL"));
  const watched = watch(child);
  const [, url = "", store = ""] = await watched.waitFor("stderr", LISTENING);
  const stop = () => {
    child.kill("SIGTERM");
    return watched.done;
  };
  return { ...watched, child, url, port: Number(new URL(url).port), store, stop };
}

/** A port nothing listens on (just released by the OS). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Flags that build a valid event for `cairn send`. */
export function eventFlags(type: string, id: string, subjectId: string, source = "/ci/pipeline"): string[] {
  return ["--type", type, "--source", source, "--subject-id", subjectId, "--id", id];
}

/** `cairn send` to a hub's ingest route; asserts it was accepted. */
export async function sendTo(hub: { url: string }, args: readonly string[], stdin?: string): Promise<void> {
  const r = await cairn(["send", "--to", `${hub.url}/api/v1/events`, ...args], stdin);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^✓ 202 Accepted/);
}

/** Parses JSON Lines output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
