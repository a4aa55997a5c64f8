/**
 * Runs the delivery-queue conformance suite against every engine: SQLite beside the event store in a temporary
 * file, PostgreSQL in a throwaway schema per case (skipped without a server, except under CI).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openPostgresQueue } from "../src/router/postgres-queue.ts";
import { openSqliteQueue } from "../src/router/sqlite-queue.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import { queueConformance } from "./queue-conformance.ts";
import { PG_URL, tempSchema, whenPostgres } from "./store-pg-env.ts";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

queueConformance("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-queue-"));
  dirs.push(dir);
  const path = join(dir, "cairn.db");
  const store = await openSqliteStore({ path });
  return { store, queue: await openSqliteQueue(path), reopen: () => openSqliteQueue(path) };
});

// --- PostgreSQL: the store and the queue in a fresh schema per case.

whenPostgres("DeliveryQueue conformance: postgres", () =>
  queueConformance("postgres", async () => {
    const schema = tempSchema();
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const open = () => openPostgresQueue({ url: PG_URL, schema, poolSize: 4 });
    return { store, queue: await open(), reopen: open };
  }),
);
