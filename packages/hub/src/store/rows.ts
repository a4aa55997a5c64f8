/**
 * Database rows ↔ store records, shared by every engine (column names are the same everywhere).
 * @module
 */
import type { EventLink, StoredEvent } from "./types.ts";

/** A row as drivers return it (numbers may arrive as strings or bigints from PostgreSQL). */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A row of `events` (selected with `EVENT_COLUMNS`) and its links → a stored event. */
export function rowToEvent(row: Row, links: readonly EventLink[]): StoredEvent {
  return {
    sequence: num(row.seq),
    id: str(row.event_id),
    source: str(row.source),
    type: str(row.type),
    subjectKind: strOrNull(row.subject_kind),
    predicate: strOrNull(row.predicate),
    eventVersion: strOrNull(row.event_version),
    specVersion: str(row.spec_version),
    subjectId: strOrNull(row.subject_id),
    subjectSource: strOrNull(row.subject_source),
    timestamp: str(row.ts),
    timestampMs: numOrNull(row.ts_ms),
    chainId: strOrNull(row.chain_id),
    receivedAtMs: num(row.received_ms),
    body: str(row.body),
    attributes: str(row.attributes),
    links,
  };
}

/** A row of `event_links` → a link. */
export function rowToLink(row: Row): EventLink {
  return {
    linkType: str(row.link_type),
    linkKind: strOrNull(row.link_kind),
    contextId: strOrNull(row.context_id),
    domainId: strOrNull(row.domain_id),
  };
}

/** Groups link rows by their event's sequence. */
export function linksBySequence(rows: readonly Row[]): Map<number, EventLink[]> {
  const map = new Map<number, EventLink[]>();
  for (const row of rows) {
    const seq = num(row.seq);
    const list = map.get(seq);
    if (list) list.push(rowToLink(row));
    else map.set(seq, [rowToLink(row)]);
  }
  return map;
}
