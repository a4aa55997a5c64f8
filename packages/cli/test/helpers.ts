/**
 * Running the real `cairn` binary as a child process, and access to the official examples in ../shared.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

/** The repository root (tests run the binary from here, as a user would). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE = join(ROOT, "node_modules/.bin/node");
const BIN = join(ROOT, "packages/cli/src/bin.ts");
// The command as users run it: its `#!` line runs the compiled `dist/`, which `npm install` and `npm test` build.
const COMMAND = join(ROOT, "packages/cli/bin/cairn.js");

/**
 * Which `cairn` a test runs: `source` (default) is `src/bin.ts` under the repository's Node; `command` is the
 * `cairn` command itself, as npm links it (`bin/cairn.js`, compiled code), with the repository's Node first on PATH.
 */
export type Build = "source" | "command";

/** The official CDEvents spec files, beside the repository. */
export const SPEC = fileURLToPath(new URL("../../../../shared/cdevents-spec/", import.meta.url));

/** What a finished run printed and returned. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Extra environment variables of a run. */
export type Env = Readonly<Record<string, string>>;

/**
 * Starts `cairn args…` in the repository root. `CAIRN_*` variables of the test's own environment are not passed
 * on (a developer's `CAIRN_HUB` or `CAIRN_TOKEN` must not change the outcome); `env` adds variables.
 */
export function start(args: readonly string[], env: Env = {}, build: Build = "source"): ChildProcessWithoutNullStreams {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CAIRN_")));
  const base = { ...inherited, NO_COLOR: "1", ...env };
  if (build === "command")
    return spawn(COMMAND, args, { cwd: ROOT, env: { ...base, PATH: `${dirname(NODE)}:${process.env.PATH ?? ""}` } });
  return spawn(NODE, [BIN, ...args], { cwd: ROOT, env: base });
}

/** Runs `cairn args…` to completion, optionally feeding stdin. */
export async function cairn(
  args: readonly string[],
  stdin?: string,
  env: Env = {},
  build: Build = "source",
): Promise<Run> {
  const child = start(args, env, build);
  child.stdin.end(stdin ?? "");
  return finished(child);
}

/** Waits for a started child to exit and collects its output. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<Run> {
  return watch(child).done;
}

/** A watched child: see {@link watch}. */
export interface Watched {
  /** The first line printed on stdout. */
  readonly firstLine: Promise<string>;
  /** Everything, once the child has exited. */
  readonly done: Promise<Run>;
  /**
   * Resolves once the output so far on `stream` matches `pattern` (checked against all of it, so a match that
   * happened earlier counts); rejects if the child exits first or after `timeoutMs`.
   */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** The output so far. */
  output(): { stdout: string; stderr: string };
}

/**
 * Watches a started child: `firstLine` resolves with the first line it prints on stdout (e.g. `listen`'s
 * address), `done` with everything once it exits. One listener sees all output, so nothing is lost in between.
 */
export function watch(child: ChildProcessWithoutNullStreams): Watched {
  const text = { stdout: "", stderr: "" };
  let exited = false;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of waiters) w();
  };
  let lineSeen: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve, reject) => {
    lineSeen = resolve;
    child.once("exit", (code) => reject(new Error(`cairn exited (${code}) before printing a line: ${text.stderr}`)));
  });
  firstLine.catch(() => {}); // callers that only await `done` must not see an unhandled rejection
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    text.stdout += d;
    if (text.stdout.includes("\n")) lineSeen(text.stdout.slice(0, text.stdout.indexOf("\n")));
    changed();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    text.stderr += d;
    changed();
  });
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      exited = true;
      changed();
      resolve({ code, ...text });
    });
  });
  const waitFor = (stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`timed out waiting for ${pattern}`)), timeoutMs);
      const settle = (error?: Error) => {
        waiters.delete(check);
        clearTimeout(timer);
        if (error) reject(new Error(`${error.message}\nstdout: ${text.stdout}\nstderr: ${text.stderr}`));
      };
      const check = () => {
        const m = pattern.exec(text[stream]);
        if (m) {
          settle();
          resolve(m);
        } else if (exited) settle(new Error(`cairn exited before printing ${pattern}`));
      };
      waiters.add(check);
      check();
    });
  return { firstLine, done, waitFor, output: () => ({ ...text }) };
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

/** Where cleanup is registered: a test's context, or a suite (`{ after }` from node:test). */
export interface Cleanup {
  after(fn: () => unknown): void;
}

/**
 * Cleanup for a whole suite: call in the `describe` body (node:test's `after` called inside a `before` hook runs
 * right after that hook, not after the suite). Functions run last-registered first.
 */
export function suiteCleanup(after: (fn: () => void) => void): Cleanup {
  const fns: (() => unknown)[] = [];
  after(() => {
    for (const fn of fns.reverse()) fn();
  });
  return { after: (fn) => fns.push(fn) };
}

/** A fresh temporary directory, removed when the test (or suite) ends. */
export function tempDir(t: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
