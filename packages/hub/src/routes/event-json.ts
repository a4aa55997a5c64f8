/**
 * The JSON of a stored event in API answers. The event is spliced in as the exact text received, so clients get it
 * verbatim (unknown fields, key order and number spelling included) and the hub never re-serialises it.
 * @module
 */
import type { StoredEvent } from "../store/types.ts";

/** `{"sequence", "receivedAt", "cloudEvent", "event"}` as JSON text. */
export function eventJson(e: StoredEvent): string {
  return `{"sequence":${e.sequence},"receivedAt":"${new Date(e.receivedAtMs).toISOString()}","cloudEvent":${e.attributes},"event":${e.body}}`;
}

/** A page as JSON text: `{"events": […], "next": cursor|null}`. */
export function pageJson(events: readonly StoredEvent[], next: number | null): string {
  return `{"events":[${events.map(eventJson).join(",")}],"next":${next === null ? "null" : JSON.stringify(String(next))}}`;
}
