/**
 * Runs the delivery-queue conformance suite against every engine: SQLite beside the event store in a temporary
 * file (outcomes on the queue's connection, and delegated to the store's writer thread), PostgreSQL in a throwaway schema per case (skipped without a server, except under CI).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after } from "node:test";
import pg from "pg";
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

// The embedded engine as the hub runs it when routing inline: outcomes committed by the store's writer thread.
for (const delegated of [false, true]) {
  queueConformance(delegated ? "sqlite, outcomes on the writer thread" : "sqlite", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cairn-queue-"));
    dirs.push(dir);
    const path = join(dir, "cairn.db");
    const store = await openSqliteStore({ path });
    const open = async () => {
      const queue = await openSqliteQueue(path);
      const record = store.recordDeliveryOutcomes?.bind(store);
      if (delegated && record) queue.delegateOutcomes?.(record);
      return queue;
    };
    return {
      store,
      queue: await open(),
      reopen: open,
      failDeleteOf: async (sequence) => {
        const db = new DatabaseSync(path);
        db.exec(
          `CREATE TRIGGER test_fail_delete BEFORE DELETE ON deliveries WHEN OLD.seq = ${sequence} ` +
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        );
        return async () => {
          db.exec("DROP TRIGGER test_fail_delete");
          db.close();
        };
      },
    };
  });
}

// --- PostgreSQL: the store and the queue in a fresh schema per case.

whenPostgres("DeliveryQueue conformance: postgres", () =>
  queueConformance("postgres", async () => {
    const schema = tempSchema();
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const open = () => openPostgresQueue({ url: PG_URL, schema, poolSize: 4 });
    return {
      store,
      queue: await open(),
      reopen: open,
      failDeleteOf: async (sequence) => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(
          `CREATE FUNCTION "${schema}".test_fail() RETURNS trigger LANGUAGE plpgsql AS ` +
            "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
        );
        await c.query(
          `CREATE TRIGGER test_fail_delete BEFORE DELETE ON "${schema}".deliveries FOR EACH ROW ` +
            `WHEN (OLD.seq = ${sequence}) EXECUTE FUNCTION "${schema}".test_fail()`,
        );
        return async () => {
          await c.query(`DROP TRIGGER test_fail_delete ON "${schema}".deliveries`);
          await c.end();
        };
      },
    };
  }),
);
