/**
 * A real HTTP sink on localhost for the router's tests: records every request it receives (time, headers, body)
 * and answers as scripted per path — a status with headers and body, a hang past the sender's timeout, or a
 * dropped connection. It can go down (port closed: connection refused) and come back up on the same port.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the sink received. */
export interface Received {
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** `performance.now()` when the request was complete. */
  readonly at: number;
  /** `performance.now()` when the answer was sent (unset while pending, hanging or dropped). */
  answeredAt?: number;
}

/** How to answer: a response (after `delayMs`), a hang (never answer), or a dropped connection. */
export type Answer =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: string;
      readonly delayMs?: number;
    }
  | { readonly hang: true }
  | { readonly drop: true };

/** Chooses the answer to the `n`th request (from 1) on a path. */
export type Script = (request: Received, n: number) => Answer;

/** Most requests of `list` open at the same time (by `at` … `answeredAt`). */
export function maxOverlap(list: readonly Received[]): number {
  const edges = list.flatMap((r) => [
    [r.at, 1],
    [r.answeredAt ?? Number.POSITIVE_INFINITY, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of edges) {
    open += d;
    max = Math.max(max, open);
  }
  return max;
}

/** The sink. */
export class TestSink {
  readonly received: Received[] = [];
  readonly #scripts = new Map<string, Script>();
  readonly #counts = new Map<string, number>();
  readonly #hanging = new Set<ServerResponse>();
  #server: Server | null = null;
  #port = 0;
  #waiters: (() => void)[] = [];

  /** Starts a sink on a free port (or on `port`). */
  static async start(port = 0): Promise<TestSink> {
    const sink = new TestSink();
    await sink.up(port);
    return sink;
  }

  /** `http://127.0.0.1:<port><path>`. */
  url(path = "/"): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  /** Answers requests on `path` with `script` (default: 200 with no body). */
  on(path: string, script: Script): this {
    this.#scripts.set(path, script);
    return this;
  }

  /** Requests received on `path`. */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves when `predicate` holds (checked after every request), failing after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 10_000, what = "the sink's condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${this.received.length} requests`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async up(port = this.#port): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  /** Closes the port (connections refused) and ends hanging requests. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const path = new URL(req.url ?? "/", "http://sink").pathname;
    const received: Received = {
      path,
      method: req.method ?? "",
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: performance.now(),
    };
    this.received.push(received);
    const n = (this.#counts.get(path) ?? 0) + 1;
    this.#counts.set(path, n);
    const answer = this.#scripts.get(path)?.(received, n) ?? { status: 200 };
    for (const w of this.#waiters.splice(0)) w();
    if ("hang" in answer) {
      this.#hanging.add(res);
      res.once("close", () => this.#hanging.delete(res));
      return;
    }
    if ("drop" in answer) {
      res.destroy();
      return;
    }
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    received.answeredAt = performance.now();
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? "");
  }
}
