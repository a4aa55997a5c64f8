/**
 * Delivery to NATS sinks (subscriptions with `protocol: "NATS"`): one attempt publishes the message built by
 * `@cairn/router`'s `buildNatsMessage` to the sink's server.
 *
 * - A subject captured by a **JetStream stream** is published with an acknowledgement and the delivery id
 *   (`<subscription>/<sequence>`) as `Nats-Msg-Id`, so a retried attempt is stored once in the sink's stream
 *   (within its duplicate window). The PubAck is the success.
 * - Any other subject is published on **core NATS** and counts as delivered once the server has it (a flush round
 *   trip): core NATS has no acknowledgement beyond the server, so a subscriber that is not listening does not
 *   receive it. Use a stream for durable delivery.
 *
 * Which stream captures a subject is asked of the JetStream API (`STREAM.NAMES` with a subject filter) and
 * remembered for 30 s per connection: a JetStream publish to a subject no stream captures would reach core
 * subscribers and then wait for an acknowledgement that never comes.
 *
 * Outcomes map onto the HTTP-shaped `AttemptOutcome` the delivery policy classifies: 200 delivered; a JetStream
 * API error keeps its code (503 and 5xx are retried, 4xx other than 404/408/409/429 dead-lettered); 413 for a
 * message above the server's `max_payload`; 403 for a permissions violation; `network` for a server that cannot
 * be reached; `timeout` when the attempt's timeout passes first.
 *
 * Connections are kept per server and credential (a `NatsSinkPool`), reconnecting on their own; a connection
 * that fails to open is forgotten so the next attempt tries again.
 * @module
 */
import { createHash } from "node:crypto";
import type { NatsDelivery, SinkCredential } from "@cairn/router";
import {
  type ConnectionOptions,
  connect,
  ErrorCode,
  type MsgHdrs,
  type NatsConnection,
  NatsError,
  headers as natsHeaders,
} from "nats";
import type { AttemptResult } from "./attempt.ts";

/** Where a NATS delivery goes: the subscription's sink URL and credential, and the message. */
export interface NatsTarget {
  readonly sink: string;
  readonly credential?: SinkCredential;
  readonly message: NatsDelivery;
  /** The delivery id (`cairn-delivery-id`), used as `Nats-Msg-Id` on JetStream subjects. */
  readonly deliveryId: string;
}

const utf8 = new TextEncoder();
// How long the stream capturing a subject (or none) is remembered.
const STREAM_LOOKUP_MS = 30_000;

interface PooledConnection {
  readonly nc: NatsConnection;
  /** Subject → the capturing stream (or null) and when that was learnt. */
  readonly streams: Map<string, { readonly stream: string | null; readonly atMs: number }>;
}

/** The NATS connections of the dispatcher, by server and credential. */
export class NatsSinkPool {
  readonly #connections = new Map<string, Promise<PooledConnection>>();
  #closed = false;

  /** Publishes once. Never throws. */
  async publish(target: NatsTarget, timeoutMs: number, stop: AbortSignal): Promise<AttemptResult> {
    if (stop.aborted || this.#closed) return { aborted: true };
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const aborted = new Promise<"aborted">((resolve) => stop.addEventListener("abort", () => resolve("aborted")));
    try {
      const r = await Promise.race([this.#send(target, deadline), timedOut, aborted]);
      if (r === "aborted") return { aborted: true };
      if (r === "timeout") return failed("timeout", `no answer from ${redactUrl(target.sink)} within ${timeoutMs} ms`);
      return r;
    } finally {
      clearTimeout(timer);
    }
  }

  async #send(target: NatsTarget, deadline: number): Promise<AttemptResult> {
    let c: PooledConnection;
    try {
      c = await this.#connection(target, deadline);
    } catch (e) {
      return failed("network", `cannot connect to ${redactUrl(target.sink)}: ${errorText(e)}`);
    }
    const { subject, headers, data } = target.message;
    const payload = utf8.encode(data);
    try {
      const stream = await streamOf(c, subject);
      if (stream === null) {
        c.nc.publish(subject, payload, { headers: toHeaders(headers) });
        await c.nc.flush();
        return delivered("published on core NATS");
      }
      const ack = await c.nc.jetstream().publish(subject, payload, {
        headers: toHeaders(headers),
        msgID: target.deliveryId,
        timeout: Math.max(1, deadline - Date.now()),
      });
      return delivered(`stored in stream ${ack.stream} at ${ack.seq}${ack.duplicate ? " (duplicate)" : ""}`);
    } catch (e) {
      c.streams.delete(subject);
      return fromError(e);
    }
  }

  #connection(target: NatsTarget, deadline: number): Promise<PooledConnection> {
    const key = poolKey(target);
    let c = this.#connections.get(key);
    if (!c) {
      c = connect(connectOptions(target, Math.max(1, deadline - Date.now()))).then((nc) => ({
        nc,
        streams: new Map(),
      }));
      this.#connections.set(key, c);
      // A server that could not be reached, or a closed connection, is tried again at the next attempt.
      c.then(
        ({ nc }) => nc.closed().then(() => this.#connections.delete(key)),
        () => this.#connections.delete(key),
      );
    }
    return c;
  }

  /** Closes every connection (after flushing what was published). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.allSettled(all.map(async (c) => (await c).nc.drain()));
  }
}

// The stream capturing `subject`, or null, remembered for a while.
async function streamOf(c: PooledConnection, subject: string): Promise<string | null> {
  const known = c.streams.get(subject);
  if (known && Date.now() - known.atMs < STREAM_LOOKUP_MS) return known.stream;
  let stream: string | null;
  try {
    stream = await (await c.nc.jetstreamManager({ checkAPI: false })).streams.find(subject);
  } catch (e) {
    // "no stream matches subject" (a plain Error), or a server without JetStream (503): core NATS.
    const none =
      (e instanceof NatsError && e.code === ErrorCode.JetStreamNotEnabled) ||
      (e instanceof Error && e.message === "no stream matches subject");
    if (!none) throw e;
    stream = null;
  }
  c.streams.set(subject, { stream, atMs: Date.now() });
  return stream;
}

function connectOptions(target: NatsTarget, timeout: number): ConnectionOptions {
  const url = new URL(target.sink);
  const options: ConnectionOptions = {
    servers: `${url.protocol}//${url.host}`,
    name: "cairn-hub",
    timeout,
    maxReconnectAttempts: -1,
  };
  const c = target.credential;
  if (c?.credentialtype === "PLAIN") Object.assign(options, { user: c.identifier, pass: c.secret });
  else if (c) options.token = c.accesstoken;
  else if (url.username)
    Object.assign(options, { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) });
  return options;
}

// Credentials are part of the key (hashed: the map's keys must not hold secrets in clear).
function poolKey(target: NatsTarget): string {
  const c = target.credential;
  const secret = c ? JSON.stringify(c) : "";
  return `${target.sink}\u0000${createHash("sha256").update(secret).digest("hex")}`;
}

function toHeaders(h: Readonly<Record<string, string>>): MsgHdrs {
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

function delivered(note: string): AttemptResult {
  return { aborted: false, outcome: 200, headers: null, body: note, truncated: false };
}

function failed(outcome: "network" | "timeout" | number, body: string): AttemptResult {
  return { aborted: false, outcome, headers: null, body, truncated: false };
}

function fromError(e: unknown): AttemptResult {
  if (!(e instanceof NatsError)) return failed("network", errorText(e));
  const api = e.api_error;
  if (api) return failed(api.code, `JetStream: ${api.description} (${api.err_code})`);
  switch (e.code) {
    case ErrorCode.Timeout:
      return failed("timeout", e.message);
    case ErrorCode.MaxPayloadExceeded:
      return failed(413, e.message);
    case ErrorCode.PermissionsViolation:
    case ErrorCode.AuthorizationViolation:
      return failed(403, e.message);
    default:
      return failed("network", e.message);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// A sink URL may carry a user and password: never in messages.
function redactUrl(sink: string): string {
  try {
    const u = new URL(sink);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "the sink";
  }
}
