/**
 * What only the PostgreSQL store has: error mapping, migrations shared by replicas, its schema, NOTIFY payloads,
 * and recovering from dropped connections. The contract itself is checked by `store.test.ts`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStoreError, StoreError, StoreErrorCode } from "../src/store/errors.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { toStoreError } from "../src/store/postgres-errors.ts";
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from "../src/store/postgres-migrations.ts";
import type { EventStore } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";
import { PG_URL, tempSchema, whenPostgres, withClient } from "./store-pg-env.ts";

const link = (contextId: string) => ({ linkType: "PATH", linkKind: null, contextId, domainId: null });

const withCode = (code: string, message = "boom"): Error => Object.assign(new Error(message), { code });

describe("PostgreSQL errors", () => {
  it("maps connection failures to CAIRN_ERR_STORE_UNAVAILABLE, keeping the driver error as cause", () => {
    const unavailable = [
      withCode("ECONNREFUSED"),
      withCode("ETIMEDOUT"),
      withCode("57P01", "terminating connection due to administrator command"),
      withCode("08006", "connection failure"),
      withCode("53300", "sorry, too many clients already"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")], ""),
    ];
    for (const e of unavailable) {
      const mapped = toStoreError(e, "append");
      assert.equal(mapped.code, StoreErrorCode.Unavailable, e.message);
      assert.equal(mapped.cause, e);
    }
  });

  it("maps other database errors to CAIRN_ERR_STORE_FAILED and passes store errors through", () => {
    const syntax = withCode("42601", 'syntax error at or near "SELEC"');
    assert.equal(toStoreError(syntax, "query").code, StoreErrorCode.Failed);
    assert.equal(toStoreError(syntax, "query").cause, syntax);
    assert.equal(toStoreError("weird", "query").code, StoreErrorCode.Failed);
    const own = new StoreError(StoreErrorCode.Closed, "closed");
    assert.equal(toStoreError(own, "query"), own);
  });

  it("rejects opening an unreachable server as unavailable, promptly", async () => {
    const started = Date.now();
    await assert.rejects(openPostgresStore({ url: "postgres://postgres@127.0.0.1:1/test" }), (e) => {
      assert.ok(isStoreError(e, StoreErrorCode.Unavailable), String(e));
      assert.ok(e.cause !== undefined);
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
  });

  it("rejects a bad schema name or pool size before connecting", async () => {
    for (const options of [
      { url: PG_URL, schema: 'x"; DROP TABLE y; --' },
      { url: PG_URL, schema: "" },
      { url: PG_URL, schema: "a".repeat(64) },
      { url: PG_URL, poolSize: 0 },
      { url: PG_URL, poolSize: 1.5 },
    ])
      await assert.rejects(openPostgresStore(options), (e) => isStoreError(e, StoreErrorCode.InvalidArgument));
  });
});

whenPostgres("PostgreSQL store", () => {
  const open = (schema: string, url = PG_URL): Promise<EventStore> => openPostgresStore({ url, schema });

  describe("PostgreSQL store", () => {
    it("migrates a fresh schema once when several replicas open it at the same moment", async () => {
      const schema = tempSchema();
      const stores = await Promise.all(Array.from({ length: 6 }, () => open(schema)));
      try {
        const versions = await withClient((c) => c.query(`SELECT version FROM "${schema}".cairn_migrations`));
        assert.deepEqual(
          versions.rows.map((r) => r.version),
          Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
        );
        const counters = await withClient((c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".counters`));
        assert.equal(counters.rows[0]?.n, 1);
        for (const s of stores) assert.equal((await s.health()).ok, true);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it("upgrades a schema of migration 3 (links with a foreign key, an append that always notifies) in place", async () => {
      const schema = tempSchema();
      const first = await open(schema);
      const [before] = await first.append([newEvent({ links: [link("old")] })]);
      await first.close();
      // Back to what migration 3 left: the foreign key, the function that always notifies, no rows for 4 and 5.
      const v3 = POSTGRES_MIGRATIONS.find((m) => m.version === 3)?.sql ?? "";
      await withClient(async (c) => {
        await c.query(`SET search_path TO "${schema}"`);
        await c.query("ALTER TABLE event_links ADD FOREIGN KEY (seq) REFERENCES events (seq) ON DELETE CASCADE");
        await c.query("DROP FUNCTION cairn_append");
        await c.query(v3);
        await c.query("DELETE FROM cairn_migrations WHERE version > 3");
      });
      const store = await open(schema);
      try {
        assert.equal((await store.health()).schemaVersion, POSTGRES_SCHEMA_VERSION);
        const [after] = await store.append([newEvent({ links: [link("new")] })]);
        assert.deepEqual((await store.get(before?.sequence ?? 0))?.links, [link("old")]);
        assert.deepEqual((await store.get(after?.sequence ?? 0))?.links, [link("new")]);
        const keys = await withClient((c) =>
          c.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'", [
            `"${schema}".event_links`,
          ]),
        );
        assert.equal(keys.rows[0]?.n, 0);
        const fn = await withClient((c) =>
          c.query(
            "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'cairn_append'",
            [schema],
          ),
        );
        assert.match(String(fn.rows[0]?.prosrc), /CASE WHEN channel <> '' THEN pg_notify/, "migration 5's function");
      } finally {
        await store.close();
      }
    });

    it("refuses a database migrated by a newer build, and reports it unhealthy", async () => {
      const schema = tempSchema();
      const store = await open(schema);
      try {
        await withClient((c) =>
          c.query(`INSERT INTO "${schema}".cairn_migrations (version, name) VALUES (99, 'from the future')`),
        );
        const health = await store.health();
        assert.equal(health.ok, false);
        assert.equal(health.schemaVersion, 99);
        assert.match(health.reason ?? "", /99/);
      } finally {
        await store.close();
      }
      await assert.rejects(open(schema), (e) => {
        assert.ok(isStoreError(e, StoreErrorCode.Schema), String(e));
        assert.match(e.message, /version 99/);
        return true;
      });
    });

    it("keeps bodies as text and sorts type bytewise (collation C)", async () => {
      const schema = tempSchema();
      const store = await open(schema);
      await store.close();
      const columns = await withClient((c) =>
        c.query(
          "SELECT column_name, data_type, collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name IN ('type', 'body', 'attributes') ORDER BY column_name",
          [schema],
        ),
      );
      assert.deepEqual(columns.rows, [
        { column_name: "attributes", data_type: "text", collation_name: null },
        { column_name: "body", data_type: "text", collation_name: null },
        { column_name: "type", data_type: "text", collation_name: "C" },
      ]);
    });

    it("deletes a pruned event's links with it (links have no foreign key to cascade from)", async () => {
      const schema = tempSchema();
      const store = await open(schema);
      try {
        await store.append([
          newEvent({ receivedAtMs: 1000, links: [link("a"), link("b")] }),
          newEvent({ receivedAtMs: 2000, links: [link("c")] }),
          newEvent({ receivedAtMs: 3000, links: [link("d"), link("e")] }),
        ]);
        assert.equal(await store.prune({ receivedBefore: 2500 }), 2);
        const left = await withClient((c) =>
          c.query(`SELECT context_id FROM "${schema}".event_links ORDER BY seq, position`),
        );
        assert.deepEqual(
          left.rows.map((r) => r.context_id),
          ["d", "e"],
        );
        assert.equal(await store.prune({ maxBytes: 0 }), 1);
        const none = await withClient((c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".event_links`));
        assert.equal(none.rows[0]?.n, 0);
        const keys = await withClient((c) =>
          c.query("SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'", [
            `"${schema}".event_links`,
          ]),
        );
        assert.deepEqual(keys.rows, [], "migration 4 dropped the foreign key");
      } finally {
        await store.close();
      }
    });

    it("keeps its tables in its schema even when the URL sets another search_path", async () => {
      const schema = tempSchema();
      const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent("-c search_path=public")}`;
      const store = await open(schema, url);
      try {
        await store.append([newEvent()]);
        const n = await withClient((c) => c.query(`SELECT count(*)::int AS n FROM "${schema}".events`));
        assert.equal(n.rows[0]?.n, 1);
      } finally {
        await store.close();
      }
    });

    it("notifies <schema>:<last sequence> on commit, and nothing for an all-duplicate batch", async () => {
      const schema = tempSchema();
      const store = await open(schema);
      const heard: string[] = [];
      await withClient(async (listener) => {
        listener.on("notification", (n) => heard.push(n.payload ?? ""));
        await listener.query("LISTEN cairn_events");
        try {
          const events = [newEvent(), newEvent()];
          const outcomes = await store.append(events);
          const deadline = Date.now() + 5000;
          while (!heard.includes(`${schema}:${outcomes[1]?.sequence}`) && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 10));
          assert.ok(heard.includes(`${schema}:${outcomes[1]?.sequence}`), JSON.stringify(heard));
          await store.append(events);
          await listener.query("SELECT 1"); // a round trip, by which a NOTIFY committed earlier has arrived
          await new Promise((r) => setTimeout(r, 100));
          assert.deepEqual(
            heard.filter((p) => p.startsWith(`${schema}:`)),
            [`${schema}:${outcomes[1]?.sequence}`],
          );
        } finally {
          await store.close();
        }
      });
    });

    it("notifies at most once per interval under a burst of appends, and always the last sequence", async () => {
      const schema = tempSchema();
      const store = await open(schema);
      const heard: number[] = [];
      await withClient(async (listener) => {
        listener.on("notification", (n) => {
          const [s, seq] = (n.payload ?? "").split(":");
          if (s === schema) heard.push(Number(seq));
        });
        await listener.query("LISTEN cairn_events");
        let closed = false;
        try {
          const appends = 40;
          let last = 0;
          for (let i = 0; i < appends; i++) last = (await store.append([newEvent()]))[0]?.sequence ?? 0;
          // Closing sends what is still pending, before the pool ends.
          await store.close();
          closed = true;
          await listener.query("SELECT 1");
          const deadline = Date.now() + 5000;
          while (heard.at(-1) !== last && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          assert.equal(heard.at(-1), last, JSON.stringify(heard));
          assert.equal(Math.max(...heard), last);
          assert.ok(heard.length < appends, `${heard.length} notifications for ${appends} appends`);
        } finally {
          if (!closed) await store.close();
        }
      });
    });

    const refusals = [
      ["U+0000 in a column", newEvent({ subjectId: "a\u0000b" }), /event 1 .*subjectId/],
      [
        "a raw U+0001 in a body (not JSON text; it joins an append's bodies)",
        newEvent({ body: '{"a":"x\u0001y"}' }),
        /event 1 .*U\+0001/,
      ],
    ] as const;
    for (const [what, bad, message] of refusals)
      it(`refuses ${what} clearly, storing nothing of the batch`, async () => {
        const store = await open(tempSchema());
        try {
          await assert.rejects(store.append([newEvent(), bad]), (e) => {
            assert.ok(isStoreError(e, StoreErrorCode.InvalidArgument), String(e));
            assert.match(e.message, message);
            return true;
          });
          assert.equal((await store.stats()).events, 0);
        } finally {
          await store.close();
        }
      });

    it("stores bodies and attributes with raw white space, escaped control characters and non-ASCII text exactly", async () => {
      const store = await open(tempSchema());
      try {
        const events = [
          newEvent({ body: '{\n\t"a": "\\u0001 é 😀"\r\n}', attributes: '{"x":"\\u0002 ü"}' }),
          newEvent({ body: "{}", attributes: "{}" }),
        ];
        const outcomes = await store.append(events);
        for (const [i, o] of outcomes.entries()) {
          const got = await store.get(o.sequence);
          assert.equal(got?.body, events[i]?.body);
          assert.equal(got?.attributes, events[i]?.attributes);
        }
      } finally {
        await store.close();
      }
    });

    it("rejects use after close with CAIRN_ERR_STORE_CLOSED and reports unhealthy", async () => {
      const store = await open(tempSchema());
      await store.close();
      const closed = (e: unknown): boolean => isStoreError(e, StoreErrorCode.Closed);
      await assert.rejects(store.append([newEvent()]), closed);
      await assert.rejects(store.query({ order: "asc", limit: 1 }), closed);
      await assert.rejects(store.get(1), closed);
      await assert.rejects(store.stats(), closed);
      assert.equal((await store.health()).ok, false);
    });

    it("recovers when the server drops every connection, watchers included", { timeout: 30_000 }, async () => {
      const schema = tempSchema();
      // The application name marks this store's connections, so only they are terminated.
      const url = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}application_name=${schema}`;
      const store = await open(schema, url);
      const heard: number[] = [];
      const stop = store.watch((n) => heard.push(n));
      try {
        const [first] = await store.append([newEvent()]);
        // Wait for the LISTEN connection too, so the termination below really cuts it.
        const listening = async (): Promise<number> =>
          withClient(async (c) => {
            const r = await c.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'",
              [schema],
            );
            return Number(r.rows[0]?.n);
          });
        for (let i = 0; i < 200 && (await listening()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
        const killed = await withClient((c) =>
          c.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
            [schema],
          ),
        );
        assert.ok((killed.rowCount ?? 0) >= 2, `terminated ${killed.rowCount} connections`);
        await new Promise((r) => setTimeout(r, 50));
        // Another replica appends; this one must hear it once its listener is back, and serve reads again.
        const other = await openPostgresStore({ url: PG_URL, schema });
        const [second] = await other.append([newEvent()]);
        await other.close();
        const want = second?.sequence ?? Number.POSITIVE_INFINITY;
        const deadline = Date.now() + 10_000;
        while (!heard.some((n) => n >= want) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(
          heard.some((n) => n >= want),
          `heard ${JSON.stringify(heard)}, wanted ${want}`,
        );
        const all = await store.query({ order: "asc", limit: 10 });
        assert.deepEqual(
          all.events.map((e) => e.sequence),
          [first?.sequence, second?.sequence],
        );
      } finally {
        stop();
        await store.close();
      }
    });
  });
});
