/**
 * Events packed for the SQLite writer thread: one flat array of strings, numbers and nulls, which the structured
 * clone of `postMessage` copies far more cheaply than an array of objects (no property names, no object graph).
 * @module
 */
import type { InlineDelivery, NewEvent } from "./types.ts";

/** One value of a packed event. */
export type PackedValue = string | number | null;

/**
 * Fields per event, in the order of the `events` columns (without `body_bytes`): id, source, type, subjectKind,
 * predicate, eventVersion, specVersion, subjectId, subjectSource, timestamp, timestampMs, chainId, receivedAtMs,
 * body, attributes. Then the number of links, then 4 values per link (type, kind, contextId, domainId). Then the
 * number of inline deliveries, then 3 values per delivery (subscription id, lane, claimed until or null).
 */
export const EVENT_FIELDS = 15;

/** Packs events for {@link SqliteAppender.append}, with their deliveries (per event) when given. */
export function packEvents(
  events: readonly NewEvent[],
  routes: readonly (readonly InlineDelivery[])[] | null = null,
): PackedValue[] {
  const out: PackedValue[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as NewEvent;
    out.push(
      e.id,
      e.source,
      e.type,
      e.subjectKind,
      e.predicate,
      e.eventVersion,
      e.specVersion,
      e.subjectId,
      e.subjectSource,
      e.timestamp,
      e.timestampMs,
      e.chainId,
      e.receivedAtMs,
      e.body,
      e.attributes,
      e.links.length,
    );
    for (const l of e.links) out.push(l.linkType, l.linkKind, l.contextId, l.domainId);
    const deliveries = routes?.[i] ?? [];
    out.push(deliveries.length);
    for (const d of deliveries) out.push(d.subscriptionId, d.lane, d.claimUntil ?? null);
  }
  return out;
}
