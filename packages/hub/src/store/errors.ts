/**
 * Store errors with stable codes, so the HTTP layer can answer 503 for an unreachable database and 500 otherwise.
 * @module
 */

/** Stable codes of store errors. */
export const StoreErrorCode = {
  /** The database cannot be reached or refused the connection: retry later (HTTP 503). */
  Unavailable: "CAIRN_ERR_STORE_UNAVAILABLE",
  /** The database's schema is newer than this build, or a migration failed. */
  Schema: "CAIRN_ERR_STORE_SCHEMA",
  /** The store was used after `close()`. */
  Closed: "CAIRN_ERR_STORE_CLOSED",
  /** An option or argument the store cannot accept (a bad schema name, a page size below 1): a caller's bug. */
  InvalidArgument: "CAIRN_ERR_STORE_INVALID_ARGUMENT",
  /** The database rejected an operation for another reason (HTTP 500); `cause` holds the driver's error. */
  Failed: "CAIRN_ERR_STORE_FAILED",
} as const;

/** A stable store error code. */
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** An error raised by an event store, with a stable `code` and the driver's error as `cause`. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
    this.code = code;
  }
}

/** True for a {@link StoreError}, optionally of one code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
