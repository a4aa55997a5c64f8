/**
 * `EventQuery` → SQL `WHERE … ORDER BY … LIMIT`, shared by the SQLite and PostgreSQL stores (they differ only in
 * how parameters are written). Values are always parameters, never spliced into the text.
 * @module
 */
import type { EventQuery } from "./types.ts";

/** A WHERE clause, ORDER BY and LIMIT, and their parameters in order. */
export interface SqlQuery {
  readonly tail: string;
  readonly params: (string | number)[];
}

/**
 * The smallest string greater than every string starting with `prefix`, in code-point order (what both databases
 * use: UTF-8 bytes, collation C): the prefix with its last code point incremented, skipping the surrogate range.
 * Lets a prefix filter use the `type` index as a range. Null when no such string exists (empty prefix, or only
 * U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return null;
}

/**
 * Builds the tail of `SELECT … FROM events` for a query. `placeholder(n)` writes the n-th parameter (1-based):
 * `?` for SQLite, `$n` for PostgreSQL. One row more than `limit` is asked for, to tell whether a next page exists.
 */
export function buildQuery(q: EventQuery, placeholder: (n: number) => string): SqlQuery {
  const params: (string | number)[] = [];
  const p = (value: string | number): string => {
    params.push(value);
    return placeholder(params.length);
  };
  const where: string[] = [];
  const typeTerms: string[] = [];
  for (const t of q.types ?? []) typeTerms.push(`type = ${p(t)}`);
  for (const prefix of q.typePrefixes ?? []) {
    const upper = prefixUpperBound(prefix);
    if (upper === null) typeTerms.push("1 = 1");
    else typeTerms.push(`(type >= ${p(prefix)} AND type < ${p(upper)})`);
  }
  if (typeTerms.length > 0) where.push(`(${typeTerms.join(" OR ")})`);
  if (q.source !== undefined) where.push(`source = ${p(q.source)}`);
  if (q.subjectId !== undefined) where.push(`subject_id = ${p(q.subjectId)}`);
  if (q.chainId !== undefined) where.push(`chain_id = ${p(q.chainId)}`);
  if (q.from !== undefined) where.push(`ts_ms >= ${p(q.from)}`);
  if (q.to !== undefined) where.push(`ts_ms < ${p(q.to)}`);
  if (q.after !== undefined) where.push(`seq ${q.order === "asc" ? ">" : "<"} ${p(q.after)}`);
  const clause = where.length > 0 ? `WHERE ${where.join(" AND ")} ` : "";
  const tail = `${clause}ORDER BY seq ${q.order === "asc" ? "ASC" : "DESC"} LIMIT ${p(q.limit + 1)}`;
  return { tail, params };
}

/** The column list every store selects, in the order `rowToEvent` reads. */
export const EVENT_COLUMNS =
  "seq, event_id, source, type, subject_kind, predicate, event_version, spec_version, subject_id, subject_source, " +
  "ts, ts_ms, chain_id, received_ms, body, attributes";
