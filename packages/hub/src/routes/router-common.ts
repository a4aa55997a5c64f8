/**
 * What the router's routes share: JSON request bodies.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { HubContext } from "../context.ts";
import { readBody } from "../http/body.ts";
import { HttpError } from "../http/respond.ts";

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
