import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { commitOrRollback } from "../src/store/sqlite-tx.ts";

describe("commitOrRollback", () => {
  const open = () => {
    const db = new DatabaseSync(":memory:");
    db.exec("CREATE TABLE t (x INTEGER)");
    return db;
  };
  const count = (db: DatabaseSync) => (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;

  it("commits what the function wrote and returns its result", () => {
    const db = open();
    db.exec("BEGIN IMMEDIATE");
    const out = commitOrRollback(db, () => {
      db.exec("INSERT INTO t VALUES (1), (2)");
      return "done";
    });
    assert.equal(out, "done");
    assert.equal(db.isTransaction, false);
    assert.equal(count(db), 2);
  });

  it("rolls everything back and rethrows the function's error", () => {
    const db = open();
    db.exec("BEGIN IMMEDIATE");
    const boom = new Error("boom");
    assert.throws(
      () =>
        commitOrRollback(db, () => {
          db.exec("INSERT INTO t VALUES (1)");
          throw boom;
        }),
      (e) => e === boom,
    );
    assert.equal(db.isTransaction, false);
    assert.equal(count(db), 0);
  });
});
