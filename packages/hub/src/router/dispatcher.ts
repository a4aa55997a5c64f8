/**
 * The dispatcher: claims due deliveries (the queue enforces `maxInFlight` and ordering lanes, the dispatcher's
 * token buckets `rateLimit`), sends each attempt, and records its outcome durably — done, retry at a `not_before`
 * computed by the delivery policy (honouring a capped `Retry-After` on 429 and 503), or dead letter. Attempts run
 * concurrently up to a process-wide bound; a slow sink only holds its own subscription's slots, and ingest never
 * waits for any of it. An attempt stops counting against the bound once its sink has answered: recording the
 * outcome (group-committed by the queue) and the next claim proceed side by side.
 * @module
 */
import { type AttemptOutcome, expiredStep, isExpired, nextStep, type Step, type Subscription } from "@cairn/router";
import type { Logger } from "pino";
import type { AttemptResult } from "./attempt.ts";
import { DeadLetterSender } from "./dead-letter-sender.ts";
import { DeliverySender, deliveryExpiry } from "./delivery-sender.ts";
import type { RouterMetrics } from "./metrics.ts";
import type { AttemptFailure, ClaimedDelivery, DeliveryQueue } from "./queue.ts";
import { SNIPPET_CHARS } from "./queue-rows.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { ReplyResult } from "./reply-ingest.ts";

/** What the dispatcher needs. */
export interface DispatcherDeps {
  readonly queue: DeliveryQueue;
  /** The current subscription with this id. */
  readonly subscription: (id: string) => Subscription | undefined;
  readonly metrics: RouterMetrics;
  readonly log: Logger;
  /** Ingests a response as a reply when it is one (throws when it cannot be stored). */
  readonly reply: (original: ClaimedDelivery, response: ReplyResponse) => Promise<ReplyResult>;
  /** Largest response body read (a longer one is not a reply). */
  readonly maxBodyBytes: number;
  /** Most attempts in flight in this process. */
  readonly concurrency: number;
  /**
   * This process is the queue's only consumer and is poked for every delivery it does not start itself (the
   * embedded engine): an answer then looks for more only when something may be waiting (see `#dirty`). Otherwise
   * (replicas) every answer looks, which also finds what other replicas routed.
   */
  readonly exclusive?: boolean;
}

/** A response that may be a reply. */
export interface ReplyResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

// Without news (a completion, new deliveries) the dispatcher still looks every second: retries of other replicas,
// rate-limit refills.
const IDLE_MS = 1000;
// When deliveries are due but none could be claimed (subscriptions at maxInFlight or out of tokens).
const BUSY_MS = 50;

/** How much longer than its attempt's timeout a claim is held (PostgreSQL replicas take over expired ones). */
export const CLAIM_LEASE_MARGIN_MS = 60_000;

/** Sends deliveries. `poke()` when something may have become claimable. */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #inFlight = new Set<Promise<void>>();
  // Attempts waiting for their sink (the concurrency bound); `#inFlight` also holds those recording an outcome.
  #sending = 0;
  // The same per subscription, and sends reserved for deliveries an append is storing claimed (see `reserve`).
  readonly #sendingBy = new Map<string, number>();
  readonly #reservedBy = new Map<string, number>();
  #reserved = 0;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #stop = new AbortController();
  readonly #deadLetters: DeadLetterSender;
  readonly #sender: DeliverySender;
  #scheduled = false;
  // Something may be claimable: set by every poke from outside, by a round that claimed (there may be more) or saw
  // deliveries due that it could not claim, and by outcomes that leave work behind (a retry, a dead letter, a lane's
  // next delivery); cleared when a round starts. Exclusive queues skip the answers' looks while it is clear.
  #dirty = true;
  #pumping: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#deadLetters = new DeadLetterSender(deps.queue, deps.log, this.#stop.signal);
    this.#sender = new DeliverySender(deps.maxBodyBytes);
  }

  /** Attempts in flight in this process. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Looks for claimable deliveries soon (coalesced). */
  poke(): void {
    this.#dirty = true;
    this.#schedule();
  }

  // After an attempt's answer or outcome: look again only when something may be waiting (exclusive queues).
  #pokeAfterAttempt(): void {
    if (this.#dirty || !this.#deps.exclusive) this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#pump();
    });
  }

  #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    this.#pumping = this.#rounds().finally(() => {
      this.#pumping = null;
    });
    return this.#pumping;
  }

  async #rounds(): Promise<void> {
    let delay = IDLE_MS;
    try {
      do {
        this.#again = false;
        this.#dirty = false;
        delay = await this.#claimRound();
      } while (this.#again && !this.#stopped);
    } catch (err) {
      this.#deps.log.error({ err }, "claiming deliveries failed; retrying");
    }
    this.#arm(delay);
  }

  // Claims and starts what it can; returns how long to wait before looking again.
  async #claimRound(): Promise<number> {
    if (this.#stopped) return IDLE_MS;
    const free = this.#deps.concurrency - this.#sending - this.#reserved;
    let claimed: ClaimedDelivery[] = [];
    if (free > 0) {
      const now = Date.now();
      claimed = await this.#deps.queue.claim({
        now,
        limit: free,
        capacity: (id) => this.#capacity(id, now),
        leaseMs: (id) => (this.#deps.subscription(id)?.delivery.timeout ?? 0) + CLAIM_LEASE_MARGIN_MS,
      });
      // Claimed while stopping: left in flight for the next start (or another replica, once the lease expires).
      if (this.#stopped) return IDLE_MS;
      for (const c of claimed) this.#start(c, now);
    }
    // Busy: the answers to what was just claimed poke again, and a retry falling due meanwhile is found by the busy
    // poll — no need to ask the queue for the next due time on every round.
    if (claimed.length > 0) {
      this.#dirty = true;
      return BUSY_MS;
    }
    const next = await this.#deps.queue.nextDue();
    if (next === null) return IDLE_MS;
    const wait = next - Date.now();
    if (wait <= 0) this.#dirty = true;
    // Due but not claimed: the subscriptions are at maxInFlight (a completion pokes) or out of tokens (poll).
    return Math.min(IDLE_MS, wait > 0 ? wait : free > claimed.length ? BUSY_MS : IDLE_MS);
  }

  // What a subscription may still start here: its tokens, and its maxInFlight less what this process is sending or
  // has reserved for it (the queue counts the claims it stored; reservations are not stored yet).
  #capacity(id: string, now: number): number {
    const tokens = this.#bucket(id, now)?.available(now) ?? Number.POSITIVE_INFINITY;
    const max = this.#deps.subscription(id)?.delivery.maxInFlight ?? Number.POSITIVE_INFINITY;
    return Math.min(tokens, max - (this.#sendingBy.get(id) ?? 0) - (this.#reservedBy.get(id) ?? 0));
  }

  /**
   * Reserves a send for a new delivery of `s`, when there is room now (concurrency, maxInFlight, a rate-limit token,
   * which it takes): the delivery is then stored claimed by the append that stores its event, and handed over with
   * {@link startClaimed} — or given back with {@link release} when it was not stored.
   */
  reserve(s: Subscription, now: number): boolean {
    if (this.#stopped || this.#sending + this.#reserved >= this.#deps.concurrency) return false;
    if (this.#capacity(s.id, now) < 1) return false;
    this.#bucket(s.id, now)?.take(1, now);
    add(this.#reservedBy, s.id, 1);
    this.#reserved++;
    return true;
  }

  /** Gives back a reservation whose delivery was not stored, with the rate-limit token it took. */
  release(subscriptionId: string): void {
    this.#unreserve(subscriptionId);
    const now = Date.now();
    this.#bucket(subscriptionId, now)?.give(1, now);
    this.poke();
  }

  /** Sends a delivery stored claimed under a reservation. */
  startClaimed(c: ClaimedDelivery): void {
    this.#unreserve(c.subscriptionId);
    if (this.#stopped) return; // left in flight for the next start
    this.#start(c, Date.now(), true);
  }

  #unreserve(id: string): void {
    add(this.#reservedBy, id, -1);
    this.#reserved--;
  }

  #bucket(id: string, now: number): TokenBucket | undefined {
    const rate = this.#deps.subscription(id)?.delivery.rateLimit;
    if (rate === undefined) {
      this.#buckets.delete(id);
      return undefined;
    }
    let b = this.#buckets.get(id);
    if (!b || b.rate !== rate) {
      b = new TokenBucket(rate, now);
      this.#buckets.set(id, b);
    }
    return b;
  }

  #arm(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = this.#stopped ? null : setTimeout(() => this.poke(), Math.max(0, delay)).unref();
  }

  #start(c: ClaimedDelivery, now: number, tokenTaken = false): void {
    if (!tokenTaken) this.#bucket(c.subscriptionId, now)?.take(1, now);
    const run = this.#deliver(c)
      .catch((err: unknown) => this.#deps.log.error({ err, delivery: c.id }, "recording a delivery failed"))
      .finally(() => {
        this.#inFlight.delete(run);
        this.#pokeAfterAttempt();
      });
    this.#inFlight.add(run);
  }

  async #deliver(c: ClaimedDelivery): Promise<void> {
    const { queue, metrics } = this.#deps;
    const s = this.#deps.subscription(c.subscriptionId);
    if (!s || !c.event) {
      // Deleted subscription, or an event retention removed before it could be delivered.
      await queue.complete(c.id);
      metrics.delivery("dropped");
      return;
    }
    const expiresAtMs = deliveryExpiry(s, c);
    if (isExpired(expiresAtMs, Date.now())) {
      const snippet = `expired at ${new Date(expiresAtMs ?? 0).toISOString()} before attempt ${c.attempt}`;
      return this.#settle(s, c, expiredStep(s.delivery), {
        outcome: "none",
        responseSnippet: snippet,
        atMs: Date.now(),
      });
    }
    let result: AttemptResult;
    // A stop signal of its own per attempt: the sender combines it with a timeout (`AbortSignal.any`), and every
    // signal combined with the dispatcher's long-lived one would stay registered on it, which Node cleans up in
    // quadratic time (a fifth of the hub's CPU at 1,000 deliveries/s in the router bench).
    const stop = new AbortController();
    const onStop = (): void => stop.abort();
    this.#stop.signal.addEventListener("abort", onStop, { once: true });
    this.#sending++;
    add(this.#sendingBy, s.id, 1);
    try {
      result = await this.#sender.send(s, c, { ...c.event, sequence: c.sequence }, stop.signal);
    } finally {
      this.#sending--;
      add(this.#sendingBy, s.id, -1);
      this.#stop.signal.removeEventListener("abort", onStop);
    }
    if (result.aborted) return; // stopping: left in flight, recovered at the next start
    // The sink answered: its slot is free while the outcome is recorded.
    this.#pokeAfterAttempt();
    const failure = await this.#settleReply(s, c, result);
    const now = Date.now();
    const outcome = failure?.outcome ?? result.outcome;
    const retryAfter = result.headers?.get("retry-after") ?? null;
    const step = nextStep(s.delivery, { outcome, attempt: c.attempt, retryAfter, now, expiresAtMs });
    const failed: AttemptFailure = failure ?? {
      outcome,
      responseSnippet: result.body.slice(0, SNIPPET_CHARS),
      atMs: now,
    };
    return this.#settle(s, c, step, failed);
  }

  // Records what an attempt (or its expiry) decided. Once recorded, what it leaves behind — a retry to schedule, a
  // lane's next delivery to unblock — is for the next round to find.
  async #settle(s: Subscription, c: ClaimedDelivery, step: Step, failed: AttemptFailure): Promise<void> {
    try {
      await this.#record(s, c, step, failed);
    } finally {
      if (step.action === "retry" || step.action === "deadLetter" || c.lane !== null) this.#dirty = true;
    }
  }

  async #record(s: Subscription, c: ClaimedDelivery, step: Step, failed: AttemptFailure): Promise<void> {
    const { queue, metrics } = this.#deps;
    const now = failed.atMs;
    if (step.action === "done") {
      await queue.complete(c.id);
      metrics.delivery("delivered", now - c.ingestedMs);
      return;
    }
    if (step.action === "retry") {
      await queue.retryAt(c.id, now + step.delayMs, failed);
      metrics.retry();
      return;
    }
    if (step.action === "drop") {
      await queue.complete(c.id);
      metrics.delivery("expired");
      return;
    }
    const outcome = failed.outcome;
    const dead = await queue.deadLetter(c.id, { reason: step.reason, sink: s.sink, failure: failed });
    metrics.deadLetter(step.reason);
    metrics.delivery("dead_lettered");
    this.#deps.log.warn(
      { subscription: s.id, sequence: c.sequence, attempts: c.attempt, reason: step.reason, outcome },
      "delivery dead-lettered",
    );
    if (dead && s.delivery.deadLetterSink !== undefined) this.#deadLetters.send(s, dead);
  }

  // A 200 may be a reply: ingest it. A reply that cannot be stored fails the attempt (it is retried).
  async #settleReply(
    s: Subscription,
    c: ClaimedDelivery,
    result: Extract<AttemptResult, { aborted: false }>,
  ): Promise<(AttemptFailure & { readonly outcome: AttemptOutcome }) | null> {
    if (result.outcome !== 200 || s.delivery.responseMode !== "replyIfCloudEvent" || !result.headers) return null;
    if (result.truncated) {
      this.#deps.metrics.reply("invalid");
      return null;
    }
    try {
      const r = await this.#deps.reply(c, { status: 200, headers: result.headers, body: result.body });
      if (r.kind !== "none") this.#deps.metrics.reply(r.kind);
      if (r.kind === "refused" || r.kind === "invalid")
        this.#deps.log.warn({ subscription: s.id, sequence: c.sequence, reason: r.reason }, "reply not ingested");
      return null;
    } catch (err) {
      this.#deps.metrics.reply("failed");
      this.#deps.log.error({ err, subscription: s.id, sequence: c.sequence }, "reply could not be stored");
      return { outcome: "network", responseSnippet: "the reply could not be stored", atMs: Date.now() };
    }
  }

  /** Starts dispatching. */
  start(): void {
    this.poke();
  }

  /**
   * Stops claiming, waits for attempts in flight (at most `timeoutMs`), then aborts the rest: they stay in flight
   * in the queue and are recovered at the next start.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#pumping;
    const all = Promise.allSettled([...this.#inFlight, this.#deadLetters.idle()]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
    this.#stop.abort();
    await this.#sender.close();
    await Promise.allSettled([...this.#inFlight]);
  }
}

// Adds `delta` to a per-subscription count, dropping it at zero (the maps hold only subscriptions with some).
function add(counts: Map<string, number>, id: string, delta: number): void {
  const n = (counts.get(id) ?? 0) + delta;
  if (n > 0) counts.set(id, n);
  else counts.delete(id);
}
