/**
 * The PostgreSQL the store tests use (`CAIRN_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`),
 * throwaway schemas in it, and the rule for when it is down: skip with a message, but fail under CI (`CI` set).
 * @module
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import pg from "pg";

/** Connection URL of the test database. */
export const PG_URL = process.env.CAIRN_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const where = URL.canParse(PG_URL) ? new URL(PG_URL).host : PG_URL;

/** Null when PostgreSQL answers, else why not. */
async function unreachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message || e.name : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why PostgreSQL cannot be used (null when it can), asked once per test file. */
export const pgDown: string | null = await unreachable();

const prefix = `cairn_test_${process.pid}_${randomBytes(4).toString("hex")}`;
const created: string[] = [];

/** A new schema name, unique to this run and dropped (if it was created) when the file's tests end. */
export function tempSchema(): string {
  const name = `${prefix}_${created.length}`;
  created.push(name);
  return name;
}

// Registered while the importing test file loads, so it is a hook of the whole file.
after(async () => {
  if (created.length > 0) await dropAll();
});

async function dropAll(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const schema of created) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Runs `fn` on a short-lived plain connection (for inspecting or tampering with what a store wrote). */
export async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Registers `register` (which declares PostgreSQL tests) when the database answers; otherwise one skipped test
 * naming the address, or under CI one failing test.
 */
export function whenPostgres(name: string, register: () => void): void {
  if (pgDown === null) {
    register();
    return;
  }
  const why = `PostgreSQL at ${where} is unreachable (${pgDown}); start it or set CAIRN_TEST_PG_URL`;
  describe(name, () => {
    if (process.env.CI) it("needs PostgreSQL under CI", () => assert.fail(why));
    else it("PostgreSQL cases", { skip: why }, () => {});
  });
}
