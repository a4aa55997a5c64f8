/**
 * `GET /api/v1/stream`: Server-Sent Events of new events, with the list route's filters. Resume with the
 * `Last-Event-ID` header (what EventSource sends on reconnect) or `?after=<sequence>`; otherwise only events
 * stored from now on are sent.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { badParameter, HttpError } from "../http/respond.ts";
import { readFilter } from "./query-params.ts";

function resumeFrom(req: IncomingMessage, params: URLSearchParams): number | null {
  const header = req.headers["last-event-id"];
  const raw = typeof header === "string" && header !== "" ? header : params.get("after");
  if (raw === null || raw === undefined) return null;
  if (!/^\d+$/.test(raw)) throw badParameter("after", "(or Last-Event-ID) must be a sequence number");
  return Number(raw);
}

/** Handles a stream request until the client goes away. */
export async function stream(ctx: HubContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const filter = readFilter(url.searchParams);
  const from = resumeFrom(req, url.searchParams);
  if (ctx.streams.size >= ctx.config.limits.maxStreamClients)
    throw new HttpError(503, "too_many_streams", "too many open streams; retry later", {}, { "retry-after": "5" });
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  ctx.metrics.streamClients.inc();
  try {
    await ctx.streams.open(res, filter, from);
  } finally {
    ctx.metrics.streamClients.dec();
  }
}
