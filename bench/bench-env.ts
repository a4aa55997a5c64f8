/**
 * What the process-level suites (`ingest`, `router`) share: environment settings read with clear errors, the
 * PostgreSQL they run against (reachability, a client for one call, dropping a case's schema), and unique event
 * ids.
 * @module
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { BenchSetupError } from "./corpus.ts";

/** The values of a comma-separated environment variable among `all` (all of them when unset). */
export function listEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return [...all];
  const picked = raw.split(",").map((x) => x.trim());
  const unknown = picked.filter((x) => !all.includes(x as T));
  if (unknown.length > 0)
    throw new BenchSetupError(`${name}: unknown ${unknown.join(", ")}; use some of ${all.join(",")}`);
  return all.filter((x) => picked.includes(x));
}

const CLI_BIN = new URL("../packages/cli/bin/cairn.js", import.meta.url);

/** The Node flag that makes `@cairn/*` packages resolve to their compiled `dist/` (see `scripts/build.ts`). */
export const COMPILED = "--conditions=cairn-compiled";

/**
 * The Node flags `cairn serve` runs with: those of the CLI's `#!/usr/bin/env -S node …` line, so a hub child of the
 * benches runs as the real command does. `override` (an environment variable's value) replaces the V8 flags among
 * them when set; {@link COMPILED} always stays.
 */
export function serveNodeFlags(override: string | undefined): string[] {
  const line = (readFileSync(CLI_BIN, "utf8").split("\n", 1)[0] ?? "").replace(/^#!.*?\bnode\b/, "");
  const flags = line.split(" ").filter((f) => f !== "");
  const v8 = override === undefined ? flags.filter((f) => f !== COMPILED) : override.split(" ");
  return [COMPILED, ...v8.filter((f) => f !== "")];
}

/** A positive number from the environment, or `fallback`. */
export function positiveEnv(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!(v > 0)) throw new BenchSetupError(`${name} must be a positive number`);
  return v;
}

/** Runs `f` with a connected client, closed afterwards. */
export async function withPg<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

/** Null when PostgreSQL at `url` answers, else why not. */
export async function pgReachable(url: string): Promise<string | null> {
  try {
    await withPg(url, (c) => c.query("SELECT 1"));
    return null;
  } catch (e) {
    return `${url} is unreachable (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Drops a case's schema; a failure is reported, not thrown (the numbers are already taken). */
export async function dropSchema(suite: string, url: string, schema: string): Promise<void> {
  await withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch((e: unknown) => {
    process.stderr.write(`  ${suite}: could not drop schema ${schema}: ${e instanceof Error ? e.message : e}\n`);
  });
}

/** Unique event ids: a random UUID prefix per case and a counter, shaped like UUIDs. */
export class IdSource {
  readonly #prefix = randomUUID().slice(0, 24);
  #next = 0;

  /** Ids handed out so far. */
  get issued(): number {
    return this.#next;
  }

  id(): string {
    return this.#prefix + (this.#next++).toString(16).padStart(12, "0");
  }
}
