/**
 * Rows of the router's tables → the queue's records, shared by the SQLite and PostgreSQL queues (PostgreSQL
 * returns `bigint` columns as text, hence the `Number` conversions), and the dead-letter selector as SQL.
 * @module
 */
import type { DeadLetterReason, Subscription } from "@cairn/router";
import type { ClaimedDelivery, DeadLetter, DeadLetterSelector, SubscriptionRecord } from "./queue.ts";

/** A database row. */
export type Row = Record<string, unknown>;

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** `subscriptions` row → record. */
export function rowToSubscription(r: Row): SubscriptionRecord {
  return {
    subscription: JSON.parse(String(r.body)) as Subscription,
    origin: r.origin === "config" ? "config" : "api",
    createdMs: Number(r.created_ms),
    updatedMs: Number(r.updated_ms),
  };
}

/** Claimed `deliveries` row (with `attributes` and `body` joined from the event or its dead letter) → delivery. */
export function rowToClaimed(r: Row): ClaimedDelivery {
  const attributes = strOrNull(r.attributes);
  const body = strOrNull(r.body);
  return {
    id: Number(r.id),
    subscriptionId: String(r.subscription_id),
    sequence: Number(r.seq),
    lane: strOrNull(r.lane),
    attempt: Number(r.attempt),
    ingestedMs: Number(r.ingested_ms),
    firstFailureMs: numOrNull(r.first_failure_ms),
    event: attributes === null || body === null ? null : { attributes, body },
  };
}

/** `dead_letters` row → dead letter. */
export function rowToDeadLetter(r: Row): DeadLetter {
  const outcome = String(r.last_outcome);
  return {
    id: Number(r.id),
    subscriptionId: String(r.subscription_id),
    sequence: Number(r.seq),
    sink: String(r.sink),
    reason: String(r.reason) as DeadLetterReason,
    attempts: Number(r.attempts),
    lastOutcome: outcome === "network" || outcome === "timeout" || outcome === "none" ? outcome : "status",
    lastStatus: numOrNull(r.last_status),
    responseSnippet: strOrNull(r.snippet),
    firstFailureMs: Number(r.first_failure_ms),
    lastFailureMs: Number(r.last_failure_ms),
    deadLetteredMs: Number(r.dead_ms),
    ingestedMs: Number(r.ingested_ms),
    state: r.state === "replayed" ? "replayed" : "dead",
    replays: Number(r.replays),
    replayedMs: numOrNull(r.replayed_ms),
    sinkResult: strOrNull(r.sink_result),
    attributes: String(r.attributes),
    body: String(r.body),
  };
}

/**
 * The WHERE conditions of a selector (ANDed); `param(value)` adds a parameter and returns its placeholder, `ids`
 * renders an id list parameter.
 * @throws Error when the selector selects nothing explicitly (a caller's bug: the API refuses such requests).
 */
export function selectorConditions(
  selector: DeadLetterSelector,
  param: (value: unknown) => string,
  ids: (placeholder: string) => string,
): string[] {
  const where: string[] = [];
  if (selector.ids !== undefined) where.push(`id IN ${ids(param(selector.ids))}`);
  if (selector.subscriptionId !== undefined) where.push(`subscription_id = ${param(selector.subscriptionId)}`);
  if (where.length === 0 && selector.all !== true)
    throw new Error("a dead-letter selector needs ids, subscription or all");
  return where.length === 0 ? ["1 = 1"] : where;
}

/** Text of a response snippet kept with a failure: at most this many characters. */
export const SNIPPET_CHARS = 1024;
