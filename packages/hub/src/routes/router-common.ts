/**
 * What the router's routes share: the engine (503 when this hub runs without one) and JSON request bodies.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { HubContext } from "../context.ts";
import { readBody } from "../http/body.ts";
import { HttpError } from "../http/respond.ts";
import type { RouterEngine } from "../router/engine.ts";

/** The hub's delivery engine, or a 503 when it has none (a store the engine does not support yet). */
export function routerOf(ctx: HubContext): RouterEngine {
  if (ctx.router) return ctx.router;
  throw new HttpError(
    503,
    "unavailable",
    `the delivery engine is not available with the ${ctx.store.engine} store yet`,
    {},
    { "retry-after": "60" },
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a JSON body (under `limits.maxRequestBytes`); undefined for an empty body. */
export async function readJsonBody(ctx: HubContext, req: IncomingMessage): Promise<unknown> {
  const bytes = await readBody(req, ctx.config.limits.maxRequestBytes);
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new HttpError(400, "invalid_json", `the body is not JSON: ${reason}`, {
      issues: [{ code: "invalid_json", path: "", message: reason }],
    });
  }
}
