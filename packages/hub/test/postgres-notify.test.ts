/** The PostgreSQL store's notification throttle, on its own (the store's use of it: `store-postgres.test.ts`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { NotifyThrottle } from "../src/store/postgres-notify.ts";

function throttle(intervalMs: number): { t: NotifyThrottle; sent: number[] } {
  const sent: number[] = [];
  const t = new NotifyThrottle(async (seq) => {
    sent.push(seq);
  }, intervalMs);
  return { t, sent };
}

describe("NotifyThrottle", () => {
  it("lets the first append notify, and the next ones only once the interval has passed", async () => {
    const { t } = throttle(40);
    assert.equal(t.take(), true);
    assert.equal(t.take(), false);
    assert.equal(t.take(), false);
    await sleep(50);
    assert.equal(t.take(), true);
    assert.equal(t.take(), false);
  });

  it("sends the last sequence of appends that did not notify, once, when the interval ends", async () => {
    const { t, sent } = throttle(40);
    assert.equal(t.take(), true);
    t.committed(5, true);
    for (const last of [7, 9, 8]) {
      assert.equal(t.take(), false);
      t.committed(last, false);
    }
    assert.deepEqual(sent, [], "not before the interval ends");
    await sleep(80);
    assert.deepEqual(sent, [9]);
    await sleep(60);
    assert.deepEqual(sent, [9], "once");
    assert.equal(t.take(), true, "a trailing notification starts the interval too, and it has ended");
  });

  it("sends nothing later when a notifying append covers what was pending", async () => {
    const { t, sent } = throttle(30);
    t.take();
    t.committed(3, false); // e.g. committed before the notifying append that was sent earlier
    t.committed(4, true);
    t.committed(0, false); // all duplicates: nothing new
    await sleep(60);
    assert.deepEqual(sent, []);
  });

  it("flushes what is pending at once, and ignores a failed send", async () => {
    const { t, sent } = throttle(10_000);
    t.take();
    t.committed(1, true);
    t.committed(6, false);
    await t.flush();
    assert.deepEqual(sent, [6]);
    await t.flush();
    assert.deepEqual(sent, [6], "nothing left");
    const failing = new NotifyThrottle(() => Promise.reject(new Error("down")), 10_000);
    failing.take();
    failing.committed(2, false);
    await failing.flush();
  });
});
