/**
 * Dead-letter metadata: the extensions a dead-lettered event carries. The event itself is kept byte for byte; only
 * extension attributes are added — Knative's three (`knativeerrordest`, `knativeerrorcode`, `knativeerrordata`),
 * so Knative tooling understands Cairn's dead letters, and Cairn's superset (attempts, reason, outcome, failure
 * times, subscription).
 * @module
 */
import { toBase64 } from "@cairn/cdevents";
import { type AttributeValue, buildDeliveryRequest, type DeliveryRequest, type StoredEvent } from "./delivery.ts";
import { RouterError, RouterErrorCode } from "./errors.ts";
import type { AttemptOutcome } from "./policy.ts";
import type { Subscription } from "./subscription.ts";

/** Why an event was dead-lettered. */
export type DeadLetterReason = "not_retryable" | "retries_exhausted" | "expired";

/** What is known about a failed delivery. */
export interface DeliveryFailure {
  /** The URL that failed (the subscriber, not the dead-letter sink). */
  readonly destination: string;
  /** The last attempt's outcome; `none` when no attempt was made (the delivery expired before its first). */
  readonly outcome: AttemptOutcome | "none";
  /** The last response's body, if any. */
  readonly responseBody?: string | Uint8Array;
  /** Attempts made, first included. */
  readonly attempts?: number;
  readonly reason?: DeadLetterReason;
  /** First and last failure times: epoch ms or RFC 3339 text. */
  readonly firstFailureAt?: number | string;
  readonly lastFailureAt?: number | string;
  readonly subscriptionId?: string;
}

/** Longest `knativeerrordata` value, in characters (Knative's `KnativeErrorDataExtensionMaxLength`). */
export const MAX_ERROR_DATA = 1024;

/** The dead-letter extension names. */
export const DeadLetterExtension = {
  /** Knative: the URL that failed. */
  Destination: "knativeerrordest",
  /** Knative: the HTTP status, 500 for a network error or a timeout; absent when no attempt was made. */
  Code: "knativeerrorcode",
  /** Knative: base64 of the response body, at most 1024 characters (the first 768 bytes). Absent if empty. */
  Data: "knativeerrordata",
  /** Cairn: `status`, `network`, `timeout` (what `knativeerrorcode` 500 cannot tell apart) or `none` (no attempt). */
  Outcome: "cairnoutcome",
  /** Cairn: attempts made. */
  Attempts: "cairnattempts",
  /** Cairn: why the event was dead-lettered. */
  Reason: "cairnreason",
  /** Cairn: first failure, RFC 3339. */
  FirstFailure: "cairnfirstfailure",
  /** Cairn: last failure, RFC 3339. */
  LastFailure: "cairnlastfailure",
  /** Cairn: the subscription whose delivery failed. */
  Subscription: "cairnsubscription",
} as const;

const utf8 = new TextEncoder();

/**
 * The extensions to add to a dead-lettered event. `knativeerrordata` is the base64 of the response body truncated
 * to 1024 characters: the body's first 768 bytes encode to exactly 1024 characters, so the value is both the
 * truncated encoding and valid base64.
 */
export function deadLetterAttributes(failure: DeliveryFailure): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = { [DeadLetterExtension.Destination]: failure.destination };
  // Without an attempt there is no code to report.
  if (failure.outcome !== "none")
    out[DeadLetterExtension.Code] = typeof failure.outcome === "number" ? failure.outcome : 500;
  const body = failure.responseBody;
  if (body !== undefined && body.length > 0) {
    const bytes = typeof body === "string" ? utf8.encode(body) : body;
    out[DeadLetterExtension.Data] = toBase64(bytes.subarray(0, (MAX_ERROR_DATA / 4) * 3));
  }
  out[DeadLetterExtension.Outcome] = typeof failure.outcome === "number" ? "status" : failure.outcome;
  if (failure.attempts !== undefined) out[DeadLetterExtension.Attempts] = failure.attempts;
  if (failure.reason !== undefined) out[DeadLetterExtension.Reason] = failure.reason;
  if (failure.firstFailureAt !== undefined) out[DeadLetterExtension.FirstFailure] = rfc3339(failure.firstFailureAt);
  if (failure.lastFailureAt !== undefined) out[DeadLetterExtension.LastFailure] = rfc3339(failure.lastFailureAt);
  if (failure.subscriptionId !== undefined) out[DeadLetterExtension.Subscription] = failure.subscriptionId;
  return out;
}

function rfc3339(t: number | string): string {
  return typeof t === "string" ? t : new Date(t).toISOString();
}

/**
 * The HTTP request sending a failed event to the subscription's `deadLetterSink`: the original event (not a
 * reply) in the subscription's format, with {@link deadLetterAttributes}, `cairn-delivery-id` and
 * `cairn-delivery-attempt` (for this dead-letter delivery). No custom headers or credentials (they belong to the
 * sink), and no `prefer: reply` (a dead-letter sink's response is never a reply).
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_ARGUMENT`) when the subscription has no `deadLetterSink` (its
 * dead letters go to Cairn's dead-letter store instead), or as `buildDeliveryRequest`.
 */
export function buildDeadLetterRequest(
  subscription: Subscription,
  event: StoredEvent,
  failure: DeliveryFailure,
  options: { readonly attempt: number },
): DeliveryRequest {
  const sink = subscription.delivery.deadLetterSink;
  if (sink === undefined)
    throw new RouterError(RouterErrorCode.InvalidArgument, `subscription ${subscription.id} has no deadLetterSink`);
  const target: Subscription = {
    id: subscription.id,
    filters: [],
    sink,
    protocol: "HTTP",
    delivery: { ...subscription.delivery, responseMode: "ignoreBody" },
  };
  return buildDeliveryRequest(target, event, { attempt: options.attempt, extensions: deadLetterAttributes(failure) });
}
