/**
 * The correlation store contract: the durable state of correlation triggers — the triggers, a correlation cursor
 * over the event log, one state row per (trigger, key) with an open window, and the `fired` table. One interface,
 * implemented side by side by SQLite (`sqlite-store.ts`, the event store's file) and PostgreSQL
 * (`postgres-store.ts`, the store's schema), proven by one conformance suite (`test/correlation-conformance.ts`).
 *
 * Guarantees: `commit` moves the cursor (compare-and-set), writes the page's state changes and inserts its
 * firings in one transaction, so a page is correlated exactly once even across crashes and replicas. A firing is
 * keyed by its idempotency key (inserting it again changes nothing), and `markEmitted` moves it from `pending` to
 * `emitted` once — in the same transaction as the sink delivery it enqueues — so a firing is emitted and
 * delivered to the trigger's sink once whatever crashes in between.
 * @module
 */
import type { CorrelationState, Trigger } from "@cairn/router";

/** Who owns a trigger: the API, or the config file (read-only through the API). */
export type TriggerOrigin = "api" | "config";

/** A stored trigger and its bookkeeping. */
export interface TriggerRecord {
  readonly trigger: Trigger;
  readonly origin: TriggerOrigin;
  /** Epoch ms. */
  readonly createdMs: number;
  /** Epoch ms; also the trigger's version: state written under another version is ignored. */
  readonly updatedMs: number;
}

/** The state of one (trigger, key), as stored. */
export interface StoredState {
  readonly triggerId: string;
  /** The trigger version (`updatedMs`) the state was computed with. */
  readonly version: number;
  readonly state: CorrelationState;
}

/** One (trigger, key). */
export interface StateKey {
  readonly triggerId: string;
  readonly key: string;
}

/** A state change of a committed page: the new state, or null to delete it (cleared or expired). */
export interface StateChange extends StateKey {
  readonly version: number;
  readonly state: CorrelationState | null;
  /** When its window closes (epoch ms); what expiry sweeps by. */
  readonly deadline: number;
}

/** What became of a firing: waiting to be emitted, emitted (with the event's sequence), or refused (why). */
export type FiredState = "pending" | "emitted" | "refused";

/** A firing to record. */
export interface FiredInput {
  readonly idempotencyKey: string;
  readonly triggerId: string;
  readonly key: string;
  readonly windowStart: number;
  readonly firedMs: number;
  /** The event to emit (attributes and CDEvent as JSON text); null with `refusal` when it cannot be emitted. */
  readonly event: { readonly attributes: string; readonly body: string } | null;
  readonly refusal?: string;
}

/** A recorded firing. */
export interface FiredRecord {
  readonly idempotencyKey: string;
  readonly triggerId: string;
  readonly key: string;
  readonly windowStart: number;
  readonly firedMs: number;
  readonly state: FiredState;
  /** Why it was refused. */
  readonly reason: string | null;
  /** The emitted event's sequence in the log. */
  readonly sequence: number | null;
  /** The event to emit; cleared once emitted (it is in the log then). */
  readonly event: { readonly attributes: string; readonly body: string } | null;
}

/** One page of correlation: the cursor move (compare-and-set) and what the page changed. */
export interface CorrelationCommit {
  readonly from: number;
  readonly to: number;
  readonly states: readonly StateChange[];
  readonly fired: readonly FiredInput[];
}

/** The delivery of an emitted event to a trigger's sink subscription. */
export interface SinkDelivery {
  readonly subscriptionId: string;
  /** When the event was stored, epoch ms (the delivery's latency starts there). */
  readonly ingestedMs: number;
}

/** Counts for metrics and the status. */
export interface CorrelationStats {
  /** Open windows (state rows). */
  readonly windows: number;
  /** Firings waiting to be emitted. */
  readonly pending: number;
}

/** The durable state of correlation triggers. Every method that changes state is one transaction. */
export interface CorrelationStore {
  /** `sqlite` or `postgres`. */
  readonly engine: string;

  /** Every trigger, in creation order. */
  listTriggers(): Promise<TriggerRecord[]>;
  getTrigger(id: string): Promise<TriggerRecord | null>;
  /** Creates or replaces a trigger (keeping `createdMs` of an existing one) and deletes its state. */
  putTrigger(record: TriggerRecord): Promise<void>;
  /** Deletes a trigger and its state (its firings stay); false when absent. */
  deleteTrigger(id: string): Promise<boolean>;

  /** The correlation cursor (highest sequence correlated), or null before the first start. */
  cursor(): Promise<number | null>;
  /** Sets the cursor when it has never been set; returns the cursor. */
  initCursor(sequence: number): Promise<number>;
  /** The stored states of these (trigger, key)s, by `triggerId + "\0" + key`. */
  loadStates(keys: readonly StateKey[]): Promise<Map<string, StoredState>>;
  /**
   * Moves the cursor from `from` to `to` with the page's state changes and firings, in one transaction.
   * Resolves to the firings inserted (an idempotency key already recorded is not inserted again), or null,
   * changing nothing, when `from` is not the current cursor (another replica correlated the page). States of a
   * trigger that no longer exists are not written.
   */
  commit(page: CorrelationCommit): Promise<number | null>;

  /** Firings waiting to be emitted, oldest first. */
  pendingFired(limit: number): Promise<FiredRecord[]>;
  getFired(idempotencyKey: string): Promise<FiredRecord | null>;
  /**
   * Records that a pending firing's event is stored at `sequence` and, with `sink`, enqueues its delivery to the
   * trigger's sink subscription (in the delivery queue's table) in the same transaction. Resolves false, changing
   * nothing, when the firing is not pending (already emitted, by this process or another replica).
   */
  markEmitted(idempotencyKey: string, sequence: number, sink: SinkDelivery | null): Promise<boolean>;

  /** Deletes states whose window closed before `before`; resolves to how many. */
  expireStates(before: number): Promise<number>;
  /** Deletes emitted and refused firings older than `before` (by firing time); resolves to how many. */
  pruneFired(before: number): Promise<number>;
  stats(): Promise<CorrelationStats>;
  /** Releases the connection. Idempotent. */
  close(): Promise<void>;
}

/** The map key of a (trigger, key) in {@link CorrelationStore.loadStates}. */
export function stateKey(triggerId: string, key: string): string {
  return `${triggerId}\u0000${key}`;
}
