/**
 * Requests to a hub's API: the bearer token on every request, the hub's error body
 * (`{ error: { code, message, issues? } }`) turned into a `code: message` failure, and unreachable hubs named.
 * @module
 */
import { CliError, ExitCode } from "./errors.ts";
import { networkReason, truncated } from "./http-client.ts";
import type { HubTarget } from "./hub-flags.ts";

/** Options of {@link hubFetch}. */
export interface HubRequest {
  /** GET unless given. */
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  /** A JSON request body (sent with `content-type: application/json`). */
  readonly json?: string;
  /**
   * List every issue of an error answer on its own line, also those its message already states (validation errors,
   * where the message names only the first).
   */
  readonly everyIssue?: boolean;
  readonly params?: URLSearchParams;
  readonly headers?: Record<string, string>;
  /** Aborts the request; a caller that aborts it itself (Ctrl-C) checks its own signal before reporting. */
  readonly signal?: AbortSignal;
  /** For the message when `signal` is a timeout. */
  readonly timeoutMs?: number;
}

/** The URL of an API path (relative, e.g. `api/v1/events`) on the hub. */
export function hubUrl(target: HubTarget, path: string, params?: URLSearchParams): URL {
  const url = new URL(path, target.base);
  if (params && params.size > 0) url.search = params.toString();
  return url;
}

/**
 * Sends a request (GET unless `method` says otherwise) and returns the response when it is 2xx. Throws a
 * {@link CliError} (exit 1) with the hub's error code and message otherwise, or naming the hub when it cannot be
 * reached.
 */
export async function hubFetch(target: HubTarget, path: string, request: HubRequest = {}): Promise<Response> {
  const url = hubUrl(target, path, request.params);
  const headers: Record<string, string> = { ...request.headers };
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
  if (request.json !== undefined) headers["content-type"] = "application/json";
  const init: RequestInit = { method: request.method ?? "GET", headers };
  if (request.json !== undefined) init.body = request.json;
  if (request.signal) init.signal = request.signal;
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    const reason = networkReason(e, request.timeoutMs ?? 0);
    throw new CliError(`cannot reach the hub at ${target.base.href}: ${reason}`, ExitCode.Failure, { cause: e });
  }
  if (res.ok) return res;
  throw hubError(res.status, res.statusText, await res.text(), url, target.token !== undefined, request.everyIssue);
}

/** Sends a request to an API path (GET unless `method` says otherwise) and returns the body text. */
export async function hubGetText(target: HubTarget, path: string, request: HubRequest = {}): Promise<string> {
  const res = await hubFetch(target, path, request);
  return res.text();
}

/** A non-2xx answer of the hub, with its status (so a client can tell what is worth retrying). */
export class HubAnswerError extends CliError {
  readonly status: number;

  constructor(status: number, message: string, details: readonly string[]) {
    super(message, ExitCode.Failure, { details });
    this.status = status;
  }
}

/** The failure of a non-2xx answer: the hub's `code: message` and issues, or the status and body of anything else. */
export function hubError(
  status: number,
  statusText: string,
  body: string,
  url: URL,
  hadToken: boolean,
  everyIssue = false,
): HubAnswerError {
  const error = errorBody(body);
  if (error === null) {
    const details = body === "" ? ["(empty body)"] : truncated(body).split("\n");
    return new HubAnswerError(status, `${url.origin}${url.pathname} answered ${status} ${statusText}`.trim(), details);
  }
  // An issue the message already states (the hub's bad-parameter errors) is not repeated, unless every issue is
  // wanted: a validation error's message states only the first.
  const details = (error.issues ?? []).filter((i) => everyIssue || !error.message.includes(i.message)).map(issueLine);
  if (status === 401 && !hadToken) details.push("give a token with --token or CAIRN_TOKEN");
  return new HubAnswerError(status, `${error.code}: ${everyIssue ? headline(error) : error.message}`, details);
}

// A validation error's message ends with its first issue ("the subscription is invalid: /sink: …"); when every
// issue is listed under it, that part is not repeated.
function headline(error: ErrorBody): string {
  const first = error.issues?.[0];
  if (first === undefined) return error.message;
  const restated = `: ${first.path === "" ? "/" : first.path}: ${first.message}`;
  return error.message.endsWith(restated) ? error.message.slice(0, -restated.length) : error.message;
}

/** One issue of an error answer; `line`, `column` and `offset` locate a problem inside an expression. */
interface ErrorIssue {
  readonly path: string;
  readonly message: string;
  readonly line?: unknown;
  readonly column?: unknown;
}

interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly issues?: readonly ErrorIssue[];
}

// `path: message`; an empty path (the whole body) is shown as `/`, as the hub's messages do. A position the message
// does not state is added.
function issueLine(i: ErrorIssue): string {
  const path = i.path === "" ? "/" : i.path;
  const located = typeof i.line === "number" && typeof i.column === "number" && !/\bline \d/.test(i.message);
  return `${path}: ${i.message}${located ? ` (at line ${i.line}, column ${i.column})` : ""}`;
}

// The hub's error shape, or null for a body that is not one (a proxy's HTML page, say).
function errorBody(body: string): ErrorBody | null {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error as ErrorBody | undefined;
    if (typeof error?.code === "string" && typeof error.message === "string")
      return { ...error, issues: Array.isArray(error.issues) ? error.issues : [] };
  } catch {
    // not JSON
  }
  return null;
}

/** Parses an answer of the hub; `what` names what it should have been, for the error when it is not JSON. */
export function parseHubJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new CliError(`the hub answered something that is not ${what} (not JSON)`, ExitCode.Failure);
  }
}
