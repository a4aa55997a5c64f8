/**
 * Operating routes: liveness, readiness, Prometheus metrics, the admin status and an on-demand retention run.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { sendJson } from "../http/respond.ts";

/** `GET /healthz`: the process is alive and serving. */
export function healthz(_ctx: HubContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: "ok" });
}

/**
 * `GET /readyz`: the store is reachable and migrated, the delivery engine's NATS connection (if any) is up, and the
 * hub is not shutting down.
 */
export async function readyz(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const health = await ctx.store.health().catch((e: unknown) => ({
    ok: false,
    schemaVersion: 0,
    expectedSchemaVersion: 0,
    reason: e instanceof Error ? e.message : String(e),
  }));
  const bus = ctx.router.busHealth();
  const ready = health.ok && (bus?.ok ?? true) && !ctx.closing();
  const body = {
    status: ready ? "ready" : "not_ready",
    store: { engine: ctx.store.engine, ...health },
    ...(bus ? { bus } : {}),
    ...(ctx.closing() ? { reason: "shutting down" } : {}),
  };
  sendJson(res, ready ? 200 : 503, body, ready ? {} : { "retry-after": "5" });
}

/** `GET /metrics`: Prometheus text format. */
export async function metrics(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await ctx.metrics.registry.metrics();
  res.writeHead(200, { "content-type": ctx.metrics.registry.contentType });
  res.end(text);
}

/** `GET /api/v1/admin/status`: store statistics, queue and effective limits (never secrets). */
export async function adminStatus(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { config } = ctx;
  sendJson(res, 200, {
    version: ctx.version,
    store: { engine: ctx.store.engine, ...(await ctx.store.stats()) },
    queue: { depth: ctx.queue.depth, capacity: ctx.queue.capacity },
    streams: ctx.streams.size,
    router: await ctx.router.status(),
    correlation: await ctx.triggers.status(),
    limits: config.limits,
    retention: config.retention,
    auth: { tokens: config.tokens.map((t) => ({ name: t.name, scopes: t.scopes })) },
  });
}
