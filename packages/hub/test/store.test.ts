/**
 * Runs the store conformance suite against every engine: SQLite in temporary directories, PostgreSQL in a throwaway
 * schema per case (`CAIRN_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Without a reachable
 * PostgreSQL the PostgreSQL cases are skipped, except under CI (`CI` set), where that is a failure.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { EventStore } from "../src/store/types.ts";
import { storeConformance } from "./store-conformance.ts";

/** The PostgreSQL the tests use. */
export const PG_URL = process.env.CAIRN_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

// --- SQLite: one file per store, in a directory removed at the end.

const dirs: string[] = [];
const sqlitePaths = new WeakMap<EventStore, string>();

async function openSqliteAt(path: string): Promise<EventStore> {
  const store = await openSqliteStore({ path });
  sqlitePaths.set(store, path);
  return store;
}

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

storeConformance(
  "sqlite",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-store-"));
    dirs.push(dir);
    return openSqliteAt(join(dir, "events.db"));
  },
  {
    reopen: (store) => openSqliteAt(sqlitePaths.get(store) ?? assert.fail("not a store of this suite")),
    watchesOtherInstances: false,
  },
);

// --- PostgreSQL: a fresh schema per store, all dropped at the end.

const run = `cairn_test_${process.pid}_${randomBytes(4).toString("hex")}`;
const schemas: string[] = [];
const pgSchemas = new WeakMap<EventStore, string>();

async function openPgIn(schema: string): Promise<EventStore> {
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 12 });
  pgSchemas.set(store, schema);
  return store;
}

/** Null when PostgreSQL answers, else why not. */
async function pgUnreachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message || e.constructor.name : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

const where = URL.canParse(PG_URL) ? new URL(PG_URL).host : PG_URL;
const down = await pgUnreachable();
if (down === null) {
  after(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  storeConformance(
    "postgres",
    async () => {
      const schema = `${run}_${schemas.length}`;
      schemas.push(schema);
      return openPgIn(schema);
    },
    {
      reopen: (store) => openPgIn(pgSchemas.get(store) ?? assert.fail("not a store of this suite")),
      watchesOtherInstances: true,
    },
  );
} else {
  const why = `PostgreSQL at ${where} is unreachable (${down}); set CAIRN_TEST_PG_URL or start it`;
  describe("EventStore conformance: postgres", () => {
    if (process.env.CI) it("needs PostgreSQL under CI", () => assert.fail(why));
    else it("PostgreSQL cases", { skip: why }, () => {});
  });
}
