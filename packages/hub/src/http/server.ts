/**
 * The request pipeline: route, authorise, run the handler, turn errors into the standard error body, log one line
 * per request (method, path without query, status, duration, token name — never bodies or secrets) and observe
 * latency.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { isStoreError, StoreErrorCode } from "../store/errors.ts";
import { HttpError, sendError } from "./respond.ts";
import type { Router } from "./router.ts";

const INGEST_PATH = "/api/v1/events";

// Ingest failures the ingest handler cannot count itself (they happen before or around it).
function countIngestError(ctx: HubContext, e: HttpError): void {
  if (e.status === 401 || e.status === 403) ctx.metrics.ingestRequest("unauthorized");
  else if (e.status === 413) ctx.metrics.ingestRequest("too_large");
  else if (e.code === "invalid_encoding") ctx.metrics.ingestRequest("invalid");
}

/** Handles one request end to end. */
export async function handle(
  ctx: HubContext,
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? "/", "http://hub");
  let route = "unmatched";
  let principal = "-";
  res.once("close", () => {
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.request(req.method ?? "GET", route, res.statusCode, seconds);
    ctx.log.info(
      {
        method: req.method,
        path: url.pathname,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 10000) / 10,
        token: principal,
        bytesIn: Number(req.headers["content-length"] ?? 0),
      },
      "request",
    );
  });
  try {
    const { route: r, params } = router.match(req.method ?? "GET", url.pathname);
    route = r.path;
    if (r.scope !== null)
      principal = ctx.auth.authorize(req, r.scope, r.queryToken ? url.searchParams.get("access_token") : null);
    await r.handler(ctx, req, res, url, params);
  } catch (e) {
    if (e instanceof HttpError) {
      if (req.method === "POST" && route === INGEST_PATH) countIngestError(ctx, e);
      // A refused body is not read; close the connection so its bytes are not parsed as the next request.
      if (e.status === 413) res.setHeader("connection", "close");
      sendError(res, e);
    } else if (isStoreError(e, StoreErrorCode.Unavailable)) {
      ctx.log.error({ err: e }, "store unavailable");
      sendError(res, new HttpError(503, "unavailable", "the event store is unavailable", {}, { "retry-after": "5" }));
    } else {
      ctx.log.error({ err: e, route }, "unexpected error");
      sendError(res, new HttpError(500, "internal", "internal error; see the hub's log"));
    }
  }
}
