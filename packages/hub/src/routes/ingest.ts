/**
 * `POST /api/v1/events`: CloudEvents HTTP binding (binary, structured, batch) or a bare CDEvent. Every event is
 * validated; the answer is 202 only once the events are durably committed (group commit). Batches are atomic by
 * default (one invalid entry → 400, nothing stored); `?partial=true` stores the valid entries and answers 207.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpEntry } from "@cairn/cdevents";
import type { HubContext } from "../context.ts";
import { bodyBytes, readBody, tooLarge } from "../http/body.ts";
import { type ErrorIssue, HttpError, sendJson } from "../http/respond.ts";
import { decodeInSlices } from "../ingest/batch-slices.ts";
import { QueueFullError } from "../ingest/commit-queue.ts";
import { attributesText, MessageText, nulCharacterIssue, toNewEvent } from "../ingest/record.ts";
import { isStoreError, StoreErrorCode } from "../store/errors.ts";
import type { AppendOutcome, NewEvent } from "../store/types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Outcome of one entry, as the response lists it. */
type EntryStatus =
  | { index: number; status: "stored" | "duplicate"; sequence: number; source: string; id: string }
  | { index: number; status: "invalid"; issues: readonly ErrorIssue[] };

/** Handles an ingest request. */
export async function ingest(ctx: HubContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const partial = url.searchParams.get("partial") === "true";
  if (ctx.closing()) throw unavailable("the hub is shutting down", 5);
  if (saturated(ctx)) {
    // Refused before a byte is buffered: the body is discarded as it arrives (the connection stays usable), so a
    // saturated hub holds no more request memory than it already does.
    req.resume();
    throw overloaded(ctx, "the ingest queue is full");
  }
  const size = bodyBytes(req, ctx.config.limits.maxRequestBytes);
  const { records, invalid, outcomes } = await readDecodeAndCommit(ctx, req, size, partial);
  const statuses = mergeStatuses(records, outcomes, invalid);
  const stored = statuses.filter((s) => s.status === "stored").length;
  const duplicates = statuses.filter((s) => s.status === "duplicate").length;
  ctx.metrics.ingestEvents("stored", stored);
  ctx.metrics.ingestEvents("duplicate", duplicates);
  const status = invalid.length > 0 ? 207 : stored > 0 ? 202 : 200;
  ctx.metrics.ingestRequest(status === 207 ? "partial" : stored > 0 ? "accepted" : "duplicate");
  sendJson(res, status, { stored, duplicates, invalid: invalid.length, entries: statuses });
}

/** A decoded request: its records (null for an invalid entry) and its invalid entries. */
interface Decoded {
  readonly records: (NewEvent | null)[];
  readonly invalid: EntryStatus[];
}

// A request passes two byte gates in turn (see `byte-gate.ts`): reading, then decoding until its commit is over.
// Decoding returns only the records, so the decoded message (entries, CloudEvents, parsed CDEvents) is garbage while
// the request waits for its commit.
async function readDecodeAndCommit(
  ctx: HubContext,
  req: IncomingMessage,
  size: number,
  partial: boolean,
): Promise<Decoded & { outcomes: AppendOutcome[] }> {
  const { bytes, receivedAtMs } = await readInTurn(ctx, req, size);
  try {
    const decoded = await decode(ctx, req, bytes, receivedAtMs, partial);
    const outcomes = await commit(
      ctx,
      decoded.records.filter((r): r is NewEvent => r !== null),
    );
    return { ...decoded, outcomes };
  } finally {
    ctx.decoding.leave(bytes.length);
  }
}

// Holds `size` bytes (the declared length) of the reading budget from before the body is read until the body has
// entered the decoding budget, so bodies beyond the bound wait unread in their sockets. Returns inside the decoding
// budget: the caller leaves it.
async function readInTurn(
  ctx: HubContext,
  req: IncomingMessage,
  size: number,
): Promise<{ bytes: Buffer; receivedAtMs: number }> {
  const readTurn = ctx.reading.enter(size);
  try {
    if (readTurn) await readTurn;
    const bytes = await readBody(req, ctx.config.limits.maxRequestBytes);
    const receivedAtMs = Date.now();
    const decodeTurn = ctx.decoding.enter(bytes.length);
    if (decodeTurn) await decodeTurn;
    return { bytes, receivedAtMs };
  } finally {
    ctx.reading.leave(size);
  }
}

// Full when the commit queue is, or when the bodies waiting to be read or decoded and the event text waiting for
// commit together reach the byte bound: a body read or still to read is request work queued like the rest.
function saturated(ctx: HubContext): boolean {
  const { reading, queue } = ctx;
  return (
    queue.saturated || reading.waitingBytes + reading.insideBytes + queue.depthBytes >= ctx.config.limits.maxQueueBytes
  );
}

/** Decodes and validates a request body into records; throws the 4xx answers. */
async function decode(
  ctx: HubContext,
  req: IncomingMessage,
  bytes: Buffer,
  receivedAtMs: number,
  partial: boolean,
): Promise<Decoded> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, "invalid_encoding", "the body is not valid UTF-8");
  }
  const { limits } = ctx.config;
  const message = new MessageText(text);
  const records: (NewEvent | null)[] = [];
  const invalid: EntryStatus[] = [];
  const take = (entry: HttpEntry): void => {
    let record = recordOf(entry, message, receivedAtMs);
    const nul = record && nulCharacterIssue(record);
    if (nul) {
      invalid.push({ index: entry.index, status: "invalid", issues: [nul] });
      record = null;
    } else if (record === null) {
      invalid.push({ index: entry.index, status: "invalid", issues: entry.result.ok ? [] : entry.result.issues });
    } else if (record.body.length * 3 > limits.maxEventBytes && Buffer.byteLength(record.body) > limits.maxEventBytes) {
      // (A string of n UTF-16 units is at most 3n UTF-8 bytes: most events are not measured.)
      throw tooLarge(limits.maxEventBytes, `event ${entry.index} (${record.source} ${record.id})`);
    }
    records.push(record);
  };
  const sliced = await decodeInSlices(ctx.cdevents, req.headers, message, take);
  if (sliced === null) {
    records.length = 0;
    invalid.length = 0;
    decodeWhole(ctx, req, message, take);
  } else if (sliced > limits.maxBatchEvents) throw tooLarge(limits.maxBatchEvents, `a batch of ${sliced} events`);
  ctx.metrics.ingestEvents("invalid", invalid.length);
  if (invalid.length > 0 && (!partial || invalid.length === records.length)) {
    ctx.metrics.ingestRequest("invalid");
    throw rejectedEntries(invalid, records.length);
  }
  return { records, invalid };
}

// The body decoded at once by the SDK (see `batch-slices.ts` for when it is not): 415 for a content type CDEvents do
// not travel in, 413 past the batch limit, else every entry to `take`.
function decodeWhole(ctx: HubContext, req: IncomingMessage, message: MessageText, take: (e: HttpEntry) => void): void {
  const parsed = ctx.cdevents.parseHttp({ headers: req.headers, body: message.body });
  if (parsed.unsupportedMediaType) {
    ctx.metrics.ingestRequest("unsupported_media_type");
    throw new HttpError(415, "unsupported_media_type", parsed.issues[0]?.message ?? "unsupported content type", {
      issues: parsed.issues,
    });
  }
  const max = ctx.config.limits.maxBatchEvents;
  if (parsed.entries.length > max) throw tooLarge(max, `a batch of ${parsed.entries.length} events`);
  for (const entry of parsed.entries) take(entry);
}

function recordOf(entry: HttpEntry, message: MessageText, receivedAtMs: number): NewEvent | null {
  if (!entry.result.ok) return null;
  const cdevent = entry.result.event as unknown as Record<string, unknown>;
  return toNewEvent(cdevent, message.verbatim(entry, cdevent), attributesText(entry.cloudEvent), receivedAtMs);
}

async function commit(ctx: HubContext, events: readonly NewEvent[]): Promise<AppendOutcome[]> {
  try {
    return await ctx.queue.submit(events);
  } catch (e) {
    if (e instanceof QueueFullError) throw overloaded(ctx, e.message);
    ctx.metrics.ingestRequest("unavailable");
    if (isStoreError(e, StoreErrorCode.Unavailable) || isStoreError(e, StoreErrorCode.Closed)) {
      ctx.log.error({ err: e }, "store write failed");
      throw unavailable("the event store is unavailable; nothing was stored", 5);
    }
    throw e;
  }
}

function mergeStatuses(
  records: readonly (NewEvent | null)[],
  outcomes: readonly AppendOutcome[],
  invalid: readonly EntryStatus[],
): EntryStatus[] {
  const bad = new Map(invalid.map((s) => [s.index, s]));
  const out: EntryStatus[] = [];
  let k = 0;
  records.forEach((r, index) => {
    const o = r === null ? undefined : outcomes[k++];
    if (r === null || o === undefined) {
      const b = bad.get(index);
      if (b) out.push(b);
      return;
    }
    out.push({
      index,
      status: o.duplicate ? "duplicate" : "stored",
      sequence: o.sequence,
      source: r.source,
      id: r.id,
    });
  });
  return out;
}

function rejectedEntries(invalid: readonly EntryStatus[], total: number): HttpError {
  const first = invalid[0];
  const summary =
    total === 1 && first?.status === "invalid" && first.issues[0]
      ? `the event is invalid: ${first.issues[0].path || "/"} ${first.issues[0].message}`
      : `${invalid.length} of ${total} events are invalid; nothing was stored (send ?partial=true to store the valid ones)`;
  const entries = invalid.map((s) => (s.status === "invalid" ? { index: s.index, issues: s.issues } : s));
  return new HttpError(400, "invalid_event", summary, { entries });
}

function overloaded(ctx: HubContext, message: string): HttpError {
  ctx.metrics.ingestRequest("saturated");
  return new HttpError(429, "overloaded", `${message}; retry later`, {}, { "retry-after": "1" });
}

function unavailable(message: string, retryAfter: number): HttpError {
  return new HttpError(503, "unavailable", message, {}, { "retry-after": String(retryAfter) });
}
