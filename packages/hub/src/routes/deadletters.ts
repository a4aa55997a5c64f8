/**
 * The dead-letter store: list (by subscription and state, paged), get, replay to the original subscription
 * (attempts reset; each dead letter records how often and when it was replayed) and purge. Replay and purge take
 * the same selector: `{ids: [...]}`, `{subscription: id}`, `{all: true}` (given together, they combine with AND).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { badParameter, type ErrorIssue, HttpError, sendJson } from "../http/respond.ts";
import { deadLetterJson } from "../router/dead-letter-json.ts";
import type { DeadLetterSelector, DeadLetterState } from "../router/queue.ts";
import { readInt } from "./query-params.ts";
import { readJsonBody } from "./router-common.ts";

const MAX_IDS = 10_000;

/** `GET /api/v1/deadletters`: `subscription`, `state` (`dead`, `replayed`), `limit`, `cursor`; oldest first. */
export async function listDeadLetters(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const p = url.searchParams;
  const state = p.get("state");
  if (state !== null && state !== "dead" && state !== "replayed")
    throw badParameter("state", "must be dead or replayed");
  const cursor = p.get("cursor");
  if (cursor !== null && !/^\d{1,15}$/.test(cursor)) throw badParameter("cursor", "must be the next value of a page");
  const subscription = p.get("subscription");
  const page = await ctx.router.listDeadLetters({
    limit: readInt(p, "limit", 100, 1, 1000),
    ...(subscription !== null ? { subscriptionId: subscription } : {}),
    ...(state !== null ? { state: state as DeadLetterState } : {}),
    ...(cursor !== null ? { after: Number(cursor) } : {}),
  });
  const next = page.next === null ? "null" : JSON.stringify(String(page.next));
  sendJson(res, 200, `{"deadLetters":[${page.deadLetters.map(deadLetterJson).join(",")}],"next":${next}}`);
}

/** `GET /api/v1/deadletters/{id}`. */
export async function getDeadLetter(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const raw = params.id ?? "";
  const d = /^\d{1,15}$/.test(raw) ? await ctx.router.getDeadLetter(Number(raw)) : null;
  if (!d) throw new HttpError(404, "not_found", `no dead letter ${raw}`);
  sendJson(res, 200, deadLetterJson(d));
}

/** `POST /api/v1/deadletters/replay`: sends the selected dead letters back to their subscription. */
export async function replayDeadLetters(ctx: HubContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const router = ctx.router;
  const selector = readSelector(await readJsonBody(ctx, req));
  const result = await router.replay(selector);
  ctx.log.info({ ...result, selector: describe(selector) }, "dead letters replayed");
  sendJson(res, 200, { ...result, at: new Date().toISOString() });
}

/** `DELETE /api/v1/deadletters`: deletes the selected dead letters (selector in the body, or as query parameters). */
export async function purgeDeadLetters(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const router = ctx.router;
  const body = await readJsonBody(ctx, req);
  const selector = readSelector(body === undefined ? selectorFromQuery(url.searchParams) : body);
  const purged = await router.purge(selector);
  ctx.log.info({ purged, selector: describe(selector) }, "dead letters purged");
  sendJson(res, 200, { purged });
}

function selectorFromQuery(p: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ids = p.getAll("id");
  if (ids.length > 0) out.ids = ids.map((v) => (/^\d{1,15}$/.test(v) ? Number(v) : v));
  const subscription = p.get("subscription");
  if (subscription !== null) out.subscription = subscription;
  if (p.has("all")) out.all = p.get("all") === "true" ? true : p.get("all");
  return out;
}

/** Reads `{ids?, subscription?, all?}`; at least one must select something. */
function readSelector(body: unknown): DeadLetterSelector {
  const issues: ErrorIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ code: "invalid_selector", path, message });
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    bad("", 'must be an object: {"ids": [...]}, {"subscription": "…"} or {"all": true}');
    throw selectorError(issues);
  }
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["ids", "subscription", "all"].includes(k)) bad(`/${k}`, "unknown member");
  const selector: { ids?: number[]; subscriptionId?: string; all?: boolean } = {};
  if (o.ids !== undefined) {
    const ok = Array.isArray(o.ids) && o.ids.length <= MAX_IDS && o.ids.every((v) => Number.isSafeInteger(v) && v > 0);
    if (ok) selector.ids = o.ids as number[];
    else bad("/ids", `must be a list of at most ${MAX_IDS} dead-letter ids`);
  }
  if (o.subscription !== undefined) {
    if (typeof o.subscription === "string" && o.subscription !== "") selector.subscriptionId = o.subscription;
    else bad("/subscription", "must be a subscription id");
  }
  if (o.all !== undefined) {
    if (o.all === true) selector.all = true;
    else bad("/all", "must be true");
  }
  if (issues.length === 0 && selector.ids === undefined && selector.subscriptionId === undefined && !selector.all)
    bad("", 'select dead letters with "ids", "subscription" or "all": true');
  if (issues.length > 0) throw selectorError(issues);
  return selector;
}

function selectorError(issues: ErrorIssue[]): HttpError {
  return new HttpError(400, "invalid_selector", `invalid dead-letter selector: ${issues[0]?.message ?? ""}`, {
    issues,
  });
}

function describe(s: DeadLetterSelector): Record<string, unknown> {
  return { ids: s.ids?.length, subscription: s.subscriptionId, all: s.all };
}
