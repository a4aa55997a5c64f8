/**
 * The Triggers API: correlation triggers — list, create (201 with `Location`; the body's `id`, or one the hub
 * assigns), get, replace and delete. Invalid bodies are 400s listing every issue of `@cairn/router`'s
 * `validateTrigger` (JSON Pointer `path`, `code`, `message`, and for `conditions` and filter expressions
 * `offset`, `line`, `column`). Triggers declared in the config file are shown with `origin: "config"` and are
 * read-only here (409). Sink credential secrets are write-only: never shown.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { redactTrigger, type Trigger, validateTrigger } from "@cairn/router";
import type { HubContext } from "../context.ts";
import type { TriggerEngine, TriggerRefusal } from "../correlation/engine.ts";
import type { TriggerRecord } from "../correlation/store.ts";
import { HttpError, sendJson } from "../http/respond.ts";
import { readJsonBody } from "./router-common.ts";

const PATH = "/api/v1/triggers";

/** A stored trigger as the API shows it: redacted, with its origin. */
export function triggerView(r: TriggerRecord): Record<string, unknown> {
  return { ...redactTrigger(r.trigger), origin: r.origin };
}

/** `GET /api/v1/triggers`: every trigger (an array). */
export function listTriggers(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, ctx.triggers.list().map(triggerView));
}

/** `POST /api/v1/triggers`: creates one, with the body's `id` or a new one. */
export async function createTrigger(ctx: HubContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = withoutOrigin(await readJsonBody(ctx, req));
  const withId = isObject(body) && body.id === undefined ? { ...body, id: randomUUID() } : body;
  const trigger = valid(withId);
  const r = await ctx.triggers.create(trigger);
  if (!r.ok) throw refusal(r.reason, trigger.id);
  sendJson(res, 201, triggerView(r.record), { location: `${PATH}/${trigger.id}` });
}

/** `GET /api/v1/triggers/{id}`. */
export function getTrigger(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): void {
  sendJson(res, 200, triggerView(found(ctx.triggers, params.id ?? "")));
}

/** `PUT /api/v1/triggers/{id}`: replaces the whole trigger; its open windows are discarded. */
export async function updateTrigger(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const id = params.id ?? "";
  if (found(ctx.triggers, id).origin === "config") throw refusal("read_only", id);
  const body = withoutOrigin(await readJsonBody(ctx, req));
  if (isObject(body) && body.id !== undefined && body.id !== id) {
    const message = `the body's id ${JSON.stringify(body.id)} differs from the id in the path ${JSON.stringify(id)}`;
    throw invalid([{ path: "/id", code: "id_mismatch", message }]);
  }
  const r = await ctx.triggers.update(valid(isObject(body) ? { ...body, id } : body));
  if (!r.ok) throw refusal(r.reason, id);
  sendJson(res, 200, triggerView(r.record));
}

/** `DELETE /api/v1/triggers/{id}`: answers the deleted trigger. Its firings' events stay in the log. */
export async function deleteTrigger(
  ctx: HubContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  params: Record<string, string>,
): Promise<void> {
  const id = params.id ?? "";
  const r = await ctx.triggers.remove(id);
  if (!r.ok) throw refusal(r.reason, id);
  sendJson(res, 200, triggerView(r.record));
}

function found(engine: TriggerEngine, id: string): TriggerRecord {
  const r = engine.get(id);
  if (!r) throw new HttpError(404, "not_found", `no trigger ${id}`);
  return r;
}

function refusal(reason: TriggerRefusal, id: string): HttpError {
  if (reason === "not_found") return new HttpError(404, "not_found", `no trigger ${id}`);
  if (reason === "exists")
    return new HttpError(409, "conflict", `trigger ${id} exists; replace it with PUT ${PATH}/${id}`);
  return new HttpError(409, "read_only", `trigger ${id} is declared in the config file; change it there`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// `origin` is shown, not set: a trigger read from the API can be sent back as it is.
function withoutOrigin(body: unknown): unknown {
  if (!isObject(body) || !("origin" in body)) return body;
  const { origin: _origin, ...rest } = body;
  return rest;
}

function valid(body: unknown): Trigger {
  const r = validateTrigger(body);
  if (r.ok) return r.trigger;
  throw invalid(r.issues);
}

function invalid(issues: readonly { path: string; code: string; message: string }[]): HttpError {
  const first = issues[0];
  const summary = first ? `${first.path || "/"}: ${first.message}` : "invalid";
  return new HttpError(400, "invalid_trigger", `the trigger is invalid: ${summary}`, { issues });
}
