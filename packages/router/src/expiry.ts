/**
 * Expiry of deliveries: an event stops being worth delivering at its CloudEvents `expirytime` extension (the
 * producer's word) or once it is older than the subscription's `maxAge` (the subscriber's), whichever comes first.
 * An expired delivery is dead-lettered with reason `expired` (default) or dropped, per `onExpired`. The attribute
 * is never removed from the event (intermediaries must keep it).
 * @module
 */
import { isDateTime } from "@cairn/cdevents";
import type { DeliveryPolicy } from "./subscription.ts";

/** What happens to a delivery once it expired. */
export type ExpiredStep =
  | { readonly action: "deadLetter"; readonly reason: "expired" }
  | { readonly action: "drop"; readonly reason: "expired" };

/**
 * When a delivery of an event expires, epoch ms: the earlier of its `expirytime` attribute and `ingestedMs +
 * maxAge`; null when neither applies. An `expirytime` that is not an RFC 3339 timestamp is ignored (the hub does
 * not refuse events over an extension's format; an unreadable expiry must not drop them).
 */
export function expiresAt(
  policy: Pick<DeliveryPolicy, "maxAge">,
  attributes: Readonly<Record<string, unknown>>,
  ingestedMs: number,
): number | null {
  const stated = attributes.expirytime;
  const byProducer = typeof stated === "string" && isDateTime(stated) ? Date.parse(stated) : Number.NaN;
  const bySubscriber = policy.maxAge === undefined ? Number.NaN : ingestedMs + policy.maxAge;
  const candidates = [byProducer, bySubscriber].filter((t) => Number.isFinite(t));
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** True when a delivery due at `at` is past its expiry (null: never expires). */
export function isExpired(expiresAtMs: number | null | undefined, at: number): boolean {
  return expiresAtMs !== null && expiresAtMs !== undefined && at >= expiresAtMs;
}

/** The step for an expired delivery, per the policy's `onExpired`. */
export function expiredStep(policy: Pick<DeliveryPolicy, "onExpired">): ExpiredStep {
  return policy.onExpired === "drop"
    ? { action: "drop", reason: "expired" }
    : { action: "deadLetter", reason: "expired" };
}
