/**
 * Handling one HTTP request of `cairn listen`: method and size checks, decoding with the SDK's HTTP binding,
 * validating each CDEvent, and answering 202 / 400 / 405 / 413 / 415.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CDEvents, fromHttp, type HttpDecodeResult, isUnsupportedMediaType } from "@cairn/cdevents";
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
  const decoded = fromHttp({ headers: req.headers, body });
  if (!decoded.ok && isUnsupportedMediaType(decoded.issues)) {
    o.onRefused(415, req, decoded.issues[0]?.message ?? "unsupported content type");
    return reply(res, 415, { issues: decoded.issues }, {}, 0);
  }
  const events = verdicts(decoded, o.cdevents);
  for (const e of events) o.onEvent(e);
  const answers = events.map((e) => ({ index: e.index, ok: e.ok, id: e.id, issues: e.issues }));
  const rejected = events.filter((e) => !e.ok).length;
  const answer =
    rejected === 0 ? { accepted: events.length } : { accepted: events.length - rejected, rejected, events: answers };
  return reply(res, rejected === 0 ? 202 : 400, answer, {}, events.length);
}

/** One {@link Received} per decoded event and per entry (or whole message) that failed to decode, by index. */
function verdicts(decoded: HttpDecodeResult, cdevents: CDEvents): Received[] {
  const out: Received[] = decoded.value.map((d) => {
    const r = cdevents.parse(d.cdevent);
    const ce = d.cloudEvent;
    const base = {
      mode: d.mode,
      index: d.index,
      type: ce.type,
      id: ce.id,
      source: ce.source,
      subject: ce.subject ?? null,
    };
    return r.ok
      ? { ok: true, ...base, release: r.release, kind: r.kind, issues: [], notes: r.notes, event: d.cdevent }
      : { ok: false, ...base, release: null, kind: null, issues: r.issues, notes: [], event: d.cdevent };
  });
  if (!decoded.ok) out.push(...undecoded(decoded));
  return out.sort((a, b) => a.index - b.index);
}

// A failure of the whole message has no index (or index 0 with no decoded sibling); batch entry issues carry
// their index as the first path segment.
function undecoded(decoded: HttpDecodeResult): Received[] {
  const whole = decoded.value.length === 0 && decoded.failed.length <= 1;
  const groups = whole
    ? [{ index: 0, issues: decoded.issues }]
    : decoded.failed.map((index) => ({
        index,
        issues: decoded.issues.filter((i) => i.path === `/${index}` || i.path.startsWith(`/${index}/`)),
      }));
  return groups.map((g) => ({
    ok: false,
    mode: null,
    index: g.index,
    ...{ type: null, id: null, source: null, subject: null, release: null, kind: null },
    issues: g.issues,
    notes: [],
  }));
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
