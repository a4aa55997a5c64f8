/**
 * `pg` errors → {@link StoreError}s, so callers branch on a stable code (503 for an unreachable database) instead
 * of the driver's messages and SQLSTATEs.
 * @module
 */
import { StoreError, StoreErrorCode } from "./errors.ts";

// Socket-level failures Node reports while reaching or talking to the server.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

// SQLSTATEs that mean "the server cannot serve you now", not "your statement is wrong": shutdowns, crash recovery,
// too many connections. Class 08 (connection exception) is matched by prefix.
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "53100", "53200"]);

// `pg` and `pg-pool` raise these as plain Errors without a code.
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|not queryable|connection timeout|the database system is (starting up|shutting down)/i;

/** True when `e` says the database is unreachable or refusing work for now (worth a 503 and a retry). */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code))) return true;
  if (typeof code === "string" && /^08[0-9A-Z]{3}$/.test(code)) return true;
  // Aggregated errors (several addresses tried) carry their parts in `errors`.
  const parts = (e as { errors?: unknown }).errors;
  if (Array.isArray(parts) && parts.some(isUnavailable)) return true;
  return UNAVAILABLE_MESSAGES.test(e.message);
}

/** Wraps a driver error from `doing` (e.g. "append") in a {@link StoreError}; store errors pass through. */
export function toStoreError(e: unknown, doing: string): StoreError {
  if (e instanceof StoreError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  if (isUnavailable(e))
    return new StoreError(StoreErrorCode.Unavailable, `PostgreSQL is unavailable (${doing}): ${detail}`, { cause: e });
  return new StoreError(StoreErrorCode.Failed, `PostgreSQL ${doing} failed: ${detail}`, { cause: e });
}
