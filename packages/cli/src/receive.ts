/**
 * Handling one HTTP request of `cairn listen`: method and size checks, decoding with the SDK's HTTP binding,
 * validating each CDEvent, and answering 202 / 400 / 405 / 413 / 415.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CDEvents, HttpEntry } from "@cairn/cdevents";
import type { VerdictIssue } from "./verdict.ts";

/** One received event (or undecodable message) and its verdict; one JSON line of `listen --json`. */
export interface Received {
  readonly ok: boolean;
  /** `binary`, `structured`, `batch` or `bare`; null when the message could not be decoded. */
  readonly mode: string | null;
  /** Position in a batch; 0 otherwise. */
  readonly index: number;
  /** `context.type` as received. */
  readonly type: string | null;
  readonly id: string | null;
  readonly source: string | null;
  readonly subject: string | null;
  /** Release and kind the event was validated as, when valid. */
  readonly release: string | null;
  readonly kind: string | null;
  readonly issues: readonly VerdictIssue[];
  readonly notes: readonly string[];
  /** The CDEvent, when it could be decoded. */
  readonly event?: unknown;
}

/** What the handler needs. */
export interface ReceiveOptions {
  readonly cdevents: CDEvents;
  /** Largest accepted body, in bytes. */
  readonly maxBody: number;
  /** Called for every received event, in order. */
  readonly onEvent: (r: Received) => void;
  /** Called for requests refused before any event was read (405, 413, 415). */
  readonly onRefused: (status: number, req: IncomingMessage, reason: string) => void;
}

/** Handles one request; resolves with the number of events it reported once the answer is written. */
export async function receive(req: IncomingMessage, res: ServerResponse, o: ReceiveOptions): Promise<number> {
  if (req.method !== "POST") {
    o.onRefused(405, req, "only POST is accepted");
    return reply(res, 405, { error: "only POST is accepted" }, { allow: "POST" }, 0);
  }
  const body = await readBody(req, o.maxBody);
  if (body === undefined) {
    const error = `the body is larger than ${o.maxBody} bytes`;
    o.onRefused(413, req, error);
    // The rest of the body is not read: closing the connection is the only clean way to stop the upload.
    return reply(res, 413, { error }, { connection: "close" }, 0);
  }
  const parsed = o.cdevents.parseHttp({ headers: req.headers, body });
  if (parsed.unsupportedMediaType) {
    o.onRefused(415, req, parsed.issues[0]?.message ?? "unsupported content type");
    return reply(res, 415, { issues: parsed.issues }, {}, 0);
  }
  const events = parsed.entries.map(received);
  for (const e of events) o.onEvent(e);
  const answers = events.map((e) => ({ index: e.index, ok: e.ok, id: e.id, issues: e.issues }));
  const rejected = events.filter((e) => !e.ok).length;
  const answer =
    rejected === 0 ? { accepted: events.length } : { accepted: events.length - rejected, rejected, events: answers };
  return reply(res, rejected === 0 ? 202 : 400, answer, {}, events.length);
}

/** The printable verdict of one entry of a message. */
function received(entry: HttpEntry): Received {
  const ce = entry.cloudEvent;
  const r = entry.result;
  const base = {
    mode: entry.mode,
    index: entry.index,
    type: ce?.type ?? null,
    id: ce?.id ?? null,
    source: ce?.source ?? null,
    subject: ce?.subject ?? null,
  };
  const event = ce === null ? {} : { event: ce.data };
  return r.ok
    ? { ok: true, ...base, release: r.release, kind: r.kind, issues: [], notes: r.notes, ...event }
    : { ok: false, ...base, release: null, kind: null, issues: r.issues, notes: [], ...event };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, n: number) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
  return n;
}

/** The whole body, or `undefined` once it exceeds `limit` bytes (the declared length is checked first). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers["content-length"]) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      resolve(undefined);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
