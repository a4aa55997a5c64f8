/**
 * Runs the correlation store conformance suite against every engine: SQLite beside the event store and the
 * delivery queue in a temporary file, PostgreSQL in a throwaway schema per case (skipped without a server, except
 * under CI).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openPostgresCorrelationStore } from "../src/correlation/postgres-store.ts";
import { openSqliteCorrelationStore } from "../src/correlation/sqlite-store.ts";
import { openPostgresQueue } from "../src/router/postgres-queue.ts";
import { openSqliteQueue } from "../src/router/sqlite-queue.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import { correlationConformance } from "./correlation-conformance.ts";
import { PG_URL, tempSchema, whenPostgres } from "./store-pg-env.ts";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

correlationConformance("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-correlation-"));
  dirs.push(dir);
  const path = join(dir, "cairn.db");
  const store = await openSqliteStore({ path });
  const queue = await openSqliteQueue(path);
  const reopen = () => openSqliteCorrelationStore(path);
  return { store, queue, correlations: await reopen(), reopen };
});

whenPostgres("CorrelationStore conformance: postgres", () =>
  correlationConformance("postgres", async () => {
    const schema = tempSchema();
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const queue = await openPostgresQueue({ url: PG_URL, schema, poolSize: 2 });
    const reopen = () => openPostgresCorrelationStore({ url: PG_URL, schema });
    return { store, queue, correlations: await reopen(), reopen };
  }),
);
