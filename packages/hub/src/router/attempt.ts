/**
 * One HTTP delivery attempt: `fetch` with the attempt's timeout (an `AbortSignal`, which also bounds reading the
 * response), redirects not followed (a 3xx is an outcome, not a detour), and the response body read up to a
 * limit, for replies and dead-letter snippets.
 * @module
 */
import type { AttemptOutcome, DeliveryRequest } from "@cairn/router";

/** What an attempt ended with. `aborted`: the hub is stopping; nothing is recorded. */
export type AttemptResult =
  | {
      readonly aborted: false;
      readonly outcome: AttemptOutcome;
      /** Response headers, when there was a response. */
      readonly headers: Headers | null;
      /** The response body as text (at most `maxBodyBytes`), or the network error's message. */
      readonly body: string;
      /** True when the body was longer than `maxBodyBytes` (it is then not a reply). */
      readonly truncated: boolean;
    }
  | { readonly aborted: true };

const utf8 = new TextDecoder();

/** Sends `request` once. Never throws. */
export async function sendAttempt(
  request: DeliveryRequest,
  timeoutMs: number,
  stop: AbortSignal,
  maxBodyBytes: number,
): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([timeout, stop]);
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal,
    });
    const { text, truncated } = await readLimited(res, maxBodyBytes);
    return { aborted: false, outcome: res.status, headers: res.headers, body: text, truncated };
  } catch (e) {
    if (stop.aborted) return { aborted: true };
    const outcome = timeout.aborted ? "timeout" : "network";
    return { aborted: false, outcome, headers: null, body: errorText(e), truncated: false };
  }
}

async function readLimited(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: "", truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > max) {
      chunks.push(value.subarray(0, max - size));
      await reader.cancel().catch(() => {});
      return { text: decode(chunks), truncated: true };
    }
    chunks.push(value);
    size += value.length;
  }
  return { text: decode(chunks), truncated: false };
}

function decode(chunks: readonly Uint8Array[]): string {
  if (chunks.length === 1) return utf8.decode(chunks[0]);
  return utf8.decode(Buffer.concat(chunks));
}

// `fetch failed` hides the reason in `cause` (ECONNREFUSED, …).
function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause : null;
  const code = (cause as { code?: unknown } | null)?.code;
  return cause ? `${e.message}: ${typeof code === "string" ? `${code} ` : ""}${cause.message}`.trim() : e.message;
}
