/**
 * Helpers of the router's tests: calling the subscriptions and dead-letter API, sending events, reading metrics.
 * @module
 */
import assert from "node:assert/strict";
import { type CDEvent, toHttp } from "@cairn/cdevents";

/** An answer: status, headers and JSON body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected loosely
  readonly json: any;
}

/** Calls the hub with a JSON body. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === "" ? null : JSON.parse(text) };
}

/** Creates a subscription (asserting 201) and returns its id. */
export async function subscribe(base: string, body: Record<string, unknown>): Promise<string> {
  const r = await call(base, "POST", "/api/v1/subscriptions", { protocol: "HTTP", ...body });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.id as string;
}

/** Sends events in binary mode, one request each (asserting 202); returns their sequences. */
export async function send(base: string, events: readonly CDEvent[], extensions: Record<string, string> = {}) {
  const sequences: number[] = [];
  for (const e of events) {
    const m = toHttp(e);
    const headers: Record<string, string> = { ...(m.headers as Record<string, string>) };
    for (const [k, v] of Object.entries(extensions)) headers[`ce-${k}`] = v;
    const res = await fetch(`${base}/api/v1/events`, { method: "POST", headers, body: m.body as string });
    const json = (await res.json()) as { entries: { sequence: number }[] };
    assert.equal(res.status, 202, JSON.stringify(json));
    sequences.push(json.entries[0]?.sequence ?? -1);
  }
  return sequences;
}

/** The value of one metric series (0 when absent). */
export async function metric(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Polls `fn` until it returns a truthy value (failing after `timeoutMs`). */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false | 0 | "">,
  timeoutMs = 10_000,
  what = "a condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every dead letter (first page of up to 1000). */
export async function deadLetters(base: string, query = ""): Promise<Record<string, unknown>[]> {
  const r = await call(base, "GET", `/api/v1/deadletters${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.deadLetters as Record<string, unknown>[];
}

/** Fast, deterministic retries for tests. */
export const FAST = { backoffDelay: 20, backoffMax: 200, jitter: 0 } as const;
