/**
 * The one conformance suite of the `DeliveryQueue` contract (`src/router/queue.ts`). Every engine runs it
 * unchanged; each case opens a fresh, empty store and the queue beside it (the queue reads events from the store's
 * tables).
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Subscription, validateSubscription } from "@cairn/router";
import type { ClaimedDelivery, DeliveryQueue, RoutedDelivery, SubscriptionRecord } from "../src/router/queue.ts";
import type { EventStore } from "../src/store/types.ts";
import { newEvent } from "./store-fixtures.ts";

/** A store and the queue in the same database. */
export interface QueueFixture {
  readonly store: EventStore;
  readonly queue: DeliveryQueue;
  /** Opens the queue again on the same database (the old one closed first by the caller). */
  readonly reopen?: () => Promise<DeliveryQueue>;
  /**
   * Makes deleting the delivery of `sequence` fail inside the database (a trigger), until the returned function
   * is called: a way to fail one outcome of a group commit.
   */
  readonly failDeleteOf?: (sequence: number) => Promise<() => Promise<void>>;
  /**
   * Retries wait on the wall clock (JetStream's `nak` delay on the server), not on the `now` the caller passes, and
   * `nextDue` is a polling hint rather than the exact earliest due time: the retry case runs on real time instead.
   */
  readonly wallClock?: boolean;
  /**
   * Lanes share one-in-flight partitions (a hash of the lane, as Kafka partitions do), so the heads of two lanes
   * may wait for each other: the lane case checks order within a lane and that a retried head blocks its lane, not
   * that every other lane moves on.
   */
  readonly partitionedLanes?: boolean;
}

const CASE = { timeout: 30_000 };
const NOW = 1_700_000_000_000;

/** A validated subscription. */
export function subscription(id: string, delivery: Record<string, unknown> = {}): Subscription {
  const r = validateSubscription({ id, sink: `http://127.0.0.1:9/${id}`, protocol: "HTTP", delivery });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.subscription;
}

function record(s: Subscription, origin: "api" | "config" = "api", at = NOW): SubscriptionRecord {
  return { subscription: s, origin, createdMs: at, updatedMs: at };
}

/** Appends `n` events and returns their sequences. */
async function events(store: EventStore, n: number): Promise<number[]> {
  const out = await store.append(Array.from({ length: n }, () => newEvent()));
  return out.map((o) => o.sequence);
}

const routed = (subscriptionId: string, sequence: number, lane: string | null = null): RoutedDelivery => ({
  subscriptionId,
  sequence,
  lane,
  ingestedMs: NOW - 1000,
});

const failure = (outcome: number | "network" | "timeout" = 503, atMs = NOW) => ({
  outcome,
  responseSnippet: "busy",
  atMs,
});

/** Registers the conformance cases; `open` must return a new, empty store and queue on every call. */
export function queueConformance(name: string, open: () => Promise<QueueFixture>): void {
  const use = async (fn: (f: QueueFixture) => Promise<void>): Promise<void> => {
    const f = await open();
    try {
      await fn(f);
    } finally {
      await f.queue.close();
      await f.store.close();
    }
  };
  describe(`DeliveryQueue conformance: ${name}`, () => {
    subscriptionCases(use);
    cursorCases(use);
    claimCases(use);
    laneCases(use);
    failureCases(use);
    deadLetterCases(use);
    groupCommitCases(use);
  });
}

type Use = (fn: (f: QueueFixture) => Promise<void>) => Promise<void>;

function subscriptionCases(use: Use): void {
  it("stores subscriptions in creation order; an update keeps the creation time", CASE, () =>
    use(async ({ queue }) => {
      await queue.putSubscription(record(subscription("b")));
      await queue.putSubscription(record(subscription("a"), "config"));
      await queue.putSubscription({
        ...record(subscription("b", { retry: 3 })),
        createdMs: NOW + 5,
        updatedMs: NOW + 9,
      });
      const all = await queue.listSubscriptions();
      assert.deepEqual(
        all.map((r) => [r.subscription.id, r.origin]),
        [
          ["b", "api"],
          ["a", "config"],
        ],
      );
      const b = await queue.getSubscription("b");
      assert.equal(b?.subscription.delivery.retry, 3);
      assert.equal(b?.createdMs, NOW);
      assert.equal(b?.updatedMs, NOW + 9);
      assert.deepEqual(b?.subscription, subscription("b", { retry: 3 }));
      assert.equal(await queue.getSubscription("zzz"), null);
    }),
  );

  it("deleting a subscription drops its queued deliveries but not others'", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = await events(store, 1);
      await queue.putSubscription(record(subscription("a")));
      await queue.putSubscription(record(subscription("b")));
      await queue.enqueue([routed("a", s1 as number), routed("b", s1 as number)]);
      assert.equal(await queue.deleteSubscription("a"), true);
      assert.equal(await queue.deleteSubscription("a"), false);
      const claimed = await queue.claim({ now: NOW, limit: 10 });
      assert.deepEqual(
        claimed.map((c) => c.subscriptionId),
        ["b"],
      );
      // A delivery routed to a subscription deleted meanwhile is not queued.
      await queue.enqueue([routed("a", s1 as number)]);
      assert.equal((await queue.depth(NOW)).pending, 0);
    }),
  );
}

function cursorCases(use: Use): void {
  it("the cursor is set once, then moves only with its deliveries (compare-and-set)", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1, s2] = (await events(store, 2)) as [number, number];
      await queue.putSubscription(record(subscription("a")));
      assert.equal(await queue.cursor(), null);
      assert.equal(await queue.initCursor(0), 0);
      assert.equal(await queue.initCursor(99), 0, "an existing cursor is kept");
      assert.equal(await queue.enqueue([routed("a", s1)], { from: 0, to: s1 }), true);
      assert.equal(await queue.cursor(), s1);
      // A stale `from` (another replica moved the cursor) changes nothing.
      assert.equal(await queue.enqueue([routed("a", s2)], { from: 0, to: s2 }), false);
      assert.equal(await queue.cursor(), s1);
      assert.equal((await queue.depth(NOW)).pending, 1);
    }),
  );

  it("enqueueing is idempotent: one delivery per subscription and sequence", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1), routed("a", s1)]);
      await queue.enqueue([routed("a", s1)]);
      const claimed = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(claimed.length, 1);
    }),
  );
}

function claimCases(use: Use): void {
  it("claims due deliveries with their event, counting attempts", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      const stored = await store.get(s1);
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1)]);
      const [c] = await queue.claim({ now: NOW, limit: 10 });
      assert.ok(c);
      assert.equal(c.subscriptionId, "a");
      assert.equal(c.sequence, s1);
      assert.equal(c.attempt, 1);
      assert.equal(c.ingestedMs, NOW - 1000);
      assert.equal(c.firstFailureMs, null);
      assert.deepEqual(c.event, { attributes: stored?.attributes, body: stored?.body });
      assert.deepEqual(await queue.claim({ now: NOW, limit: 10 }), [], "claimed once");
      assert.equal((await queue.depth(NOW)).inFlight, 1);
      await queue.complete(c.id);
      assert.deepEqual(await queue.depth(NOW), { pending: 0, scheduled: 0, inFlight: 0, dead: 0 });
    }),
  );

  it("respects maxInFlight per subscription, the capacity callback and the limit", CASE, () =>
    use(async ({ store, queue }) => {
      const seqs = await events(store, 6);
      await queue.putSubscription(record(subscription("a", { maxInFlight: 2 })));
      await queue.putSubscription(record(subscription("b", { maxInFlight: 10 })));
      await queue.enqueue(seqs.flatMap((s) => [routed("a", s), routed("b", s)]));
      const first = await queue.claim({ now: NOW, limit: 100, capacity: (id) => (id === "b" ? 3 : 100) });
      assert.equal(first.filter((c) => c.subscriptionId === "a").length, 2);
      assert.equal(first.filter((c) => c.subscriptionId === "b").length, 3);
      const a = first.filter((c) => c.subscriptionId === "a");
      assert.deepEqual(
        a.map((c) => c.sequence),
        seqs.slice(0, 2),
        "oldest first",
      );
      assert.equal((await queue.claim({ now: NOW, limit: 100 })).filter((c) => c.subscriptionId === "a").length, 0);
      await queue.complete((a[0] as { id: number }).id);
      const next = await queue.claim({ now: NOW, limit: 1 });
      assert.equal(next.length, 1);
    }),
  );

  it("a claim left in flight by a crash is recovered and counted as an attempt", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1)]);
      await queue.claim({ now: NOW, limit: 10, leaseMs: () => 1000 });
      assert.equal(await queue.recoverInFlight(NOW + 60_000), 1);
      const [again] = await queue.claim({ now: NOW + 60_000, limit: 10 });
      assert.equal(again?.attempt, 2);
    }),
  );
}

function laneCases(use: Use): void {
  it("a lane delivers one at a time in sequence order; a retry blocks only its lane", CASE, () =>
    use(async (f) => {
      if (f.partitionedLanes) return partitionedLane(f);
      const { store, queue } = f;
      const [a1, b1, a2, b2, a3, n1] = (await events(store, 6)) as number[] as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      await queue.putSubscription(record(subscription("s", { ordering: "partitionKey" })));
      await queue.enqueue([
        routed("s", a1, "A"),
        routed("s", b1, "B"),
        routed("s", a2, "A"),
        routed("s", b2, "B"),
        routed("s", a3, "A"),
        routed("s", n1, ""),
      ]);
      const seqs = (cs: { sequence: number }[]) => cs.map((c) => c.sequence).sort((x, y) => x - y);
      const first = await queue.claim({ now: NOW, limit: 100 });
      assert.deepEqual(seqs(first), [a1, b1, n1], "the head of each lane");
      assert.deepEqual(await queue.claim({ now: NOW, limit: 100 }), [], "nothing more while the heads are in flight");
      const byLane = new Map(first.map((c) => [c.lane, c]));
      // B fails and waits for a retry; A moves on.
      await queue.retryAt((byLane.get("B") as { id: number }).id, NOW + 10_000, failure());
      await queue.complete((byLane.get("A") as { id: number }).id);
      assert.deepEqual(seqs(await queue.claim({ now: NOW, limit: 100 })), [a2]);
      assert.deepEqual(seqs(await queue.claim({ now: NOW + 10_000, limit: 100 })), [b1], "the retry, not b2");
    }),
  );

  it("dead-lettering the head of a lane unblocks the next", CASE, () =>
    use(async ({ store, queue }) => {
      const [x1, x2] = (await events(store, 2)) as [number, number];
      await queue.putSubscription(record(subscription("s", { ordering: "subject" })));
      await queue.enqueue([routed("s", x1, "X"), routed("s", x2, "X")]);
      const [head] = await queue.claim({ now: NOW, limit: 10 });
      await queue.deadLetter((head as { id: number }).id, {
        reason: "not_retryable",
        sink: "http://x",
        failure: failure(400),
      });
      const [next] = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(next?.sequence, x2);
    }),
  );
}

function failureCases(use: Use): void {
  it("a retry waits for its not_before and keeps the first failure time", CASE, () =>
    use(async (f) => {
      if (f.wallClock) return wallClockRetry(f);
      const { store, queue } = f;
      const [s1] = (await events(store, 1)) as [number];
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1)]);
      assert.ok(((await queue.nextDue()) ?? Number.POSITIVE_INFINITY) <= Date.now());
      const [c] = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(await queue.nextDue(), null, "nothing claimable while in flight");
      await queue.retryAt((c as { id: number }).id, NOW + 500, failure(503, NOW + 1));
      assert.equal(await queue.nextDue(), NOW + 500);
      assert.deepEqual(await queue.depth(NOW), { pending: 0, scheduled: 1, inFlight: 0, dead: 0 });
      assert.deepEqual(await queue.claim({ now: NOW + 499, limit: 10 }), []);
      const [again] = await queue.claim({ now: NOW + 500, limit: 10 });
      assert.equal(again?.attempt, 2);
      assert.equal(again?.firstFailureMs, NOW + 1);
      await queue.retryAt((again as { id: number }).id, NOW + 900, failure("timeout", NOW + 600));
      const [third] = await queue.claim({ now: NOW + 900, limit: 10 });
      assert.equal(third?.firstFailureMs, NOW + 1);
    }),
  );
}

function deadLetterCases(use: Use): void {
  const kill = async (queue: DeliveryQueue, now = NOW) => {
    const out = [];
    for (const c of await queue.claim({ now, limit: 100 }))
      out.push(
        await queue.deadLetter(c.id, {
          reason: "retries_exhausted",
          sink: `http://sink/${c.subscriptionId}`,
          failure: { outcome: 500, responseSnippet: "oops", atMs: now + 7 },
        }),
      );
    return out;
  };

  it("dead-letters keep the event byte for byte and the failure", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      const stored = await store.get(s1);
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1)]);
      const [c] = await queue.claim({ now: NOW, limit: 10 });
      await queue.retryAt((c as { id: number }).id, NOW, failure(503, NOW + 3));
      const [dl] = await kill(queue);
      assert.ok(dl);
      assert.equal(dl.subscriptionId, "a");
      assert.equal(dl.sequence, s1);
      assert.equal(dl.sink, "http://sink/a");
      assert.equal(dl.reason, "retries_exhausted");
      assert.equal(dl.attempts, 2);
      assert.equal(dl.lastOutcome, "status");
      assert.equal(dl.lastStatus, 500);
      assert.equal(dl.responseSnippet, "oops");
      assert.equal(dl.firstFailureMs, NOW + 3);
      assert.equal(dl.lastFailureMs, NOW + 7);
      assert.equal(dl.ingestedMs, NOW - 1000);
      assert.equal(dl.state, "dead");
      assert.equal(dl.replays, 0);
      assert.equal(dl.attributes, stored?.attributes);
      assert.equal(dl.body, stored?.body);
      assert.deepEqual(await queue.getDeadLetter(dl.id), dl);
      assert.deepEqual(await queue.depth(NOW), { pending: 0, scheduled: 0, inFlight: 0, dead: 1 });
      await queue.setDeadLetterSinkResult(dl.id, "delivered");
      assert.equal((await queue.getDeadLetter(dl.id))?.sinkResult, "delivered");
    }),
  );

  it("lists dead letters by subscription and state, page by page", CASE, () =>
    use(async ({ store, queue }) => {
      const seqs = await events(store, 5);
      await queue.putSubscription(record(subscription("a")));
      await queue.putSubscription(record(subscription("b")));
      await queue.enqueue(seqs.flatMap((s) => [routed("a", s), routed("b", s)]));
      await kill(queue);
      const page1 = await queue.listDeadLetters({ subscriptionId: "a", limit: 3 });
      assert.equal(page1.deadLetters.length, 3);
      assert.ok(page1.next !== null);
      const page2 = await queue.listDeadLetters({ subscriptionId: "a", limit: 3, after: page1.next });
      assert.equal(page2.deadLetters.length, 2);
      assert.equal(page2.next, null);
      const ids = [...page1.deadLetters, ...page2.deadLetters].map((d) => d.id);
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
      );
      assert.ok([...page1.deadLetters, ...page2.deadLetters].every((d) => d.subscriptionId === "a"));
      assert.equal((await queue.listDeadLetters({ limit: 100 })).deadLetters.length, 10);
      assert.equal((await queue.listDeadLetters({ limit: 100, state: "replayed" })).deadLetters.length, 0);
    }),
  );

  it("replay re-enqueues to the original subscription with attempts reset, and is audited", CASE, () =>
    use(async ({ store, queue }) => {
      const seqs = await events(store, 3);
      await queue.putSubscription(record(subscription("a")));
      await queue.putSubscription(record(subscription("b")));
      await queue.enqueue(seqs.flatMap((s) => [routed("a", s), routed("b", s)]));
      const dead = await kill(queue);
      const oneOfA = dead.find((d) => d?.subscriptionId === "a");
      assert.deepEqual(await queue.replayDeadLetters({ ids: [oneOfA?.id ?? -1] }, NOW + 100), {
        replayed: 1,
        skipped: 0,
      });
      const [c] = await queue.claim({ now: NOW + 100, limit: 10 });
      assert.equal(c?.subscriptionId, "a");
      assert.equal(c?.sequence, oneOfA?.sequence);
      assert.equal(c?.attempt, 1);
      const replayed = await queue.getDeadLetter(oneOfA?.id ?? -1);
      assert.equal(replayed?.state, "replayed");
      assert.equal(replayed?.replays, 1);
      assert.equal(replayed?.replayedMs, NOW + 100);
      // Dying again updates the same dead letter and keeps the replay count.
      await queue.deadLetter((c as { id: number }).id, {
        reason: "not_retryable",
        sink: "http://sink/a",
        failure: failure(400, NOW + 200),
      });
      const again = await queue.getDeadLetter(oneOfA?.id ?? -1);
      assert.equal(again?.state, "dead");
      assert.equal(again?.replays, 1);
      assert.equal(again?.reason, "not_retryable");
      assert.equal(again?.attempts, 1);
      // By subscription: only b's; all: the rest.
      assert.deepEqual(await queue.replayDeadLetters({ subscriptionId: "b" }, NOW), { replayed: 3, skipped: 0 });
      assert.deepEqual(
        (await queue.claim({ now: NOW, limit: 10 })).map((x) => x.subscriptionId),
        ["b", "b", "b"],
      );
      assert.deepEqual(await queue.replayDeadLetters({ all: true }, NOW), { replayed: 3, skipped: 0 });
      assert.deepEqual(await queue.replayDeadLetters({ all: true }, NOW), { replayed: 0, skipped: 0 });
    }),
  );

  it("a replay to a deleted subscription is skipped; a replayed event pruned meanwhile keeps its copy", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      const stored = await store.get(s1);
      await queue.putSubscription(record(subscription("a")));
      await queue.putSubscription(record(subscription("b")));
      await queue.enqueue([routed("a", s1), routed("b", s1)]);
      await kill(queue);
      await queue.deleteSubscription("b");
      await store.prune({ receivedBefore: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(await queue.replayDeadLetters({ all: true }, NOW), { replayed: 1, skipped: 1 });
      const [c] = await queue.claim({ now: NOW, limit: 10 });
      assert.deepEqual(c?.event, { attributes: stored?.attributes, body: stored?.body });
    }),
  );

  it("a delivery whose event was pruned is claimed without it", CASE, () =>
    use(async ({ store, queue }) => {
      const [s1] = (await events(store, 1)) as [number];
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue([routed("a", s1)]);
      await store.prune({ receivedBefore: Number.MAX_SAFE_INTEGER });
      const [c] = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(c?.event, null);
    }),
  );

  it("purges dead letters by ids, subscription or all", CASE, () =>
    use(async ({ store, queue }) => {
      const seqs = await events(store, 2);
      await queue.putSubscription(record(subscription("a")));
      await queue.putSubscription(record(subscription("b")));
      await queue.enqueue(seqs.flatMap((s) => [routed("a", s), routed("b", s)]));
      const dead = await kill(queue);
      const ofA = dead.find((d) => d?.subscriptionId === "a");
      assert.equal(await queue.purgeDeadLetters({ ids: [ofA?.id ?? -1, 999_999] }), 1);
      assert.equal(await queue.purgeDeadLetters({ subscriptionId: "b" }), 2);
      assert.equal(await queue.purgeDeadLetters({ all: true }), 1);
      assert.equal((await queue.listDeadLetters({ limit: 10 })).deadLetters.length, 0);
      await assert.rejects(queue.purgeDeadLetters({}));
    }),
  );

  it("two queues on one database (replicas) never claim a delivery twice and share maxInFlight", CASE, () =>
    use(async (f) => {
      if (!f.reopen) return;
      const seqs = await events(f.store, 40);
      await f.queue.putSubscription(record(subscription("a", { maxInFlight: 7 })));
      await f.queue.putSubscription(record(subscription("o", { ordering: "partitionKey" })));
      await f.queue.enqueue(seqs.flatMap((s, i) => [routed("a", s), routed("o", s, `k${i % 3}`)]));
      const other = await f.reopen();
      try {
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_v, i) => (i % 2 ? other : f.queue).claim({ now: NOW, limit: 5 })),
        );
        const all = claims.flat();
        assert.equal(new Set(all.map((c) => c.id)).size, all.length, "no delivery claimed twice");
        assert.equal(all.filter((c) => c.subscriptionId === "a").length, 7, "maxInFlight across both");
        const ordered = all.filter((c) => c.subscriptionId === "o");
        assert.equal(new Set(ordered.map((c) => c.lane)).size, ordered.length, "at most one per lane across both");
        if (f.partitionedLanes) assert.ok(ordered.length >= 1 && ordered.length <= 3, `${ordered.length} lanes`);
        else assert.equal(ordered.length, 3, "one per lane across both");
      } finally {
        await other.close();
      }
    }),
  );

  it("survives a reopen: subscriptions, cursor, scheduled retries and dead letters", CASE, () =>
    use(async (f) => {
      if (!f.reopen) return;
      const [s1, s2] = (await events(f.store, 2)) as [number, number];
      await f.queue.putSubscription(record(subscription("a")));
      await f.queue.initCursor(0);
      await f.queue.enqueue([routed("a", s1), routed("a", s2)], { from: 0, to: s2 });
      const [c1, c2] = await f.queue.claim({ now: NOW, limit: 10 });
      await f.queue.retryAt((c1 as { id: number }).id, NOW + 50, failure());
      await f.queue.deadLetter((c2 as { id: number }).id, {
        reason: "not_retryable",
        sink: "x",
        failure: failure(410),
      });
      await f.queue.close();
      const q = await f.reopen();
      try {
        assert.equal(await q.cursor(), s2);
        assert.equal((await q.listSubscriptions()).length, 1);
        assert.deepEqual(await q.depth(NOW), { pending: 0, scheduled: 1, inFlight: 0, dead: 1 });
      } finally {
        await q.close();
      }
    }),
  );
}

// Outcomes may be group-committed (several in one transaction): concurrent ones must all be durable when they
// resolve, and a batch that fails must fail every outcome in it, none half-applied.
function groupCommitCases(use: Use): void {
  it("records many concurrent outcomes, each durable once it resolves", CASE, () =>
    use(async (f) => {
      const seqs = await events(f.store, 200);
      await f.queue.putSubscription(record(subscription("a", { maxInFlight: 1000 })));
      await f.queue.enqueue(seqs.map((s) => routed("a", s)));
      const claimed = await f.queue.claim({ now: NOW, limit: 1000 });
      assert.equal(claimed.length, 200);
      // All in the same tick: completes and retries interleaved.
      await Promise.all(
        claimed.map((c, i) =>
          i % 4 === 0 ? f.queue.retryAt(c.id, NOW + 100, failure(503, NOW + i)) : f.queue.complete(c.id),
        ),
      );
      assert.deepEqual(await f.queue.depth(NOW), { pending: 0, scheduled: 50, inFlight: 0, dead: 0 });
      if (!f.reopen) return;
      await f.queue.close();
      const q = await f.reopen();
      try {
        assert.deepEqual(await q.depth(NOW), { pending: 0, scheduled: 50, inFlight: 0, dead: 0 });
        const again = await q.claim({ now: NOW + 100, limit: 1000 });
        assert.deepEqual(
          again.map((c) => c.sequence).sort((a, b) => a - b),
          seqs.filter((_s, i) => i % 4 === 0),
        );
        assert.ok(again.every((c) => c.attempt === 2 && c.firstFailureMs !== null));
      } finally {
        await q.close();
      }
    }),
  );

  it("completing lanes in the same tick unblocks each lane's next delivery", CASE, () =>
    use(async ({ store, queue }) => {
      const seqs = await events(store, 6);
      await queue.putSubscription(record(subscription("o", { ordering: "partitionKey" })));
      await queue.enqueue(seqs.map((s, i) => routed("o", s, `k${i % 3}`)));
      const first = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(first.length, 3);
      await Promise.all(first.map((c) => queue.complete(c.id)));
      const second = await queue.claim({ now: NOW, limit: 10 });
      assert.deepEqual(
        second.map((c) => c.sequence).sort((a, b) => a - b),
        seqs.slice(3),
      );
    }),
  );

  it("a failing group commit rejects every outcome in it and applies none", CASE, () =>
    use(async ({ store, queue, failDeleteOf }) => {
      if (!failDeleteOf) return;
      const seqs = await events(store, 5);
      await queue.putSubscription(record(subscription("a")));
      await queue.enqueue(seqs.map((s) => routed("a", s)));
      const claimed = await queue.claim({ now: NOW, limit: 10 });
      assert.equal(claimed.length, 5);
      const restore = await failDeleteOf(seqs[2] as number);
      let results: PromiseSettledResult<void>[];
      try {
        results = await Promise.allSettled([
          ...claimed.map((c) => queue.complete(c.id)),
          queue.retryAt(claimed[0]?.id as number, NOW + 10, failure()),
        ]);
      } finally {
        await restore();
      }
      assert.deepEqual(
        results.map((r) => r.status),
        results.map(() => "rejected"),
      );
      assert.deepEqual(await queue.depth(NOW), { pending: 0, scheduled: 0, inFlight: 5, dead: 0 });
      // Recorded again, they succeed.
      await Promise.all(claimed.map((c) => queue.complete(c.id)));
      assert.deepEqual(await queue.depth(NOW), { pending: 0, scheduled: 0, inFlight: 0, dead: 0 });
    }),
  );
}

// Claims on the wall clock until something is claimed (JetStream redelivers when its delay has passed).
async function claimSoon(queue: DeliveryQueue, within = 10_000): Promise<ClaimedDelivery[]> {
  const end = Date.now() + within;
  for (;;) {
    const got = await queue.claim({ now: Date.now(), limit: 100 });
    if (got.length > 0 || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The lane case for partitioned lanes: order within a lane, and a retried head (nak with a delay) blocks its lane
// until it is delivered again.
async function partitionedLane({ store, queue }: QueueFixture): Promise<void> {
  const [a1, a2, a3] = (await events(store, 3)) as [number, number, number];
  await queue.putSubscription(record(subscription("s", { ordering: "partitionKey" })));
  await queue.enqueue([routed("s", a1, "A"), routed("s", a2, "A"), routed("s", a3, "A")]);
  const [head, ...rest] = await claimSoon(queue);
  assert.equal(head?.sequence, a1, "the head of the lane");
  assert.deepEqual(rest, []);
  assert.deepEqual(await queue.claim({ now: Date.now(), limit: 100 }), [], "nothing more while the head is in flight");
  await queue.retryAt((head as { id: number }).id, Date.now() + 1000, failure(503, Date.now()));
  assert.deepEqual(await queue.claim({ now: Date.now(), limit: 100 }), [], "the retry blocks its lane");
  const [again] = await claimSoon(queue);
  assert.equal(again?.sequence, a1, "the retry, not a2");
  assert.equal(again?.attempt, 2);
  await queue.complete((again as { id: number }).id);
  assert.equal((await claimSoon(queue))[0]?.sequence, a2);
}

// The retry case on the wall clock.
async function wallClockRetry({ store, queue }: QueueFixture): Promise<void> {
  const [s1] = (await events(store, 1)) as [number];
  await queue.putSubscription(record(subscription("a")));
  await queue.enqueue([routed("a", s1)]);
  const [c] = await claimSoon(queue);
  await queue.retryAt((c as { id: number }).id, Date.now() + 1000, failure(503, NOW + 1));
  assert.equal((await queue.depth(Date.now())).scheduled, 1);
  assert.deepEqual(await queue.claim({ now: Date.now(), limit: 10 }), [], "not before its time");
  const [again] = await claimSoon(queue);
  assert.equal(again?.attempt, 2);
  assert.equal(again?.firstFailureMs, NOW + 1);
  await queue.retryAt((again as { id: number }).id, Date.now(), failure("timeout", NOW + 600));
  const [third] = await claimSoon(queue);
  assert.equal(third?.attempt, 3);
  assert.equal(third?.firstFailureMs, NOW + 1);
}
