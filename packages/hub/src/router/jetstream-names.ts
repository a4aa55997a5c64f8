/**
 * Names of the JetStream delivery engine: streams, subjects, consumers and message ids, all under one prefix so
 * hubs (and test runs) sharing a NATS server never collide. Pure functions.
 * @module
 */
import { createHash } from "node:crypto";

/** Lane partitions of an ordered subscription (one pull consumer each, one delivery in flight each). */
export const LANE_PARTITIONS = 16;

/** A valid prefix: letters, digits, `_` and `-` (it becomes part of stream names and subjects). */
export const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** The streams, subjects and consumer names of one prefix. */
export interface JetStreamNames {
  readonly prefix: string;
  /** Work-queue stream of the deliveries. */
  readonly deliveries: string;
  /** Log stream of the routed events. */
  readonly events: string;
  /** Subject filter of the deliveries stream. */
  readonly deliverySubjects: string;
  /** Subject filter of the events stream. */
  readonly eventSubjects: string;
}

/** The names under a prefix (validate it with {@link PREFIX_PATTERN} first). */
export function jetStreamNames(prefix: string): JetStreamNames {
  const upper = prefix.toUpperCase();
  return {
    prefix,
    deliveries: `${upper}_DELIVERIES`,
    events: `${upper}_EVENTS`,
    deliverySubjects: `${prefix}.deliver.>`,
    eventSubjects: `${prefix}.events.>`,
  };
}

/**
 * A subject token for any string: bytes outside `[A-Za-z0-9_~-]` become `%XX` (so `.`, `*`, `>` and whitespace,
 * which NATS reserves, never appear), readable for the usual ids.
 */
export function subjectToken(value: string): string {
  if (value === "") return "%";
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The partition of an ordering lane: FNV-1a of its UTF-8 bytes, modulo {@link LANE_PARTITIONS}. */
export function lanePartition(lane: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(lane)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % LANE_PARTITIONS;
}

/** The subject of a subscription's deliveries: unordered (`part` null) or one lane partition. */
export function deliverySubject(names: JetStreamNames, subscriptionId: string, part: number | null): string {
  const base = `${names.prefix}.deliver.${subjectToken(subscriptionId)}`;
  return part === null ? base : `${base}.${part}`;
}

/**
 * The durable consumer of a subscription (or one of its partitions): a hash of the id, because consumer names
 * allow fewer characters than subjects and should stay short.
 */
export function consumerName(subscriptionId: string, part: number | null): string {
  const h = createHash("sha256").update(subscriptionId).digest("hex").slice(0, 20);
  return part === null ? `d_${h}` : `d_${h}_p${part}`;
}

/** The event log subject of an event type (`<prefix>.events.<type token>`). */
export function eventSubject(names: JetStreamNames, type: string): string {
  return `${names.prefix}.events.${subjectToken(type)}`;
}

/** The dedup id of an event in the log stream: a hash of its `source` and `id` (the store's identity of an event). */
export function eventMsgId(source: string, id: string): string {
  return createHash("sha256").update(source).update("\0").update(id).digest("base64url");
}

/** The dedup id of a delivery: one per subscription and event sequence. */
export function deliveryMsgId(subscriptionId: string, sequence: number): string {
  return `${subscriptionId}/${sequence}`;
}
