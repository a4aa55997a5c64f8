/**
 * Reading events: list with filters and cursor pagination, one by sequence, one by `(source, id)`, and a subject's
 * timeline.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { badParameter, HttpError, sendJson } from "../http/respond.ts";
import type { StoredEvent } from "../store/types.ts";
import { eventJson, pageJson } from "./event-json.ts";
import { readFilter, readInt, readOrder } from "./query-params.ts";

const MAX_LIMIT = 1000;

function cursor(params: URLSearchParams): number | undefined {
  const v = params.get("cursor");
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw badParameter("cursor", "must be a cursor returned as next by an earlier page");
  return Number(v);
}

/** `GET /api/v1/events`. */
export async function listEvents(ctx: HubContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const p = url.searchParams;
  const after = cursor(p);
  const page = await ctx.store.query({
    ...readFilter(p),
    order: readOrder(p, "desc"),
    limit: readInt(p, "limit", 100, 1, MAX_LIMIT),
    ...(after === undefined ? {} : { after }),
  });
  sendJson(res, 200, pageJson(page.events, page.next));
}

function found(e: StoredEvent | null, what: string): StoredEvent {
  if (!e) throw new HttpError(404, "not_found", `no event ${what}`);
  return e;
}

/** `GET /api/v1/events/{sequence}`. */
export async function getEvent(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const raw = params.sequence ?? "";
  if (!/^\d+$/.test(raw)) throw new HttpError(400, "invalid_parameter", "the sequence must be a positive integer");
  sendJson(res, 200, eventJson(found(await ctx.store.get(Number(raw)), `with sequence ${raw}`)));
}

/** `GET /api/v1/events/lookup?source=…&id=…`. */
export async function lookupEvent(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const source = url.searchParams.get("source");
  const id = url.searchParams.get("id");
  if (!source) throw badParameter("source", "is required");
  if (!id) throw badParameter("id", "is required");
  sendJson(res, 200, eventJson(found(await ctx.store.findById(source, id), `with source ${source} and id ${id}`)));
}

/** `GET /api/v1/subjects/{subjectId}/timeline`: every event about one subject, oldest first (paged). */
export async function subjectTimeline(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: Record<string, string>,
): Promise<void> {
  const p = url.searchParams;
  const after = cursor(p);
  const page = await ctx.store.query({
    ...readFilter(p),
    subjectId: params.subjectId ?? "",
    order: readOrder(p, "asc"),
    limit: readInt(p, "limit", 500, 1, MAX_LIMIT),
    ...(after === undefined ? {} : { after }),
  });
  sendJson(res, 200, pageJson(page.events, page.next));
}
