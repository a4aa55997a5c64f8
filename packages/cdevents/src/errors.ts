/**
 * Errors thrown by the SDK for programming mistakes and refused operations. Validation problems in *data* are
 * returned as {@link Issue} lists, never thrown.
 * @module
 */
import type { Issue } from "./issues.ts";

/** Stable error codes of `@cairn/cdevents`. */
export const ErrorCode = {
  /** An argument is not acceptable (wrong shape, unknown type, …). */
  InvalidArgument: "CAIRN_ERR_INVALID_ARGUMENT",
  /** A JSON Schema uses a keyword the validator compiler does not implement. */
  SchemaUnsupported: "CAIRN_ERR_SCHEMA_UNSUPPORTED",
  /** An event failed validation where a valid one was required (factories, encoders). */
  InvalidEvent: "CAIRN_ERR_INVALID_EVENT",
  /** A schema could not be fetched. */
  SchemaFetch: "CAIRN_ERR_SCHEMA_FETCH",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const MARK = Symbol.for("@cairn/cdevents/CDEventsError");

/** Options of {@link CDEventsError}. */
export interface CDEventsErrorOptions extends ErrorOptions {
  /** Issues that explain the error, when it comes from validation. */
  readonly issues?: readonly Issue[];
}

/** The one error class of the SDK: a stable `code`, optional `issues` and the standard `cause`. */
export class CDEventsError extends Error {
  override readonly name = "CDEventsError";
  /** Stable code, see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Structured issues, when the error comes from validation. */
  readonly issues: readonly Issue[];

  constructor(code: ErrorCode, message: string, options: CDEventsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    Object.defineProperty(this, MARK, { value: true });
  }
}

/** True for a {@link CDEventsError}, even one from another copy of this package. */
export function isCDEventsError(e: unknown): e is CDEventsError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[MARK] === true;
}
