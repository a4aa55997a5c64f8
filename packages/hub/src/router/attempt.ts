/**
 * One HTTP delivery attempt: a `node:http`/`node:https` request on a keep-alive agent (connections to a sink are
 * reused across attempts and subscriptions), bounded by the attempt's timeout (which also bounds reading the
 * response), redirects not followed (a 3xx is an outcome, not a detour), and the response body read up to a limit,
 * for replies and dead-letter snippets.
 *
 * Not `fetch`: in the router benchmark's profiles undici's `fetch` (WHATWG streams, `Response`, per-request
 * abort plumbing) was the largest cost per delivery and made most of the garbage.
 * @module
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
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

// Sockets per sink origin: above any subscription's default maxInFlight; idle ones are closed after a while.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 };
const AGENTS = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

const utf8 = new TextDecoder();

/** Sends `request` once. Never throws. */
export function sendAttempt(
  request: DeliveryRequest,
  timeoutMs: number,
  stop: AbortSignal,
  maxBodyBytes: number,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve({ aborted: true });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (e) {
      return resolve(failure("network", `invalid URL: ${errorText(e)}`));
    }
    const secure = url.protocol === "https:";
    const body = Buffer.from(request.body, "utf8");
    const req = (secure ? https : http).request(url, {
      method: request.method,
      headers: { ...request.headers, "content-length": String(body.length) },
      agent: secure ? AGENTS.https : AGENTS.http,
    });
    let settled = false;
    const settle = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
      resolve(r);
    };
    const onStop = () => {
      settle({ aborted: true });
      req.destroy();
    };
    const timer = setTimeout(() => {
      settle(failure("timeout", `no complete answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    stop.addEventListener("abort", onStop, { once: true });
    req.on("error", (e) => settle(failure("network", errorText(e))));
    req.on("response", (res) => readResponse(res, maxBodyBytes, settle));
    req.end(body);
  });
}

// Reads the body up to `max` bytes (a longer one is cut and the connection closed).
function readResponse(res: IncomingMessage, max: number, settle: (r: AttemptResult) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const done = (truncated: boolean) =>
    settle({
      aborted: false,
      outcome: res.statusCode ?? 0,
      headers: toHeaders(res.headers),
      body: decode(chunks),
      truncated,
    });
  res.on("data", (chunk: Buffer) => {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      done(true);
      res.destroy();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  res.on("end", () => done(false));
  res.on("error", (e) => settle(failure("network", errorText(e))));
}

function failure(outcome: "network" | "timeout", body: string): AttemptResult {
  return { aborted: false, outcome, headers: null, body, truncated: false };
}

function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.append(k, one);
    else out.set(k, v);
  }
  return out;
}

function decode(chunks: readonly Buffer[]): string {
  if (chunks.length === 0) return "";
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

// A system error's code leads (ECONNREFUSED, ECONNRESET, …).
function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && !e.message.includes(code) ? `${code} ${e.message}` : e.message;
}
