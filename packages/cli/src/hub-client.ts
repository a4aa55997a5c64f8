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
 * Sends a GET and returns the response when it is 2xx. Throws a {@link CliError} (exit 1) with the hub's error
 * code and message otherwise, or naming the hub when it cannot be reached.
 */
export async function hubFetch(target: HubTarget, path: string, request: HubRequest = {}): Promise<Response> {
  const url = hubUrl(target, path, request.params);
  const headers: Record<string, string> = { ...request.headers };
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, ...(request.signal ? { signal: request.signal } : {}) });
  } catch (e) {
    const reason = networkReason(e, request.timeoutMs ?? 0);
    throw new CliError(`cannot reach the hub at ${target.base.href}: ${reason}`, ExitCode.Failure, { cause: e });
  }
  if (res.ok) return res;
  throw hubError(res.status, res.statusText, await res.text(), url, target.token !== undefined);
}

/** GETs an API path and returns the body text. */
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
): HubAnswerError {
  const error = errorBody(body);
  if (error === null) {
    const details = body === "" ? ["(empty body)"] : truncated(body).split("\n");
    return new HubAnswerError(status, `${url.origin}${url.pathname} answered ${status} ${statusText}`.trim(), details);
  }
  // An issue the message already states (the hub's bad-parameter errors) is not repeated.
  const details = (error.issues ?? [])
    .filter((i) => !error.message.includes(i.message))
    .map((i) => `${i.path}: ${i.message}`);
  if (status === 401 && !hadToken) details.push("give a token with --token or CAIRN_TOKEN");
  return new HubAnswerError(status, `${error.code}: ${error.message}`, details);
}

interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
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
