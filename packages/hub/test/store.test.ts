/**
 * Runs the store conformance suite against every engine: SQLite in temporary directories, PostgreSQL in a throwaway
 * schema per case (`CAIRN_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`). Without a reachable
 * PostgreSQL the PostgreSQL cases are skipped, except under CI (`CI` set), where that is a failure.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { EventStore } from "../src/store/types.ts";
import { storeConformance } from "./store-conformance.ts";
import { PG_URL, tempSchema, whenPostgres } from "./store-pg-env.ts";

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

const pgSchemas = new WeakMap<EventStore, string>();

async function openPgIn(schema: string): Promise<EventStore> {
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 12 });
  pgSchemas.set(store, schema);
  return store;
}

whenPostgres("EventStore conformance: postgres", () =>
  storeConformance("postgres", () => openPgIn(tempSchema()), {
    reopen: (store) => openPgIn(pgSchemas.get(store) ?? assert.fail("not a store of this suite")),
    watchesOtherInstances: true,
  }),
);
