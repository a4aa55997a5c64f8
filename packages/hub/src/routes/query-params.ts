/**
 * Query-string filters shared by the list, timeline and stream routes, checked with one error per bad parameter.
 * @module
 */
import { badParameter } from "../http/respond.ts";
import type { EventQuery } from "../store/types.ts";

/** The filter part of an {@link EventQuery}. */
export type EventFilter = Omit<EventQuery, "order" | "limit" | "after">;

const NAME = /^[a-z][a-zA-Z0-9-]*$/;

function time(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw badParameter(name, "must be an RFC 3339 time or epoch milliseconds");
  return ms;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw badParameter(name, "may be given once");
  if (all[0] === "") throw badParameter(name, "must not be empty");
  return all[0];
}

/**
 * Reads `type` (exact, repeatable), `typePrefix` (repeatable), `subject` + `predicate` (a family across versions:
 * `subject=service&predicate=deployed` → prefix `dev.cdevents.service.deployed.`), `source`, `subjectId`, `chainId`,
 * `from` and `to` (event time; RFC 3339 or epoch ms; `to` exclusive).
 */
export function readFilter(params: URLSearchParams): EventFilter {
  const types = params.getAll("type");
  const typePrefixes = params.getAll("typePrefix");
  const subject = single(params, "subject");
  const predicate = single(params, "predicate");
  if (subject !== undefined && !NAME.test(subject))
    throw badParameter("subject", "must be a subject name such as build");
  if (predicate !== undefined) {
    if (subject === undefined) throw badParameter("predicate", "needs subject");
    if (!NAME.test(predicate)) throw badParameter("predicate", "must be a predicate name such as finished");
  }
  if (subject !== undefined)
    typePrefixes.push(`dev.cdevents.${subject}.${predicate === undefined ? "" : `${predicate}.`}`);
  const filter: Record<string, unknown> = {};
  if (types.length > 0) filter.types = types;
  if (typePrefixes.length > 0) filter.typePrefixes = typePrefixes;
  for (const name of ["source", "subjectId", "chainId"] as const) {
    const v = single(params, name);
    if (v !== undefined) filter[name] = v;
  }
  const from = time(params, "from");
  const to = time(params, "to");
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return filter as EventFilter;
}

/** Reads a positive integer parameter within bounds. */
export function readInt(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const v = single(params, name);
  if (v === undefined) return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw badParameter(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** Reads `order` (`asc` or `desc`). */
export function readOrder(params: URLSearchParams, fallback: "asc" | "desc"): "asc" | "desc" {
  const v = single(params, "order");
  if (v === undefined) return fallback;
  if (v !== "asc" && v !== "desc") throw badParameter("order", "must be asc or desc");
  return v;
}
