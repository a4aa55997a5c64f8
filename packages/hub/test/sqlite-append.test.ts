/**
 * The SQLite writer's multi-row appends: sequences when a chunk of up to 64 rows holds duplicates (of stored
 * events, of an earlier chunk of the same append, of an earlier row of the same chunk), links of each stored
 * event, and counters. The conformance suite covers the contract; this pins the chunking edge cases.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../src/store/sqlite.ts";
import { CHUNK } from "../src/store/sqlite-append.ts";
import type { NewEvent } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-append-"));
  dirs.push(dir);
  return join(dir, "events.db");
}

async function open() {
  return openSqliteStore({ path: await tempPath() });
}

const copy = (e: NewEvent): NewEvent => newEvent({ id: e.id, source: e.source });
const link = (n: number) => ({ linkType: "RELATION", linkKind: "TRIGGER", contextId: `ctx-${n}`, domainId: null });

describe("SQLite multi-row append", () => {
  it("assigns sequences across chunks with duplicates of every kind", async () => {
    const store = await open();
    try {
      const [stored] = await store.append([newEvent()]);
      const before = newEvent();
      await store.append([before]);
      const fresh = Array.from({ length: CHUNK * 2 + 5 }, (_, i) => newEvent({ links: i % 3 === 0 ? [link(i)] : [] }));
      const batch: NewEvent[] = [...fresh];
      batch.splice(3, 0, copy(before)); // a stored event, in the first chunk
      batch.splice(10, 0, copy(fresh[5] as NewEvent)); // a duplicate of an earlier row of the same chunk
      batch.splice(CHUNK + 7, 0, copy(fresh[1] as NewEvent)); // a duplicate of a row of the first chunk
      const outcomes = await store.append(batch);
      assert.equal(outcomes.length, batch.length);
      const newOnes = outcomes.filter((o) => !o.duplicate);
      assert.equal(newOnes.length, fresh.length);
      // New sequences increase in input order, after everything stored before.
      for (let i = 1; i < newOnes.length; i++) assert.ok((newOnes[i]?.sequence ?? 0) > (newOnes[i - 1]?.sequence ?? 0));
      assert.ok((newOnes[0]?.sequence ?? 0) > (stored?.sequence ?? 0));
      const byKey = new Map<string, number>();
      for (const [i, e] of batch.entries()) {
        const o = outcomes[i];
        assert.ok(o);
        const key = `${e.source} ${e.id}`;
        const found = await store.findById(e.source, e.id);
        assert.equal(found?.sequence, o.sequence, `entry ${i} points at the stored row`);
        if (byKey.has(key) || e.id === before.id) assert.equal(o.duplicate, true, `entry ${i} is a duplicate`);
        byKey.set(key, o.sequence);
      }
      for (const [i, e] of fresh.entries()) {
        const found = await store.findById(e.source, e.id);
        assert.deepEqual(found?.links, i % 3 === 0 ? [link(i)] : []);
        assert.equal(found?.body, e.body);
      }
      assert.equal((await store.stats()).events, 2 + fresh.length);
    } finally {
      await store.close();
    }
  });

  it("reports a whole chunk of duplicates", async () => {
    const store = await open();
    try {
      const events = Array.from({ length: CHUNK + 1 }, () => newEvent());
      const first = await store.append(events);
      const again = await store.append(events.map(copy));
      assert.deepEqual(
        again,
        first.map((o) => ({ sequence: o.sequence, duplicate: true })),
      );
    } finally {
      await store.close();
    }
  });

  it("waits for the write lock another connection holds, then appends", async () => {
    const path = await tempPath();
    const store = await openSqliteStore({ path });
    const other = new DatabaseSync(path);
    try {
      other.exec("BEGIN IMMEDIATE");
      const appending = store.append([newEvent()]);
      const waiting = new Promise((resolve) => setTimeout(() => resolve("waiting"), 50));
      assert.equal(await Promise.race([appending.then(() => "appended"), waiting]), "waiting");
      other.exec("COMMIT");
      const [outcome] = await appending;
      assert.equal(outcome?.duplicate, false);
      assert.equal((await store.stats()).events, 1);
    } finally {
      other.close();
      await store.close();
    }
  });
});
