/** The PostgreSQL store's notification throttle, on its own (the store's use of it: `store-postgres.test.ts`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { NotifyThrottle } from "../src/store/postgres-notify.ts";

const INTERVAL = 30;

function throttle(intervalMs = INTERVAL): { t: NotifyThrottle; sent: number[] } {
  const sent: number[] = [];
  const t = new NotifyThrottle(async (seq) => {
    sent.push(seq);
  }, intervalMs);
  return { t, sent };
}

// Waits until `ok()` holds (timers may fire late on a busy machine), at most 5 s.
async function until(ok: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !ok() && Date.now() < deadline; ) await sleep(5);
}

// An append that asks, commits with `last` (0: nothing new or failed) and reports; returns what take() said.
function append(t: NotifyThrottle, last: number): boolean {
  const notified = t.take();
  t.settled(last, notified);
  return notified;
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

  it("sends the last sequence of appends that did not notify, once, when no append has notified for a while", async () => {
    const { t, sent } = throttle();
    assert.equal(append(t, 5), true);
    assert.deepEqual(
      [7, 9, 8].map((last) => append(t, last)),
      [false, false, false],
    );
    await sleep(INTERVAL);
    assert.deepEqual(sent, [], "not within two intervals of the last notification");
    await until(() => sent.length > 0);
    assert.deepEqual(sent, [9]);
    await sleep(2 * INTERVAL);
    assert.deepEqual(sent, [9], "once");
  });

  it("leaves a pending sequence to a notifying append in flight, and sends it if that append fails", async () => {
    const { t, sent } = throttle();
    append(t, 1);
    append(t, 2); // pending
    await sleep(INTERVAL + 5);
    assert.equal(t.take(), true, "a notifying append is sent; it will carry a later sequence");
    await sleep(4 * INTERVAL);
    assert.deepEqual(sent, [], "nothing sent while it is in flight");
    t.settled(0, true); // it failed
    await until(() => sent.length > 0);
    assert.deepEqual(sent, [2]);
  });

  it("sends nothing later when a notifying append covers what was pending", async () => {
    const { t, sent } = throttle();
    t.take();
    t.settled(3, false); // committed before the notifying append sent earlier
    t.settled(4, true);
    append(t, 0); // all duplicates: nothing new
    await sleep(4 * INTERVAL);
    assert.deepEqual(sent, []);
  });

  it("flushes what is pending at once, and ignores a failed send", async () => {
    const { t, sent } = throttle(10_000);
    append(t, 1);
    append(t, 6);
    await t.flush();
    assert.deepEqual(sent, [6]);
    await t.flush();
    assert.deepEqual(sent, [6], "nothing left");
    const failing = new NotifyThrottle(() => Promise.reject(new Error("down")), 10_000);
    append(failing, 1);
    append(failing, 2);
    await failing.flush();
  });
});
