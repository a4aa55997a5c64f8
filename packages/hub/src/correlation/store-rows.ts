/**
 * Rows of the correlation tables → the store's records, shared by the SQLite and PostgreSQL stores (PostgreSQL
 * returns `bigint` columns as text, hence the `Number` conversions).
 * @module
 */
import type { CorrelationState, Trigger } from "@cairn/router";
import type { FiredRecord, StoredState, TriggerRecord } from "./store.ts";

/** A database row. */
export type Row = Record<string, unknown>;

/** `correlation_triggers` row → record. */
export function rowToTrigger(r: Row): TriggerRecord {
  return {
    trigger: JSON.parse(String(r.body)) as Trigger,
    origin: r.origin === "config" ? "config" : "api",
    createdMs: Number(r.created_ms),
    updatedMs: Number(r.updated_ms),
  };
}

/** `correlation_state` row → stored state. */
export function rowToState(r: Row): StoredState {
  return {
    triggerId: String(r.trigger_id),
    version: Number(r.version),
    state: JSON.parse(String(r.body)) as CorrelationState,
  };
}

/** `correlation_fired` row → record. */
export function rowToFired(r: Row): FiredRecord {
  const state = String(r.state);
  return {
    idempotencyKey: String(r.idem_key),
    triggerId: String(r.trigger_id),
    key: String(r.corr_key),
    windowStart: Number(r.window_start),
    firedMs: Number(r.fired_ms),
    state: state === "emitted" || state === "refused" ? state : "pending",
    reason: r.reason === null || r.reason === undefined ? null : String(r.reason),
    sequence: r.seq === null || r.seq === undefined ? null : Number(r.seq),
    event:
      r.attributes === null || r.attributes === undefined || r.body === null || r.body === undefined
        ? null
        : { attributes: String(r.attributes), body: String(r.body) },
  };
}
