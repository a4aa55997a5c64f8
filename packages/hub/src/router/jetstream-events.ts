/**
 * The scale-out event log: every routed page's events are published to the `<PREFIX>_EVENTS` stream, each once
 * (its `Nats-Msg-Id` is a hash of its CloudEvents `source` and `id`, so a page published again by another replica
 * or after a crash is dropped by JetStream), in CloudEvents structured mode, for consumers outside the hub.
 * Routing itself follows the PostgreSQL log (see docs/router.md).
 * @module
 */
import { headers, type JetStreamClient } from "nats";
import type pg from "pg";
import { eventMsgId, eventSubject, type JetStreamNames } from "./jetstream-names.ts";
import { PAGE_EVENTS } from "./jetstream-sql.ts";

/**
 * Larger cursor moves are not published: the routing loop only makes them when it skips to the end of the log
 * without subscriptions (reading those events back is what that skip avoids).
 */
export const MAX_LOGGED_PAGE = 5000;

const encoder = new TextEncoder();

/** Publishes the events of `(from, to]` to the log stream and waits for JetStream to store them. */
export async function publishPage(
  pool: pg.Pool,
  js: JetStreamClient,
  names: JetStreamNames,
  from: number,
  to: number,
): Promise<void> {
  if (to <= from || to - from > MAX_LOGGED_PAGE) return;
  const rows = (await pool.query(PAGE_EVENTS, [from, to])).rows as Record<string, unknown>[];
  await Promise.all(
    rows.map((r) => {
      const h = headers();
      h.set("Nats-Msg-Id", eventMsgId(String(r.source), String(r.event_id)));
      h.set("Content-Type", "application/cloudevents+json; charset=utf-8");
      h.set("Cairn-Sequence", String(r.seq));
      const data = encoder.encode(structured(String(r.attributes), String(r.body)));
      return js.publish(eventSubject(names, String(r.type)), data, { headers: h });
    }),
  );
}

/** The structured-mode envelope: the stored attributes with the CDEvent, byte for byte, as `data`. */
export function structured(attributes: string, body: string): string {
  const end = attributes.lastIndexOf("}");
  const head = attributes.slice(0, end).trimEnd();
  return `${head}${head.endsWith("{") ? "" : ","}"data":${body}}`;
}
