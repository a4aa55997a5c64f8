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
  // Sized once, then filled so it is a packed array, not a holey one: `postMessage` writes a holey array as a
  // sparse one (every element with its index, read back through the slow property path of the writer's
  // deserializer: 16% of that thread), and growing it by pushes copied it over and over.
  let size = 0;
  for (let i = 0; i < events.length; i++)
    size += EVENT_FIELDS + 2 + 4 * (events[i] as NewEvent).links.length + 3 * (routes?.[i]?.length ?? 0);
  const out = new Array<PackedValue>(size).fill(null);
  let k = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as NewEvent;
    out[k++] = e.id;
    out[k++] = e.source;
    out[k++] = e.type;
    out[k++] = e.subjectKind;
    out[k++] = e.predicate;
    out[k++] = e.eventVersion;
    out[k++] = e.specVersion;
    out[k++] = e.subjectId;
    out[k++] = e.subjectSource;
    out[k++] = e.timestamp;
    out[k++] = e.timestampMs;
    out[k++] = e.chainId;
    out[k++] = e.receivedAtMs;
    out[k++] = e.body;
    out[k++] = e.attributes;
    out[k++] = e.links.length;
    for (const l of e.links) {
      out[k++] = l.linkType;
      out[k++] = l.linkKind;
      out[k++] = l.contextId;
      out[k++] = l.domainId;
    }
    const deliveries = routes?.[i] ?? [];
    out[k++] = deliveries.length;
    for (const d of deliveries) {
      out[k++] = d.subscriptionId;
      out[k++] = d.lane;
      out[k++] = d.claimUntil ?? null;
    }
  }
  return out;
}
