/**
 * The log follower's wakes: a replica's consumer (one that reloads its definitions before each page) with nothing
 * to apply events to reloads once per interval of appends rather than once per append, and still never skips an
 * event it would have applied under definitions committed before that event.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { type LogConsumer, LogFollower } from "../src/log-follower.ts";
import type { EventPage, EventQuery, EventStore, StoredEvent } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

// An in-memory log whose appends notify the watchers, as a store's watch does.
function memoryLog(): { store: EventStore; append: () => void } {
  const events: StoredEvent[] = [];
  const watchers = new Set<(last: number) => void>();
  const store = {
    engine: "test",
    stats: async () => ({ events: events.length, bodyBytes: 0, lastSequence: events.length, diskBytes: null }),
    query: async (q: EventQuery): Promise<EventPage> => {
      const after = q.after ?? 0;
      return { events: events.slice(after, after + q.limit), next: null };
    },
    watch: (listener: (last: number) => void) => {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
  } as unknown as EventStore;
  const append = (): void => {
    const e = newEvent();
    events.push({ ...e, sequence: events.length + 1 } as unknown as StoredEvent);
    for (const w of watchers) w(events.length);
  };
  return { store, append };
}

// A replica's consumer: `beforePage` reloads the definitions (here: whether a subscription exists).
function replicaConsumer(): LogConsumer & { reloads: number; applied: number[]; subscribe: () => void } {
  let defined = false; // what another replica committed
  let known = false; // what this replica loaded
  let cursor = 0;
  const c = {
    name: "test",
    reloads: 0,
    applied: [] as number[],
    subscribe: () => {
      defined = true;
    },
    storedCursor: async () => cursor,
    initCursor: async (end: number) => {
      cursor = end;
      return end;
    },
    active: () => known,
    beforePage: async () => {
      c.reloads++;
      known = defined;
    },
    commit: async (events: readonly StoredEvent[], from: number, to: number) => {
      if (from !== cursor) return false;
      for (const e of events) c.applied.push(e.sequence);
      cursor = to;
      return true;
    },
  };
  return c;
}

const quiet = pino({ level: "silent" });

describe("LogFollower", () => {
  it("reloads an idle replica's definitions once per interval of appends, not once per append", async () => {
    const { store, append } = memoryLog();
    const consumer = replicaConsumer();
    const follower = new LogFollower(store, quiet, consumer);
    await follower.start();
    await sleep(20);
    const before = consumer.reloads;
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      append();
      if (i % 20 === 0) await sleep(5);
    }
    await sleep(250);
    const reloads = consumer.reloads - before;
    // At most one reload per 100 ms interval (plus the intervals the elapsed time cuts), whatever the machine's speed.
    const intervals = Math.ceil((performance.now() - t0) / 100) + 1;
    assert.ok(reloads >= 1 && reloads <= intervals, `${reloads} reloads for 200 appends in ${intervals} intervals`);
    assert.equal(follower.cursor, 200, "the idle cursor followed the log's end");
    await follower.stop();
  });

  it("applies the events appended after another replica's subscription, though it was idle when told of them", async () => {
    const { store, append } = memoryLog();
    const consumer = replicaConsumer();
    const follower = new LogFollower(store, quiet, consumer);
    await follower.start();
    append();
    await sleep(250); // skipped: no subscription anywhere yet
    consumer.subscribe(); // another replica commits a subscription…
    append(); // …then this event: the follower learns of the subscription only at its reload
    append();
    await sleep(250);
    assert.deepEqual(consumer.applied, [2, 3]);
    await follower.stop();
  });

  it("wakes an active consumer at once for every append", async () => {
    const { store, append } = memoryLog();
    const consumer = replicaConsumer();
    consumer.subscribe();
    const follower = new LogFollower(store, quiet, consumer);
    await follower.start();
    await sleep(20);
    append();
    await sleep(20); // well under the idle interval
    assert.deepEqual(consumer.applied, [1]);
    await follower.stop();
  });
});
