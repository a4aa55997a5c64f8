/**
 * The delivery queue contract: the durable state of the embedded router — subscriptions, the routing cursor over
 * the event log, one row per (event × matching subscription) with its attempt count and `not_before`, and the
 * dead-letter store. One interface, implemented side by side by SQLite (`sqlite-queue.ts`, the same database file
 * as the event store) and PostgreSQL (`postgres-queue.ts`, shared by replicas), and proven by one conformance suite
 * (`test/queue-conformance.ts`).
 *
 * Every method that changes state is one transaction. The routing cursor only moves together with the deliveries
 * it produced (`enqueue` with `advance`), so an event the store acknowledged is never lost between the log and the
 * queue: after a crash routing resumes from the cursor.
 * @module
 */
import type { AttemptOutcome, DeadLetterReason, Subscription } from "@cairn/router";
import type { DeliveryOutcomeRecord } from "../store/types.ts";

/** Who owns a subscription: the API (changed through it) or the config file (read-only through the API). */
export type SubscriptionOrigin = "api" | "config";

/** A stored subscription: the validated, normalised resource (secrets included) and its bookkeeping. */
export interface SubscriptionRecord {
  readonly subscription: Subscription;
  readonly origin: SubscriptionOrigin;
  /** Epoch ms. */
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** One delivery to create: an event (by store sequence) matched by a subscription. */
export interface RoutedDelivery {
  readonly subscriptionId: string;
  readonly sequence: number;
  /** Ordering lane (`orderingKey`), or null for an unordered subscription. */
  readonly lane: string | null;
  /** When the hub received the event (epoch ms): the start of the delivery latency. */
  readonly ingestedMs: number;
}

/** A cursor move that must commit with the deliveries it produced (compare-and-set: `from` must be current). */
export interface CursorAdvance {
  readonly from: number;
  readonly to: number;
}

/** A claimed delivery, ready for one attempt. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly subscriptionId: string;
  readonly sequence: number;
  readonly lane: string | null;
  /** This attempt's number, from 1 (claims count attempts, so a crash mid-attempt is counted too). */
  readonly attempt: number;
  readonly ingestedMs: number;
  /** When the first failed attempt ended, if one did. */
  readonly firstFailureMs: number | null;
  /** The stored event; null when retention deleted it before it could be delivered. */
  readonly event: { readonly attributes: string; readonly body: string } | null;
}

/** Options of a claim. */
export interface ClaimOptions {
  /** Current time, epoch ms: only deliveries with `not_before ≤ now` are due. */
  readonly now: number;
  /** Most deliveries to claim in all. */
  readonly limit: number;
  /**
   * Most deliveries of a subscription to claim now on top of its `maxInFlight` rule (e.g. rate-limit tokens);
   * absent: no extra cap.
   */
  readonly capacity?: (subscriptionId: string) => number;
  /** How long a claim is held before another worker may take it over (PostgreSQL replicas); default 5 min. */
  readonly leaseMs?: (subscriptionId: string) => number;
}

/** What a failed attempt ended with. */
export interface AttemptFailure {
  /** How the last attempt ended; `none` when no attempt was made (the delivery expired before its first). */
  readonly outcome: AttemptOutcome | "none";
  /** The start of the response body (text), for the dead letter. */
  readonly responseSnippet?: string;
  /** When the attempt ended, epoch ms. */
  readonly atMs: number;
}

/** How a delivery is dead-lettered. */
export interface DeadLetterInput {
  readonly reason: DeadLetterReason;
  /** The URL that failed. */
  readonly sink: string;
  /** The last attempt. */
  readonly failure: AttemptFailure;
}

/** State of a dead letter: still dead, or sent back to its subscription (kept for the audit trail). */
export type DeadLetterState = "dead" | "replayed";

/** A dead letter: the original event byte for byte and what went wrong. */
export interface DeadLetter {
  readonly id: number;
  readonly subscriptionId: string;
  readonly sequence: number;
  readonly sink: string;
  readonly reason: DeadLetterReason;
  readonly attempts: number;
  /** `status`, `network` or `timeout`; `none` when no attempt was made (expired before the first). */
  readonly lastOutcome: "status" | "network" | "timeout" | "none";
  /** The last HTTP status, null for a network error or timeout. */
  readonly lastStatus: number | null;
  readonly responseSnippet: string | null;
  readonly firstFailureMs: number;
  readonly lastFailureMs: number;
  readonly deadLetteredMs: number;
  readonly ingestedMs: number;
  readonly state: DeadLetterState;
  /** Times replayed, and the last time. */
  readonly replays: number;
  readonly replayedMs: number | null;
  /** The outcome of sending it to the subscription's `deadLetterSink` (`delivered`, `failed: …`), if one is set. */
  readonly sinkResult: string | null;
  /** The CloudEvent attributes and the CDEvent, as stored. */
  readonly attributes: string;
  readonly body: string;
}

/** Which dead letters an operation applies to: listed ids, one subscription's, or all (combined with AND). */
export interface DeadLetterSelector {
  readonly ids?: readonly number[];
  readonly subscriptionId?: string;
  readonly all?: boolean;
}

/** A page of dead letters, oldest first. */
export interface DeadLetterPage {
  readonly deadLetters: readonly DeadLetter[];
  /** `after` of the next page, or null. */
  readonly next: number | null;
}

/** Query of {@link DeliveryQueue.listDeadLetters}. */
export interface DeadLetterQuery {
  readonly subscriptionId?: string;
  readonly state?: DeadLetterState;
  /** Only ids above this one. */
  readonly after?: number;
  readonly limit: number;
}

/** What a replay did. */
export interface ReplayResult {
  /** Dead letters sent back to their subscription. */
  readonly replayed: number;
  /** Selected but not replayed: their subscription no longer exists, or a delivery of that event is still queued. */
  readonly skipped: number;
}

/** Queue depth by state. */
export interface QueueDepth {
  /** Waiting, due now. */
  readonly pending: number;
  /** Waiting for a later `not_before` (retries). */
  readonly scheduled: number;
  readonly inFlight: number;
  /** Dead letters still dead. */
  readonly dead: number;
}

/** The durable state of the router. See the module comment for the guarantees. */
export interface DeliveryQueue {
  /** `sqlite` or `postgres`. */
  readonly engine: string;

  /** Every stored subscription, in creation order. */
  listSubscriptions(): Promise<SubscriptionRecord[]>;
  getSubscription(id: string): Promise<SubscriptionRecord | null>;
  /** Creates or replaces a subscription (keeping `createdMs` of an existing one). */
  putSubscription(record: SubscriptionRecord): Promise<void>;
  /** Deletes a subscription and its queued deliveries (not its dead letters); false when absent. */
  deleteSubscription(id: string): Promise<boolean>;

  /** The routing cursor (highest sequence routed), or null before the first start. */
  cursor(): Promise<number | null>;
  /** Sets the cursor when it has never been set; returns the cursor. */
  initCursor(sequence: number): Promise<number>;
  /**
   * Inserts deliveries (idempotent: one per subscription and sequence) and, with `advance`, moves the cursor in
   * the same transaction. Resolves false, changing nothing, when `advance.from` is not the current cursor
   * (another replica routed those events).
   */
  enqueue(deliveries: readonly RoutedDelivery[], advance?: CursorAdvance): Promise<boolean>;

  /**
   * Claims due deliveries: per subscription at most `maxInFlight` in flight, per ordering lane only the oldest
   * delivery (by sequence) and only when nothing of that lane is in flight.
   */
  claim(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** The earliest `not_before` of a claimable delivery, or null when none is waiting. */
  nextDue(): Promise<number | null>;
  /** A delivery succeeded (or is dropped): removes it, freeing its lane. */
  complete(id: number): Promise<void>;
  /** A delivery failed and is retried at `notBefore`. */
  retryAt(id: number, notBefore: number, failure: AttemptFailure): Promise<void>;
  /** Moves a delivery to the dead-letter store with a copy of its event; null when the delivery is gone. */
  deadLetter(id: number, input: DeadLetterInput): Promise<DeadLetter | null>;
  /** Puts deliveries left in flight by a crashed process back to pending; resolves to how many. */
  recoverInFlight(now: number): Promise<number>;
  /**
   * Embedded: commits the group-committed outcomes (`complete`, `retryAt`) through `writer` — the event store's
   * writer thread, on the same file — instead of on the queue's own connection.
   */
  delegateOutcomes?(writer: (outcomes: readonly DeliveryOutcomeRecord[]) => Promise<void>): void;

  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  getDeadLetter(id: number): Promise<DeadLetter | null>;
  /** Records what the `deadLetterSink` answered. */
  setDeadLetterSinkResult(id: number, result: string): Promise<void>;
  /** Re-enqueues the selected dead letters (state `dead`) to their original subscription, attempts reset. */
  replayDeadLetters(selector: DeadLetterSelector, now: number): Promise<ReplayResult>;
  /** Deletes the selected dead letters (any state); resolves to how many. */
  purgeDeadLetters(selector: DeadLetterSelector): Promise<number>;

  depth(now: number): Promise<QueueDepth>;
  /** Releases the connection. Idempotent. */
  close(): Promise<void>;
}

/** Default claim lease. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** The `lastOutcome`/`lastStatus` pair of an attempt outcome. */
export function outcomeColumns(outcome: AttemptOutcome | "none"): {
  kind: "status" | "network" | "timeout" | "none";
  status: number | null;
} {
  return typeof outcome === "number" ? { kind: "status", status: outcome } : { kind: outcome, status: null };
}
