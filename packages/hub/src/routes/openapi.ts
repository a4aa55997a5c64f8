/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 description of every route in `ROUTES` (a test checks both ways).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";
import { sendJson } from "../http/respond.ts";
import { ROUTER_PATHS, ROUTER_SCHEMAS } from "./openapi-router.ts";
import { TRIGGER_PATHS, TRIGGER_SCHEMAS } from "./openapi-triggers.ts";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string): Json => json(ref("Error"), description);
const query = (name: string, description: string, schema: Json = { type: "string" }): Json => ({
  name,
  in: "query",
  description,
  schema,
});
const path = (name: string, description: string, schema: Json = { type: "string" }): Json => ({
  name,
  in: "path",
  required: true,
  description,
  schema,
});
const retryAfter = { "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } } };

const FILTERS: Json[] = [
  query("type", "Exact event type; repeat for several (any matches).", { type: "array", items: { type: "string" } }),
  query("typePrefix", "Type prefix, e.g. `dev.cdevents.service.`; repeatable.", {
    type: "array",
    items: { type: "string" },
  }),
  query("subject", "Subject kind (e.g. `build`): every type of that subject, any version."),
  query("predicate", "With `subject`: one family across versions, e.g. `subject=service&predicate=deployed`."),
  query("source", "Exact `context.source`."),
  query("subjectId", "Exact `subject.id`."),
  query("chainId", "Exact `context.chainId`."),
  query("from", "Event time at or after (RFC 3339 or epoch ms)."),
  query("to", "Event time before (RFC 3339 or epoch ms)."),
];
const PAGING: Json[] = [
  query("order", "`desc` (newest first, the default for lists) or `asc`.", { enum: ["asc", "desc"] }),
  query("limit", "Page size, 1–1000.", { type: "integer", minimum: 1, maximum: 1000 }),
  query("cursor", "The `next` value of the previous page."),
];

const COMPONENTS: Json = {
  securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API token with a scope." } },
  schemas: {
    Error: {
      type: "object",
      required: ["error"],
      properties: {
        error: {
          type: "object",
          required: ["code", "message"],
          properties: {
            code: { type: "string", description: "Stable code, e.g. invalid_event, payload_too_large." },
            message: { type: "string" },
            issues: { type: "array", items: ref("Issue") },
            entries: {
              type: "array",
              description: "Per-entry issues of a rejected batch.",
              items: {
                type: "object",
                properties: { index: { type: "integer" }, issues: { type: "array", items: ref("Issue") } },
              },
            },
          },
        },
      },
    },
    Issue: {
      type: "object",
      required: ["code", "path", "message"],
      properties: {
        code: { type: "string" },
        path: { type: "string", description: "JSON Pointer into the event, `header:<name>` or `query:<name>`." },
        message: { type: "string" },
        offset: { type: "integer", description: "Expression issues: offset in the expression." },
        line: { type: "integer" },
        column: { type: "integer" },
      },
    },
    IngestResult: {
      type: "object",
      properties: {
        stored: { type: "integer" },
        duplicates: { type: "integer" },
        invalid: { type: "integer" },
        entries: {
          type: "array",
          items: {
            type: "object",
            properties: {
              index: { type: "integer" },
              status: { enum: ["stored", "duplicate", "invalid"] },
              sequence: { type: "integer" },
              source: { type: "string" },
              id: { type: "string" },
              issues: { type: "array", items: ref("Issue") },
            },
          },
        },
      },
    },
    StoredEvent: {
      type: "object",
      required: ["sequence", "receivedAt", "cloudEvent", "event"],
      properties: {
        sequence: { type: "integer", description: "Store position; increases in commit order." },
        receivedAt: { type: "string", format: "date-time" },
        cloudEvent: { type: "object", description: "CloudEvent attributes and extensions as received (no data)." },
        event: { type: "object", description: "The CDEvent exactly as received." },
      },
    },
    EventPage: {
      type: "object",
      required: ["events", "next"],
      properties: {
        events: { type: "array", items: ref("StoredEvent") },
        next: { type: ["string", "null"], description: "Cursor of the next page; null on the last page." },
      },
    },
    ...ROUTER_SCHEMAS,
    ...TRIGGER_SCHEMAS,
  },
};

const secured = (scope: string): Json => ({ security: [{ bearer: [scope] }] });

const PATHS: Json = {
  "/": { get: { summary: "Landing page (HTML)", responses: { 200: { description: "HTML page" } } } },
  "/healthz": { get: { summary: "Liveness", responses: { 200: json({ type: "object" }, "alive") } } },
  "/readyz": {
    get: {
      summary: "Readiness: store reachable and migrated",
      responses: { 200: json({ type: "object" }, "ready"), 503: { description: "not ready", headers: retryAfter } },
    },
  },
  "/metrics": { get: { summary: "Prometheus metrics", responses: { 200: { description: "text exposition format" } } } },
  "/api/openapi.json": { get: { summary: "This document", responses: { 200: json({ type: "object" }, "OpenAPI") } } },
  "/api/v1/events": {
    post: {
      summary: "Ingest CDEvents",
      description:
        "CloudEvents HTTP binding: binary (ce-* headers), structured (application/cloudevents+json), batch " +
        "(application/cloudevents-batch+json), or a bare CDEvent (application/json). Answered only after the " +
        "events are durably stored. A re-sent (source, id) is a duplicate: not stored again, answered 200 when " +
        "nothing in the request was new. Batches are atomic unless `partial=true`.",
      ...secured("ingest"),
      parameters: [
        query("partial", "`true`: store the valid entries of a batch and answer 207.", { enum: ["true", "false"] }),
      ],
      requestBody: {
        required: true,
        content: {
          "application/cloudevents+json": {},
          "application/cloudevents-batch+json": {},
          "application/json": {},
        },
      },
      responses: {
        200: json(ref("IngestResult"), "every event was a duplicate (already stored)"),
        202: json(ref("IngestResult"), "stored durably"),
        207: json(ref("IngestResult"), "partial=true: valid entries stored, invalid ones listed"),
        400: error("invalid event(s); nothing stored"),
        401: error("no or bad token"),
        403: error("token lacks the ingest scope"),
        413: error("request, event or batch too large"),
        415: error("unsupported content type"),
        429: { ...error("ingest queue full"), headers: retryAfter },
        503: { ...error("store unavailable or shutting down"), headers: retryAfter },
      },
    },
    get: {
      summary: "Query events",
      ...secured("read"),
      parameters: [...FILTERS, ...PAGING],
      responses: { 200: json(ref("EventPage"), "a page"), 400: error("bad parameter") },
    },
  },
  "/api/v1/events/lookup": {
    get: {
      summary: "One event by (source, id)",
      ...secured("read"),
      parameters: [
        { ...query("source", "context.source"), required: true },
        { ...query("id", "context.id"), required: true },
      ],
      responses: { 200: json(ref("StoredEvent"), "the event"), 404: error("no such event") },
    },
  },
  "/api/v1/events/{sequence}": {
    get: {
      summary: "One event by sequence",
      ...secured("read"),
      parameters: [path("sequence", "store sequence", { type: "integer" })],
      responses: { 200: json(ref("StoredEvent"), "the event"), 404: error("no such event") },
    },
  },
  "/api/v1/subjects/{subjectId}/timeline": {
    get: {
      summary: "Every event about one subject, oldest first",
      ...secured("read"),
      parameters: [
        path("subjectId", "subject.id (URL-encoded)"),
        ...FILTERS.filter((p) => p.name !== "subjectId"),
        ...PAGING,
      ],
      responses: { 200: json(ref("EventPage"), "a page") },
    },
  },
  "/api/v1/stream": {
    get: {
      summary: "Live events (Server-Sent Events)",
      description:
        "Each event is `id: <sequence>`, `event: cdevent`, `data: <StoredEvent JSON>`. Resume with Last-Event-ID " +
        "or `after`; without them only new events are sent. `access_token` may carry the token (EventSource).",
      ...secured("read"),
      parameters: [
        ...FILTERS,
        query("after", "Resume after this sequence.", { type: "integer" }),
        query("access_token", "Token, for clients that cannot send headers."),
        { name: "Last-Event-ID", in: "header", schema: { type: "string" }, description: "Resume after this sequence." },
      ],
      responses: {
        200: { description: "text/event-stream" },
        503: { ...error("too many streams"), headers: retryAfter },
      },
    },
  },
  "/api/v1/admin/status": {
    get: {
      summary: "Store, queue and limits",
      ...secured("admin"),
      responses: { 200: json({ type: "object" }, "status") },
    },
  },
  "/api/v1/admin/retention": {
    post: {
      summary: "Run retention now",
      ...secured("admin"),
      responses: { 200: json({ type: "object", properties: { deleted: { type: "integer" } } }, "deleted events") },
    },
  },
  ...ROUTER_PATHS,
  ...TRIGGER_PATHS,
};

/** The OpenAPI document of this hub. */
export function openapiDocument(version: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "Cairn hub API",
      version,
      description: "Durable CDEvents ingest, query, live stream and delivery to subscriptions.",
    },
    paths: PATHS,
    components: COMPONENTS,
  };
}

/** Serves the document. */
export function openapi(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, openapiDocument(ctx.version));
}
