/**
 * The Subscriptions API (CloudEvents Subscriptions API shape, plus Cairn's `delivery`): list, create (201 with
 * `Location`), get, replace and delete. Invalid bodies are 400s listing every issue of `@cairn/router`'s
 * validation (JSON Pointer `path`, `code`, `message`, and for expressions `offset`, `line`, `column`).
 * Subscriptions declared in the config file are shown with `origin: "config"` and are read-only here (409).
 * Credential secrets are write-only: never shown.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  redactSubscription,
  type SubscriptionResult,
  validateCreateRequest,
  validateUpdateRequest,
} from "@cairn/router";
import type { HubContext } from "../context.ts";
import { HttpError, sendJson } from "../http/respond.ts";
import type { RouterEngine } from "../router/engine.ts";
import type { SubscriptionRecord } from "../router/queue.ts";
import { readJsonBody } from "./router-common.ts";

const PATH = "/api/v1/subscriptions";

/** A stored subscription as the API shows it: redacted, with its origin. */
export function subscriptionView(r: SubscriptionRecord): Record<string, unknown> {
  return { ...redactSubscription(r.subscription), origin: r.origin };
}

/** `GET /api/v1/subscriptions`: every subscription (an array, as the Subscriptions API). */
export function listSubscriptions(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, ctx.router.list().map(subscriptionView));
}

/** `POST /api/v1/subscriptions`: creates one; the hub assigns its id. */
export async function createSubscription(ctx: HubContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const router = ctx.router;
  const body = withoutOrigin(await readJsonBody(ctx, req));
  const subscription = valid(validateCreateRequest(body, randomUUID()));
  const record = await router.create(subscription);
  sendJson(res, 201, subscriptionView(record), { location: `${PATH}/${subscription.id}` });
}

/** `GET /api/v1/subscriptions/{id}`. */
export function getSubscription(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): void {
  const id = params.id ?? "";
  sendJson(res, 200, subscriptionView(found(ctx.router, id)));
}

/**
 * `PUT /api/v1/subscriptions/{id}`: replaces the whole subscription (absent members take their defaults), or
 * creates it with that id (201), so a deployment can declare its subscriptions with stable ids through the API.
 */
export async function updateSubscription(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const router = ctx.router;
  const id = params.id ?? "";
  const existing = router.get(id);
  if (existing?.origin === "config") throw refusal("read_only", id);
  const subscription = valid(validateUpdateRequest(withoutOrigin(await readJsonBody(ctx, req)), id));
  if (!existing) {
    const record = await router.create(subscription);
    sendJson(res, 201, subscriptionView(record), { location: `${PATH}/${id}` });
    return;
  }
  const r = await router.update(subscription);
  if (!r.ok) throw refusal(r.reason, id);
  sendJson(res, 200, subscriptionView(r.record));
}

/** `DELETE /api/v1/subscriptions/{id}`: answers the deleted subscription. Its dead letters are kept. */
export async function deleteSubscription(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const id = params.id ?? "";
  const r = await ctx.router.remove(id);
  if (!r.ok) throw refusal(r.reason, id);
  sendJson(res, 200, subscriptionView(r.record));
}

function found(router: RouterEngine, id: string): SubscriptionRecord {
  const r = router.get(id);
  if (!r) throw new HttpError(404, "not_found", `no subscription ${id}`);
  return r;
}

function refusal(reason: "not_found" | "read_only", id: string): HttpError {
  if (reason === "not_found") return new HttpError(404, "not_found", `no subscription ${id}`);
  return new HttpError(409, "read_only", `subscription ${id} is declared in the config file; change it there`);
}

// `origin` is shown, not set: a subscription read from the API can be sent back as it is.
function withoutOrigin(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("origin" in body)) return body;
  const { origin: _origin, ...rest } = body as Record<string, unknown>;
  return rest;
}

function valid(r: SubscriptionResult): Extract<SubscriptionResult, { ok: true }>["subscription"] {
  if (r.ok) return r.subscription;
  const { issues } = r;
  const first = issues[0];
  const summary = first ? `${first.path || "/"}: ${first.message}` : "invalid";
  throw new HttpError(400, "invalid_subscription", `the subscription is invalid: ${summary}`, { issues });
}
