/**
 * The OpenAPI description of the correlation trigger routes, merged into the hub's document by `openapi.ts`.
 * @module
 */

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string): Json => json(ref("Error"), description);
const secured = (scope: string): Json => ({ security: [{ bearer: [scope] }] });
const idParam: Json = { name: "id", in: "path", required: true, description: "trigger id", schema: { type: "string" } };

/** Schemas of the trigger routes. */
export const TRIGGER_SCHEMAS: Json = {
  Trigger: {
    type: "object",
    description:
      "A correlation trigger: when the events its `conditions` names have arrived for the same correlation key " +
      "within `within`, it emits an event and/or delivers it to `sink` (see docs/router.md, Correlation triggers). " +
      "Shown with defaults applied, durations in milliseconds, sink credential secrets removed, and `origin` " +
      "(`api` or `config`; ignored in requests).",
    required: ["id", "dependencies", "within"],
    properties: {
      id: { type: "string" },
      dependencies: {
        type: "array",
        minItems: 1,
        maxItems: 32,
        items: {
          type: "object",
          required: ["name", "filters"],
          properties: {
            name: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_-]{0,63}$" },
            filters: { type: "array", minItems: 1, items: { type: "object" }, description: "Subscription filters." },
            select: { enum: ["first", "latest", "all"], default: "latest" },
            correlateBy: { type: "string", description: "Overrides the trigger's correlateBy." },
          },
        },
      },
      correlateBy: {
        type: "string",
        description: "A CloudEvents attribute name (`subject`) or a JSON Pointer into the CDEvent (`/subject/id`).",
      },
      conditions: { type: "string", description: "e.g. `(built || imported) && tested`; default: all ANDed." },
      within: { type: ["integer", "string"], description: "Window: milliseconds or an ISO-8601 duration." },
      emit: {
        type: "object",
        required: ["type", "source"],
        properties: { type: { type: "string" }, source: { type: "string" }, subject: { type: "string" } },
      },
      sink: {
        type: "object",
        required: ["url"],
        properties: {
          url: { type: "string", format: "uri" },
          sinkcredential: { type: "object" },
          protocolsettings: { type: "object" },
          delivery: { type: "object", description: "A subscription's delivery policy (ordering: none)." },
        },
      },
      origin: { enum: ["api", "config"], readOnly: true },
    },
  },
};

const PATH = "/api/v1/triggers";
const triggerJson = json(ref("Trigger"), "the trigger");
const body = { required: true, content: { "application/json": { schema: ref("Trigger") } } };
const invalid = error("invalid trigger: `issues` with path, code, message (and offset, line, column)");
const readOnly = error("declared in the config file: read-only here");

/** Paths of the trigger routes. */
export const TRIGGER_PATHS: Json = {
  [PATH]: {
    get: {
      summary: "Every correlation trigger",
      ...secured("read"),
      responses: { 200: json({ type: "array", items: ref("Trigger") }, "the triggers") },
    },
    post: {
      summary: "Create a correlation trigger (the body's id, or one the hub assigns)",
      ...secured("admin"),
      requestBody: body,
      responses: {
        201: { ...triggerJson, headers: { Location: { schema: { type: "string" } } } },
        400: invalid,
        409: error("a trigger with this id exists"),
      },
    },
  },
  [`${PATH}/{id}`]: {
    get: {
      summary: "One correlation trigger",
      ...secured("read"),
      parameters: [idParam],
      responses: { 200: triggerJson, 404: error("no such trigger") },
    },
    put: {
      summary: "Replace a correlation trigger (its open windows are discarded)",
      ...secured("admin"),
      parameters: [idParam],
      requestBody: body,
      responses: { 200: triggerJson, 400: invalid, 404: error("no such trigger"), 409: readOnly },
    },
    delete: {
      summary: "Delete a correlation trigger, its open windows and its sink's queued deliveries",
      ...secured("admin"),
      parameters: [idParam],
      responses: { 200: triggerJson, 404: error("no such trigger"), 409: readOnly },
    },
  },
};
