/**
 * Ordering lanes: with `ordering` other than `none`, a subscription's events with the same key are delivered one
 * at a time, in store order, and a retry blocks only its own lane.
 * @module
 */
import { type EventAttributes, readAttribute } from "./attributes.ts";
import type { Subscription } from "./subscription.ts";

/** The lane of events that have no key under the subscription's ordering. */
export const DEFAULT_LANE = "";

/**
 * The lane key of an event for a subscription:
 *
 * - `none`: `null` — no ordering, every event is independent;
 * - `partitionKey`: the `partitionkey` extension (CloudEvents partitioning extension), as text;
 * - `subject`: the CDEvent's `subject.id`, else the CloudEvent `subject` attribute (which CDEvents set to the same
 *   value).
 *
 * An event without a key (or with an empty one) goes to {@link DEFAULT_LANE}, `""`: those events are ordered among
 * themselves, so they are neither lost nor reordered — at the price of sharing one lane.
 */
export function orderingKey(
  subscription: Pick<Subscription, "delivery">,
  attributes: EventAttributes,
  cdevent: unknown,
): string | null {
  switch (subscription.delivery.ordering) {
    case "none":
      return null;
    case "partitionKey":
      return text(readAttribute(attributes, "partitionkey")) ?? DEFAULT_LANE;
    case "subject":
      return text(subjectId(cdevent)) ?? text(readAttribute(attributes, "subject")) ?? DEFAULT_LANE;
  }
}

function subjectId(cdevent: unknown): unknown {
  if (typeof cdevent !== "object" || cdevent === null) return undefined;
  const subject = Object.hasOwn(cdevent, "subject") ? (cdevent as { subject: unknown }).subject : undefined;
  if (typeof subject !== "object" || subject === null || !Object.hasOwn(subject, "id")) return undefined;
  return (subject as { id: unknown }).id;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}
