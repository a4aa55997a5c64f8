/**
 * The commit queue's bounds: events and bytes of event text. A request that would pass either bound is refused
 * at once while others wait; an oversized one is still taken when nothing waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommitQueue, QueueFullError } from "../src/ingest/commit-queue.ts";
import type { AppendOutcome, EventStore, NewEvent } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

// A store whose appends wait for `release()`.
function heldStore(): { store: EventStore; release: () => void } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let seq = 0;
  const store = {
    engine: "test",
    append: async (events: readonly NewEvent[]): Promise<AppendOutcome[]> => {
      await gate;
      return events.map(() => ({ sequence: ++seq, duplicate: false }));
    },
  } as unknown as EventStore;
  return { store, release: open };
}

const sized = (chars: number): NewEvent => {
  const e = newEvent();
  return { ...e, body: "x".repeat(chars - e.attributes.length) };
};

describe("CommitQueue bounds", () => {
  it("refuses a request past the byte bound while others wait, and reports saturation", async () => {
    const { store, release } = heldStore();
    const q = new CommitQueue(store, { maxPending: 1000, maxPendingBytes: 10_000, maxBatch: 100 });
    const first = q.submit([sized(6000)]);
    let second: Promise<unknown[]>;
    try {
      assert.equal(q.saturated, false);
      await assert.rejects(q.submit([sized(6000)]), QueueFullError);
      second = q.submit([sized(4000)]);
      assert.equal(q.depthBytes, 10_000);
      assert.equal(q.saturated, true);
    } finally {
      release(); // a failed assertion must not leave the queue waiting on the held store
    }
    assert.equal((await first).length, 1);
    assert.equal((await second).length, 1);
    await q.drained();
    assert.equal(q.depthBytes, 0);
    assert.equal(q.saturated, false);
  });

  it("takes an oversized request when nothing waits", async () => {
    const { store, release } = heldStore();
    const q = new CommitQueue(store, { maxPending: 1, maxPendingBytes: 100, maxBatch: 100 });
    const big = q.submit([sized(5000), sized(5000)]);
    try {
      await assert.rejects(q.submit([newEvent()]), QueueFullError);
    } finally {
      release();
    }
    assert.equal((await big).length, 2);
  });
});

describe("CommitQueue pipelining", () => {
  // A store that records how many appends it holds at once; each waits for its own release.
  function countingStore(): { store: EventStore; held: (() => void)[]; peak: () => number } {
    const held: (() => void)[] = [];
    let now = 0;
    let peak = 0;
    let seq = 0;
    const store = {
      engine: "test",
      append: async (events: readonly NewEvent[]): Promise<AppendOutcome[]> => {
        now++;
        peak = Math.max(peak, now);
        await new Promise<void>((resolve) => held.push(resolve));
        now--;
        return events.map(() => ({ sequence: ++seq, duplicate: false }));
      },
    } as unknown as EventStore;
    return { store, held, peak: () => peak };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  for (const maxCommitting of [1, 2]) {
    it(`keeps at most ${maxCommitting} group(s) in the store; each request resolves with its own outcomes`, async () => {
      const { store, held, peak } = countingStore();
      const q = new CommitQueue(store, { maxPending: 100, maxBatch: 2, maxCommitting });
      const requests = Array.from({ length: 6 }, () => q.submit([newEvent()]));
      let drained = false;
      void q.drained().then(() => {
        drained = true;
      });
      for (let i = 0; i < 20 && !drained; i++) {
        await tick();
        held.shift()?.();
      }
      const outcomes = await Promise.all(requests);
      assert.equal(peak(), maxCommitting);
      assert.deepEqual(
        outcomes.map((o) => o.length),
        [1, 1, 1, 1, 1, 1],
      );
      // Groups commit in submission order, so sequences follow the requests.
      const seqs = outcomes.map((o) => o[0]?.sequence ?? 0);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
      await q.drained();
      assert.equal(q.depth, 0);
    });
  }
});
