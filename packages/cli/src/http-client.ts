/**
 * POSTing one encoded event and describing the outcome: the response status and (truncated) body, or why the
 * server could not be reached.
 * @module
 */
import { CliError, ExitCode, messageOf } from "./errors.ts";

/** What the server answered. */
export interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/** Largest part of an error response body that is shown. */
export const SHOWN_BODY_CHARS = 4096;

/** Sends one POST; throws a {@link CliError} (exit 1) naming the reason when no answer arrives. */
export async function post(
  url: string,
  message: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: message.headers,
      body: message.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, statusText: res.statusText, body: await res.text() };
  } catch (e) {
    throw new CliError(`cannot send to ${url}: ${networkReason(e, timeoutMs)}`, ExitCode.Failure, { cause: e });
  }
}

/** The body, cut to {@link SHOWN_BODY_CHARS} with a note saying how much was left out. */
export function truncated(body: string): string {
  if (body.length <= SHOWN_BODY_CHARS) return body;
  return `${body.slice(0, SHOWN_BODY_CHARS)}… (${body.length - SHOWN_BODY_CHARS} more characters)`;
}

/**
 * Why a `fetch` failed, for people. fetch() reports every network failure as TypeError("fetch failed"); the useful
 * part is in `cause`.
 */
export function networkReason(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError"))
    return `no answer within ${timeoutMs} ms`;
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return messageOf(e);
}
