/**
 * Delivery outcomes on the SQLite writer thread: sent alone while the writer is idle, held while it is busy and
 * carried by its next request — an append records them in its own transaction, under a savepoint, so outcomes that
 * fail roll back alone and never cost the append; an append that fails takes its carried outcomes with it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { openSqliteQueue } from "../src/router/sqlite-queue.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import { SqliteWriter } from "../src/store/sqlite-writer-client.ts";
import type { DeliveryOutcomeRecord } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A migrated hub file with deliveries 1…`count`, a writer on it, and a connection to look at it. */
async function setUp(count: number) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-writer-outcomes-"));
  dirs.push(dir);
  const path = join(dir, "events.db");
  await (await openSqliteStore({ path })).close();
  await (await openSqliteQueue(path)).close();
  const db = new DatabaseSync(path);
  const insert = db.prepare(
    "INSERT INTO deliveries (subscription_id, seq, not_before, ingested_ms) VALUES (?, ?, 0, 0)",
  );
  for (let seq = 1; seq <= count; seq++) insert.run("sub", seq);
  const writer = await SqliteWriter.start({ path, pragmas: "PRAGMA foreign_keys = ON;" });
  const left = (): number[] =>
    db
      .prepare("SELECT id FROM deliveries ORDER BY id")
      .all()
      .map((r) => Number(r.id));
  const retries = (): number[] =>
    db
      .prepare("SELECT id FROM deliveries WHERE last_outcome IS NOT NULL ORDER BY id")
      .all()
      .map((r) => Number(r.id));
  const events = (): number => Number(db.prepare("SELECT count(*) AS n FROM events").get()?.n);
  return { writer, db, left, retries, events };
}

type SetUp = Awaited<ReturnType<typeof setUp>>;

/** Runs `test` on a fresh {@link setUp}, then closes the writer and the connection whatever happened. */
async function withWriter(count: number, test: (t: SetUp) => Promise<void>): Promise<void> {
  const t = await setUp(count);
  try {
    await test(t);
  } finally {
    await t.writer.close();
    t.db.close();
  }
}

const complete = (id: number): DeliveryOutcomeRecord => ({ kind: "complete", id });
const retry = (id: number): DeliveryOutcomeRecord => ({
  kind: "retry",
  id,
  notBefore: 1,
  atMs: 1,
  outcome: "status",
  status: 503,
  snippet: "busy",
});

describe("SQLite writer: delivery outcomes", () => {
  it("sends outcomes alone while the writer is idle", () =>
    withWriter(2, async ({ writer, left }) => {
      await writer.outcomes([complete(1)]);
      assert.equal(writer.carriedBatches, 0);
      assert.deepEqual(left(), [2]);
    }));

  it("holds outcomes while the writer is busy and records them with its next append", () =>
    withWriter(4, async ({ writer, left, retries, events }) => {
      const first = writer.append([newEvent()], null); // in flight: what follows is held
      const done = writer.outcomes([complete(1), retry(3)]);
      const more = writer.outcomes([complete(2)]);
      const second = writer.append([newEvent()], null);
      await Promise.all([first, done, more, second]);
      assert.equal(writer.carriedBatches, 1, "both batches rode on the second append");
      assert.deepEqual(left(), [3, 4]);
      assert.deepEqual(retries(), [3]);
      assert.equal(events(), 2);
    }));

  it("rolls back carried outcomes that fail, alone: the append carrying them is stored", () =>
    withWriter(3, async ({ writer, left, events }) => {
      const first = writer.append([newEvent()], null);
      // The first outcome applies, the second cannot be bound: the batch is undone as a whole.
      const bad = { ...retry(2), snippet: {} } as unknown as DeliveryOutcomeRecord;
      const failed = writer.outcomes([complete(1), bad]);
      const second = writer.append([newEvent()], null);
      await assert.rejects(failed);
      const [one, two] = await Promise.all([first, second]);
      assert.equal(one.sequences.length, 1);
      assert.equal(two.sequences.length, 1);
      assert.equal(writer.carriedBatches, 1);
      assert.deepEqual(left(), [1, 2, 3]);
      assert.equal(events(), 2);
      await writer.outcomes([complete(1)]); // and the writer goes on
      assert.deepEqual(left(), [2, 3]);
    }));

  it("fails the outcomes an append carried when the append fails", () =>
    withWriter(2, async ({ writer, left, events }) => {
      const first = writer.append([newEvent()], null);
      const lost = writer.outcomes([complete(1)]);
      // A body that is not text cannot be bound: the append fails, and its transaction with the outcomes in it.
      const broken = { ...newEvent(), body: {} } as unknown as ReturnType<typeof newEvent>;
      const failing = writer.append([broken], null);
      await first;
      await assert.rejects(failing);
      await assert.rejects(lost);
      assert.deepEqual(left(), [1, 2]);
      assert.equal(events(), 1);
    }));

  it("carries held outcomes on its close, so shutting down records them", async () => {
    const { writer, db, left } = await setUp(2);
    const first = writer.append([newEvent()], null);
    const done = writer.outcomes([complete(2)]);
    await writer.close();
    await Promise.all([first, done]);
    assert.deepEqual(left(), [1]);
    db.close();
  });
});
