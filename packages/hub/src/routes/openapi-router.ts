/**
 * The OpenAPI description of the router's routes (subscriptions and dead letters), merged into the hub's document
 * by `openapi.ts`.
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
const idParam = (description: string, schema: Json = { type: "string" }): Json => ({
  name: "id",
  in: "path",
  required: true,
  description,
  schema,
});
const query = (name: string, description: string, schema: Json = { type: "string" }): Json => ({
  name,
  in: "query",
  description,
  schema,
});

/** Schemas of the router's routes. */
export const ROUTER_SCHEMAS: Json = {
  Subscription: {
    type: "object",
    description:
      "CloudEvents Subscriptions API resource plus Cairn's `delivery` policy (see docs/router.md). Shown with " +
      "defaults applied, durations in milliseconds, credential secrets removed, and `origin` (`api` or `config`; " +
      "ignored in requests).",
    required: ["id", "sink", "protocol"],
    properties: {
      id: { type: "string" },
      source: { type: "string" },
      types: { type: "array", items: { type: "string" } },
      config: { type: "object" },
      filters: { type: "array", items: { type: "object" } },
      sink: { type: "string", format: "uri" },
      sinkcredential: { type: "object" },
      protocol: { enum: ["HTTP", "NATS"] },
      protocolsettings: { type: "object" },
      delivery: { type: "object" },
      origin: { enum: ["api", "config"], readOnly: true },
    },
  },
  SubscriptionRequest: {
    type: "object",
    description: "A Subscription without `id` (the hub assigns it on create; on replace it must match the path).",
    required: ["sink", "protocol"],
  },
  DeadLetter: {
    type: "object",
    properties: {
      id: { type: "integer" },
      subscription: { type: "string" },
      sequence: { type: "integer" },
      sink: { type: "string" },
      reason: { enum: ["not_retryable", "retries_exhausted", "expired"] },
      attempts: { type: "integer" },
      lastOutcome: { enum: ["status", "network", "timeout", "none"] },
      lastStatus: { type: ["integer", "null"] },
      responseSnippet: { type: ["string", "null"] },
      firstFailureAt: { type: "string", format: "date-time" },
      lastFailureAt: { type: "string", format: "date-time" },
      deadLetteredAt: { type: "string", format: "date-time" },
      receivedAt: { type: "string", format: "date-time" },
      state: { enum: ["dead", "replayed"] },
      replays: { type: "integer" },
      replayedAt: { type: ["string", "null"], format: "date-time" },
      deadLetterSink: { type: ["string", "null"], description: "What the deadLetterSink answered, if one is set." },
      extensions: { type: "object", description: "The knativeerror* and cairn* dead-letter extensions." },
      cloudEvent: { type: "object" },
      event: { type: "object", description: "The CDEvent exactly as received." },
    },
  },
  DeadLetterSelector: {
    type: "object",
    description: "Which dead letters: listed ids, one subscription's, or all (combined with AND).",
    properties: {
      ids: { type: "array", items: { type: "integer" } },
      subscription: { type: "string" },
      all: { const: true },
    },
  },
};

const SUBSCRIPTION = "/api/v1/subscriptions";
const subscriptionJson = json(ref("Subscription"), "the subscription");
const invalid = error("invalid subscription: `issues` with path, code, message (and offset, line, column)");
const readOnly = error("declared in the config file: read-only here");

/** Paths of the router's routes. */
export const ROUTER_PATHS: Json = {
  [SUBSCRIPTION]: {
    get: {
      summary: "Every subscription",
      ...secured("read"),
      responses: { 200: json({ type: "array", items: ref("Subscription") }, "the subscriptions") },
    },
    post: {
      summary: "Create a subscription",
      ...secured("admin"),
      requestBody: { required: true, content: { "application/json": { schema: ref("SubscriptionRequest") } } },
      responses: {
        201: { ...subscriptionJson, headers: { Location: { schema: { type: "string" } } } },
        400: invalid,
      },
    },
  },
  [`${SUBSCRIPTION}/{id}`]: {
    get: {
      summary: "One subscription",
      ...secured("read"),
      parameters: [idParam("subscription id")],
      responses: { 200: subscriptionJson, 404: error("no such subscription") },
    },
    put: {
      summary: "Replace a subscription, or create it with this id",
      ...secured("admin"),
      parameters: [idParam("subscription id")],
      requestBody: { required: true, content: { "application/json": { schema: ref("SubscriptionRequest") } } },
      responses: { 200: subscriptionJson, 201: subscriptionJson, 400: invalid, 409: readOnly },
    },
    delete: {
      summary: "Delete a subscription and its queued deliveries (not its dead letters)",
      ...secured("admin"),
      parameters: [idParam("subscription id")],
      responses: { 200: subscriptionJson, 404: error("no such subscription"), 409: readOnly },
    },
  },
  "/api/v1/deadletters": {
    get: {
      summary: "Dead letters, oldest first",
      ...secured("read"),
      parameters: [
        query("subscription", "Only this subscription's."),
        query("state", "`dead` or `replayed`.", { enum: ["dead", "replayed"] }),
        query("limit", "Page size, 1–1000.", { type: "integer", minimum: 1, maximum: 1000 }),
        query("cursor", "The `next` value of the previous page."),
      ],
      responses: {
        200: json(
          {
            type: "object",
            properties: {
              deadLetters: { type: "array", items: ref("DeadLetter") },
              next: { type: ["string", "null"] },
            },
          },
          "a page",
        ),
        400: error("bad parameter"),
      },
    },
    delete: {
      summary: "Purge dead letters",
      description: "The selector is the JSON body, or the query parameters `id` (repeatable), `subscription`, `all`.",
      ...secured("admin"),
      requestBody: { content: { "application/json": { schema: ref("DeadLetterSelector") } } },
      responses: {
        200: json({ type: "object", properties: { purged: { type: "integer" } } }, "deleted"),
        400: error("bad selector"),
      },
    },
  },
  "/api/v1/deadletters/replay": {
    post: {
      summary: "Replay dead letters to their original subscription (attempts reset)",
      ...secured("admin"),
      requestBody: { required: true, content: { "application/json": { schema: ref("DeadLetterSelector") } } },
      responses: {
        200: json(
          {
            type: "object",
            properties: {
              replayed: { type: "integer" },
              skipped: { type: "integer", description: "Subscription gone, or the event is still queued." },
              at: { type: "string", format: "date-time" },
            },
          },
          "replayed",
        ),
        400: error("bad selector"),
      },
    },
  },
  "/api/v1/deadletters/{id}": {
    get: {
      summary: "One dead letter",
      ...secured("read"),
      parameters: [idParam("dead-letter id", { type: "integer" })],
      responses: { 200: json(ref("DeadLetter"), "the dead letter"), 404: error("no such dead letter") },
    },
  },
};
