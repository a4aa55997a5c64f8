/**
 * A trigger's sink as a subscription the hub's delivery engine can deliver to: the same delivery policy,
 * credentials and headers, under a reserved id that no API or config subscription can have (ids of those start
 * with a letter or digit). It has no filters of its own: the hub never routes events to it, it enqueues the
 * trigger's emitted event for it directly, once per firing.
 * @module
 */
import type { HttpSubscription, RedactedSinkCredential } from "../subscription.ts";
import { redactSubscription } from "../subscription.ts";
import type { Trigger, TriggerSink } from "./trigger.ts";

/** Prefix of the ids of trigger sink subscriptions. */
export const TRIGGER_SINK_PREFIX = "~trigger.";

/** The id of a trigger's sink subscription. */
export function triggerSinkId(triggerId: string): string {
  return `${TRIGGER_SINK_PREFIX}${triggerId}`;
}

/** True for the id of a trigger sink subscription. */
export function isTriggerSinkId(id: string): boolean {
  return id.startsWith(TRIGGER_SINK_PREFIX);
}

/** The subscription delivering a trigger's emitted events to its sink, or null for a trigger without one. */
export function triggerSinkSubscription(trigger: Trigger): HttpSubscription | null {
  const sink = trigger.sink;
  if (!sink) return null;
  return {
    id: triggerSinkId(trigger.id),
    filters: [],
    sink: sink.url,
    ...(sink.sinkcredential ? { sinkcredential: sink.sinkcredential } : {}),
    protocol: "HTTP",
    ...(sink.protocolsettings ? { protocolsettings: sink.protocolsettings } : {}),
    delivery: sink.delivery,
  };
}

/** A trigger's sink without its credential's secrets, as the API shows it. */
export type RedactedTriggerSink = Omit<TriggerSink, "sinkcredential"> & {
  readonly sinkcredential?: RedactedSinkCredential;
};

/** A trigger as the API shows it: sink credential secrets removed. */
export type RedactedTrigger = Omit<Trigger, "sink"> & { readonly sink?: RedactedTriggerSink };

/** The trigger without its sink credential's secrets. */
export function redactTrigger(trigger: Trigger): RedactedTrigger {
  const subscription = triggerSinkSubscription(trigger);
  if (!subscription?.sinkcredential || !trigger.sink) return trigger;
  const credential = redactSubscription(subscription).sinkcredential;
  return { ...trigger, sink: { ...trigger.sink, ...(credential ? { sinkcredential: credential } : {}) } };
}
