/**
 * Errors thrown by `@cairn/router` for programming mistakes and unusable stored data. Problems in user input
 * (subscriptions, filters) are never thrown: validation returns them as {@link Issue} lists.
 * @module
 */
import type { Issue } from "./issues.ts";

/** Stable error codes of `@cairn/router`. Codes never change meaning; messages may be reworded. */
export const RouterErrorCode = {
  /** An argument is out of its domain (a retry number below 1, a non-integer attempt, …). */
  InvalidArgument: "CAIRN_ERR_ROUTER_INVALID_ARGUMENT",
  /** A subscription given as already validated is not valid (e.g. a stale stored one). */
  InvalidSubscription: "CAIRN_ERR_ROUTER_INVALID_SUBSCRIPTION",
  /** The stored attributes text of an event is not a JSON object of CloudEvents attributes. */
  InvalidStoredEvent: "CAIRN_ERR_ROUTER_INVALID_STORED_EVENT",
  /** A trigger given as already validated is not valid (e.g. a stale stored one). */
  InvalidTrigger: "CAIRN_ERR_ROUTER_INVALID_TRIGGER",
  /** A subscription id is already in the index. */
  DuplicateSubscription: "CAIRN_ERR_ROUTER_DUPLICATE_SUBSCRIPTION",
  /** The operation does not apply to the subscription's protocol (an HTTP request for a NATS sink). */
  UnsupportedProtocol: "CAIRN_ERR_ROUTER_UNSUPPORTED_PROTOCOL",
} as const;

/** One of the {@link RouterErrorCode} values. */
export type RouterErrorCode = (typeof RouterErrorCode)[keyof typeof RouterErrorCode];

const MARK = Symbol.for("@cairn/router/RouterError");

/** Options of {@link RouterError}. */
export interface RouterErrorOptions extends ErrorOptions {
  /** Issues explaining the error, when it comes from validation. */
  readonly issues?: readonly Issue[];
}

/** The one error class of the package: a stable `code`, optional `issues` and the standard `cause`. */
export class RouterError extends Error {
  override readonly name = "RouterError";
  /** Stable code, see {@link RouterErrorCode}. */
  readonly code: RouterErrorCode;
  /** Structured issues, when the error comes from validation. */
  readonly issues: readonly Issue[];

  constructor(code: RouterErrorCode, message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    Object.defineProperty(this, MARK, { value: true });
  }
}

/** True for a {@link RouterError}, even one from another copy of this package. */
export function isRouterError(e: unknown): e is RouterError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[MARK] === true;
}
