/**
 * Builders of realistic `NewEvent`s for the store tests. Bodies are CDEvent JSON text as a producer might send it:
 * odd spacing, tabs, CRLF, unknown fields, numbers a re-serialiser would rewrite (`2.50`, `3e2`, `-0.0`), escapes
 * (`\u00e9`) next to raw non-ASCII, so a store that parses and re-serialises (or reorders keys, like jsonb) fails
 * the byte-for-byte checks.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { EventLink, NewEvent } from "../src/store/types.ts";

/** 2025-03-01T12:00:00Z: the fixtures' time origin. */
export const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

/** One minute in milliseconds. */
export const MINUTE = 60_000;

const CDEVENTS_TYPE = /^dev\.cdevents\.([a-z]+)\.([a-z]+)\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

let counter = 0;

/** The fields a test may set; everything else is derived (the body from the final fields). */
export type EventOverrides = { -readonly [K in keyof NewEvent]?: NewEvent[K] };

/**
 * A new event with realistic defaults and a body consistent with its columns. `overrides.body` / `attributes`
 * replace the generated JSON text verbatim.
 */
export function newEvent(overrides: EventOverrides = {}): NewEvent {
  const n = ++counter;
  const type = overrides.type ?? "dev.cdevents.build.finished.0.2.0";
  const parsed = CDEVENTS_TYPE.exec(type);
  const timestampMs = overrides.timestampMs === undefined ? T0 + n * 1000 : overrides.timestampMs;
  const timestamp = overrides.timestamp ?? (timestampMs === null ? "yesterday-ish" : isoMicros(timestampMs));
  const fields = {
    id: overrides.id ?? randomUUID(),
    source: overrides.source ?? "/ci/jenkins/cairn",
    type,
    subjectKind: parsed?.[1] ?? null,
    predicate: parsed?.[2] ?? null,
    eventVersion: parsed?.[3] ?? null,
    specVersion: "0.4.1",
    subjectId: `app-${n}`,
    subjectSource: null,
    timestamp,
    timestampMs,
    chainId: null,
    receivedAtMs: (timestampMs ?? T0) + 250,
    links: [],
    ...overrides,
  } satisfies Omit<NewEvent, "body" | "attributes">;
  return {
    ...fields,
    body: overrides.body ?? cdeventBody(fields),
    attributes: overrides.attributes ?? ceAttributes(fields),
  };
}

// RFC 3339 with microseconds and an offset, as real producers send (not what `toISOString` would write back).
function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1042+00:00");
}

const q = (s: string | null): string => JSON.stringify(s);

function linksJson(links: readonly EventLink[]): string {
  return links
    .map((l) =>
      l.linkType === "RELATION"
        ? `{"link_type":"RELATION","link_kind":${q(l.linkKind)},"target":{"context_id":${q(l.contextId)}}}`
        : `{ "link_type" : ${q(l.linkType)}, "from": {"context_id":${q(l.contextId)}} }`,
    )
    .join(",\n      ");
}

/** The CDEvent JSON text of an event's columns, deliberately un-canonical. */
export function cdeventBody(e: Omit<NewEvent, "body" | "attributes">): string {
  const chain = e.chainId === null ? "" : `, "chainId":${q(e.chainId)}`;
  return (
    `{\r\n  "context" :{ "specversion":${q(e.specVersion)} ,"id": ${q(e.id)},\r\n` +
    `\t"source":${q(e.source)},"type" : ${q(e.type)},\r\n` +
    `  "timestamp":${q(e.timestamp)}${chain},\n    "links": [${linksJson(e.links)}],` +
    ` "x-vendor": {"nested":[1, 2.50, 3e2, -0.0, true ,null], "empty":{ } } },\n` +
    `  "subject": {"id":${q(e.subjectId)},"source":${q(e.subjectSource)}, "content":{` +
    `"artifactId":"pkg:oci/app@sha256:0f3a9c","note":"Ünïcödé ✓ 🚀 \\u00e9 \\"quoted\\" \\\\ back\\/slash"}},\n` +
    `  "customData" : null ,  "customDataContentType":"application/json"   \n}\n`
  );
}

/** CloudEvent attributes text with an extension a store must keep verbatim. */
export function ceAttributes(e: Omit<NewEvent, "body" | "attributes">): string {
  return (
    `{"specversion":"1.0","id":${q(e.id)},"source":${q(e.source)},"type":${q(e.type)},` +
    `"time":${q(e.timestamp)} , "traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","ünï":"✓"}`
  );
}

/** A body padded to exactly `bytes` UTF-8 bytes (at least 64), using multi-byte characters so bytes ≠ length. */
export function bodyOfBytes(bytes: number): string {
  const head = '{"context":{"id":"pad"},"pad":"';
  const tail = '"}';
  let fill = bytes - Buffer.byteLength(head + tail);
  if (fill < 0) throw new Error(`a body needs at least ${Buffer.byteLength(head + tail)} bytes`);
  let pad = "";
  // "é" is 2 bytes, "€" 3: fill with them while it fits, then ASCII.
  for (; fill >= 3; fill -= 3) pad += "€";
  for (; fill >= 2; fill -= 2) pad += "é";
  for (; fill >= 1; fill -= 1) pad += "x";
  return head + pad + tail;
}

/** The UTF-8 size of a body, as stores count it. */
export const bytesOf = (s: string): number => Buffer.byteLength(s, "utf8");
