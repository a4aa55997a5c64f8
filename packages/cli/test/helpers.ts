/**
 * Running the real `cairn` binary as a child process, and access to the official examples in ../shared.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

/** The repository root (tests run the binary from here, as a user would). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE = join(ROOT, "node_modules/.bin/node");
const BIN = join(ROOT, "packages/cli/src/bin.ts");

/** The official CDEvents spec files, beside the repository. */
export const SPEC = fileURLToPath(new URL("../../../../shared/cdevents-spec/", import.meta.url));

/** What a finished run printed and returned. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `cairn args…` in the repository root. */
export function start(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(NODE, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
}

/** Runs `cairn args…` to completion, optionally feeding stdin. */
export async function cairn(args: readonly string[], stdin?: string): Promise<Run> {
  const child = start(args);
  child.stdin.end(stdin ?? "");
  return finished(child);
}

/** Waits for a started child to exit and collects its output. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<Run> {
  return watch(child).done;
}

/**
 * Watches a started child: `firstLine` resolves with the first line it prints on stdout (e.g. `listen`'s
 * address), `done` with everything once it exits. One listener sees all output, so nothing is lost in between.
 */
export function watch(child: ChildProcessWithoutNullStreams): { firstLine: Promise<string>; done: Promise<Run> } {
  let stdout = "";
  let stderr = "";
  let lineSeen: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve, reject) => {
    lineSeen = resolve;
    child.once("exit", (code) => reject(new Error(`cairn exited (${code}) before printing a line: ${stderr}`)));
  });
  firstLine.catch(() => {}); // callers that only await `done` must not see an unhandled rejection
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    if (stdout.includes("\n")) lineSeen(stdout.slice(0, stdout.indexOf("\n")));
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { firstLine, done };
}

/** True when ../shared holds the spec; otherwise skips the test, or fails it in CI. */
export function needSpec(t: TestContext): boolean {
  if (existsSync(SPEC)) return true;
  if (process.env.CI) throw new Error(`official examples not found at ${SPEC}; CI must have ../shared`);
  t.skip(`official examples not found at ${SPEC}: skipped`);
  return false;
}

/** The `.json` example files of a spec folder (e.g. `v0.5.1/conformance`), sorted, as absolute paths. */
export function examples(folder: string): string[] {
  const dir = join(SPEC, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "schema.json")
    .sort()
    .map((f) => join(dir, f));
}

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
