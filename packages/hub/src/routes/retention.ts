/**
 * `POST /api/v1/admin/retention`: run one retention pass now and say how many events it deleted.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { sendJson } from "../http/respond.ts";

/** Runs retention once (joining a pass already running). */
export async function runRetention(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const deleted = await ctx.retention.run();
  sendJson(res, 200, { deleted, enabled: ctx.retention.enabled });
}
