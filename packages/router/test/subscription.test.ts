/**
 * The subscription model: the Subscriptions API shape (checked against the OpenAPI document), Cairn's delivery
 * policy defaults and durations, unknown members, every issue at its path, the create/update request forms,
 * redaction of secrets.
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import YAML from "yaml";
import {
  DEFAULT_DELIVERY,
  redactSubscription,
  type Subscription,
  validateCreateRequest,
  validateSubscription,
  validateUpdateRequest,
} from "../src/index.ts";
import { refused, valid, where } from "./helpers.ts";

const OPENAPI = new URL(
  "../../../../shared/cloudevents-spec/subscriptions/subscriptions-openapi.yaml",
  import.meta.url,
);

type Schema = { properties?: Record<string, Schema>; allOf?: Schema[]; example?: unknown; enum?: unknown[] };

function openapi(): Record<string, Schema> | undefined {
  if (!existsSync(OPENAPI)) return undefined;
  const doc = YAML.parse(readFileSync(OPENAPI, "utf8")) as { components: { schemas: Record<string, Schema> } };
  return doc.components.schemas;
}

/** Every property a schema declares, through allOf. */
function properties(schema: Schema | undefined, schemas: Record<string, Schema>): Record<string, Schema> {
  if (!schema) return {};
  const out: Record<string, Schema> = { ...schema.properties };
  for (const part of schema.allOf ?? []) {
    const ref = (part as { $ref?: string }).$ref;
    Object.assign(out, properties(ref ? schemas[ref.split("/").pop() ?? ""] : part, schemas));
  }
  return out;
}

describe("the Subscriptions API OpenAPI document", () => {
  const schemas = openapi();
  const skip = schemas === undefined ? "../shared/cloudevents-spec is absent" : false;

  test("a subscription made of the document's example values validates", { skip }, () => {
    const s = schemas as Record<string, Schema>;
    const props = properties(s.Subscription, s);
    const example = (name: string) =>
      props[name]?.example ?? (s[name === "protocol" ? "Protocol" : ""]?.example as unknown);
    const input = { id: String(example("id")), sink: example("sink"), protocol: example("protocol") };
    assert.deepEqual(input, { id: "1119920371", sink: "https://endpoint.example.com/webhook", protocol: "HTTP" });
    const r = validateSubscription(input);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.subscription, { ...input, filters: [], delivery: DEFAULT_DELIVERY });
  });

  test("every member the document declares on Subscription is accepted (none is an unknown field)", { skip }, () => {
    const s = schemas as Record<string, Schema>;
    const names = Object.keys(properties(s.Subscription, s)).sort();
    assert.deepEqual(names, [
      "config",
      "filters",
      "id",
      "protocol",
      "protocolsettings",
      "sink",
      "sinkcredential",
      "source",
      "types",
    ]);
    const r = validateSubscription({
      id: "sub-1",
      source: "/sensors/tn-1234567/alerts",
      types: ["com.example.object.deleted"],
      config: { interval: "5" },
      filters: [{ prefix: { type: "com.example." } }],
      sink: "https://endpoint.example.com/webhook",
      sinkcredential: { credentialtype: "PLAIN", identifier: "u", secret: "p" },
      protocol: "HTTP",
      protocolsettings: { headers: { "X-Tenant": "a" }, method: "POST" },
    });
    assert.ok(r.ok, JSON.stringify(r));
  });

  test("the document's protocols: HTTP and NATS are delivered to, the others refused as unsupported", { skip }, () => {
    const s = schemas as Record<string, Schema>;
    const protocols = (s.Protocol?.enum ?? []) as string[];
    assert.equal(protocols.length, 6);
    for (const protocol of protocols) {
      const settings = protocol === "NATS" ? { protocolsettings: { subject: "cdevents.out" } } : {};
      const sink = protocol === "NATS" ? "nats://nats.example:4222" : "https://h.example/x";
      const r = validateSubscription({ id: "s", sink, protocol, ...settings });
      if (protocol === "HTTP" || protocol === "NATS") assert.ok(r.ok, protocol);
      else assert.deepEqual(!r.ok && where(r.issues), ["/protocol unsupported_protocol"], protocol);
    }
  });

  test("HTTP and NATS settings and every sink credential member the document declares are accepted", { skip }, () => {
    const s = schemas as Record<string, Schema>;
    assert.deepEqual(Object.keys(properties(s.HTTPSettings, s)).sort(), ["headers", "method"]);
    assert.deepEqual(Object.keys(properties(s.NATSSettings, s)), ["subject"]);
    const refresh = Object.keys(properties(s.RefreshTokenCredential, s)).sort();
    assert.deepEqual(refresh, [
      "accesstoken",
      "accesstokenexpiresutc",
      "accesstokentype",
      "credentialtype",
      "refreshtoken",
      "refreshtokenendpoint",
    ]);
    const credential = Object.fromEntries(refresh.map((k) => [k, "x"]));
    const r = validateSubscription({
      id: "s",
      sink: "https://h.example/x",
      protocol: "HTTP",
      sinkcredential: {
        ...credential,
        credentialtype: "REFRESHTOKEN",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
        refreshtokenendpoint: "https://auth.example/token",
        accesstokentype: "bearer",
      },
    });
    assert.ok(r.ok, JSON.stringify(r));
  });

  test("every attribute name of CloudEventsAttribute is a valid exact/prefix/suffix key", { skip }, () => {
    const s = schemas as Record<string, Schema>;
    const names = Object.keys(s.CloudEventsAttribute?.properties ?? {});
    assert.equal(names.length, 8);
    for (const dialect of ["exact", "prefix", "suffix"])
      valid({ filters: [{ [dialect]: Object.fromEntries(names.map((n) => [n, "v"])) }] });
  });
});

describe("the Subscriptions API specification's examples (subscriptions/spec.md §3.2)", () => {
  test("the example subscription resource validates; config keeps its values", () => {
    const s = valid({
      id: "sub-193-18365",
      config: { data: "hello", interval: 5 },
      filters: [{ prefix: { type: "com.example." } }],
      protocol: "HTTP",
      protocolsettings: { method: "POST" },
      sink: "http://example.com/event-processor",
    });
    assert.deepEqual(s.config, { data: "hello", interval: 5 });
    assert.deepEqual(s.protocolsettings, { method: "POST" });
  });

  test("every filter example of §3.2.4.1 validates", () => {
    valid({
      filters: [
        { prefix: { type: "com.github.issue" } },
        { exact: { type: "com.github.push", subject: "https://github.com/cloudevents/spec" } },
        { prefix: { type: "com.github.", subject: "https://github.com/cloudevents" } },
        { suffix: { type: ".created", subject: "/cloudevents/spec" } },
        {
          all: [{ exact: { type: "com.github.push" } }, { exact: { subject: "https://github.com/cloudevents/spec" } }],
        },
        {
          any: [{ exact: { type: "com.github.push" } }, { exact: { subject: "https://github.com/cloudevents/spec" } }],
        },
        { not: { exact: { type: "com.github.push" } } },
        { sql: "source LIKE '%cloudevents%'" },
      ],
    });
  });
});

describe("normalisation", () => {
  test("defaults: every delivery setting of the brief", () => {
    assert.deepEqual(valid({}).delivery, {
      retry: 10,
      backoffPolicy: "exponential",
      backoffDelay: 200,
      backoffMax: 60_000,
      jitter: 0.2,
      timeout: 10_000,
      retryAfterMax: 60_000,
      format: "binary",
      ordering: "none",
      maxInFlight: 16,
      responseMode: "replyIfCloudEvent",
      onExpired: "deadLetter",
    });
  });

  test("durations: milliseconds or ISO-8601 (PT0.2S, PT1M30S, P1DT1H), PT0S is 0", () => {
    const d = valid({
      delivery: { backoffDelay: "PT0.2S", backoffMax: "PT1M30S", timeout: 2500, retryAfterMax: "PT0S" },
    }).delivery;
    assert.deepEqual([d.backoffDelay, d.backoffMax, d.timeout, d.retryAfterMax], [200, 90_000, 2500, 0]);
    assert.equal(valid({ delivery: { backoffMax: "P1DT1H" } }).delivery.backoffMax, 25 * 3_600_000);
  });

  test("every optional setting round-trips", () => {
    const delivery = {
      retry: 0,
      backoffPolicy: "linear",
      backoffDelay: 0,
      backoffMax: 0,
      jitter: 0,
      timeout: 1,
      retryAfterMax: 0,
      format: "structured",
      deadLetterSink: "https://dlq.example/x",
      ordering: "subject",
      maxInFlight: 1,
      rateLimit: 0.5,
      responseMode: "ignoreBody",
      maxAge: 1,
      onExpired: "drop",
    };
    assert.deepEqual(valid({ delivery }).delivery, delivery);
  });

  test("cesql is stored as sql, at any depth; header names in lower case", () => {
    const s = valid({
      filters: [{ cesql: "TRUE" }, { not: { any: [{ cesql: "FALSE" }] } }],
      protocolsettings: { headers: { "X-Tenant": "a" } },
    });
    assert.deepEqual(s.filters, [{ sql: "TRUE" }, { not: { any: [{ sql: "FALSE" }] } }]);
    assert.deepEqual(s.protocolsettings, { headers: { "x-tenant": "a" } });
  });

  test("a normalised subscription survives JSON and revalidation unchanged", () => {
    const s = valid({
      source: "/ci",
      types: ["a", "b"],
      filters: [{ cdevents: { subject: "service", versions: "^0.3" } }, { suffix: { subject: "/prod" } }],
      sinkcredential: {
        credentialtype: "ACCESSTOKEN",
        accesstoken: "t0k",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
      },
      delivery: { backoffDelay: "PT1S", format: "structured", rateLimit: 100 },
    });
    const again = validateSubscription(JSON.parse(JSON.stringify(s)));
    assert.ok(again.ok);
    assert.deepEqual(again.subscription, s);
  });

  test("NATS: a nats:// sink and a subject", () => {
    const r = validateSubscription({
      id: "n1",
      sink: "nats://nats.example:4222",
      protocol: "NATS",
      protocolsettings: { subject: "cdevents.deployments" },
    });
    assert.ok(r.ok);
    assert.equal(r.subscription.protocol, "NATS");
  });
});

describe("refusals: every issue at its JSON Pointer", () => {
  test("not an object", () => {
    assert.deepEqual(where(refused([])), [" type"]);
  });

  test("required members", () => {
    assert.deepEqual(where(refused({})), ["/id required", "/protocol required"]);
    assert.deepEqual(where(refused({ id: "s", protocol: "HTTP" })), ["/sink required"]);
  });

  test("unknown members at every level", () => {
    const issues = refused({
      id: "s",
      sink: "https://h.example/x",
      protocol: "HTTP",
      extra: 1,
      protocolsettings: { verb: "GET" },
      delivery: { retries: 3 },
      filters: [{ cdevents: { kind: "x" } }],
      sinkcredential: { credentialtype: "PLAIN", identifier: "u", secret: "p", token: "t" },
    });
    assert.deepEqual(where(issues).sort(), [
      "/delivery/retries unknown_field",
      "/extra unknown_field",
      "/filters/0/cdevents/kind unknown_field",
      "/protocolsettings/verb unknown_field",
      "/sinkcredential/token unknown_field",
    ]);
  });

  test("many problems at once, each reported", () => {
    const issues = refused({
      id: "no spaces",
      source: "",
      types: ["ok", "", 3],
      config: { "": "x", k: { nested: true } },
      filters: [{ exact: {} }, { prefix: { type: "" } }, { all: [] }, { any: "x" }, { sql: 1 }, {}],
      sink: "ftp://h.example/x",
      protocol: "HTTP",
      protocolsettings: { method: "GET", headers: { "ce-id": "x", "Bad Name": "v", "x-a": "line\nbreak" } },
      delivery: {
        retry: -1,
        backoffPolicy: "fibonacci",
        backoffDelay: "200ms",
        timeout: 0,
        jitter: 1.5,
        maxInFlight: 0.5,
        rateLimit: 0,
        deadLetterSink: "not a url",
        format: "json",
      },
    });
    assert.deepEqual(where(issues), [
      "/id format",
      "/source empty",
      "/types/1 empty",
      "/types/2 type",
      "/config/ empty",
      "/config/k type",
      "/filters/0/exact empty",
      "/filters/1/prefix/type empty",
      "/filters/2/all empty",
      "/filters/3/any type",
      "/filters/4/sql type",
      "/filters/5 dialect_count",
      "/sink format",
      "/protocolsettings/method enum",
      "/protocolsettings/headers/ce-id reserved_header",
      "/protocolsettings/headers/Bad Name format",
      "/protocolsettings/headers/x-a format",
      "/delivery/retry range",
      "/delivery/backoffPolicy enum",
      "/delivery/backoffDelay format",
      "/delivery/jitter range",
      "/delivery/timeout range",
      "/delivery/format enum",
      "/delivery/maxInFlight type",
      "/delivery/deadLetterSink format",
      "/delivery/rateLimit range",
    ]);
  });

  test("an invalid CESQL filter reports the parse error's position, in the message and as fields", () => {
    const [issue] = refused({
      id: "s",
      sink: "https://h.example/x",
      protocol: "HTTP",
      filters: [{ exact: { type: "t" } }, { any: [{ sql: "type = 'a' AND\n  source = = 'b'" }] }],
    });
    assert.equal(issue?.path, "/filters/1/any/0/sql");
    assert.equal(issue?.code, "sql_syntax");
    assert.deepEqual([issue?.offset, issue?.line, issue?.column], [26, 2, 12]);
    assert.match(issue?.message ?? "", /line 2, column 12 \(offset 26\)/);
  });

  test("an unknown dialect, two dialects in one object, a bad attribute name", () => {
    const issues = refused({
      id: "s",
      sink: "https://h.example/x",
      protocol: "HTTP",
      filters: [
        { regex: { type: ".*" } },
        { exact: { type: "a" }, prefix: { type: "b" } },
        { exact: { "my-ext": "v" } },
      ],
    });
    assert.deepEqual(where(issues), [
      "/filters/0/regex unknown_dialect",
      "/filters/1 dialect_count",
      "/filters/2/exact/my-ext format",
    ]);
  });

  test("backoffMax below backoffDelay is a conflict", () => {
    assert.deepEqual(
      where(
        refused({ id: "s", sink: "https://h/x", protocol: "HTTP", delivery: { backoffDelay: 500, backoffMax: 100 } }),
      ),
      ["/delivery/backoffMax conflict"],
    );
  });

  test("durations above 2^31 − 1 ms, negative or fractional milliseconds", () => {
    const issues = refused({
      id: "s",
      sink: "https://h/x",
      protocol: "HTTP",
      delivery: { backoffMax: "P30D", timeout: -1, retryAfterMax: 1.5, backoffDelay: "P1Y" },
    });
    assert.deepEqual(where(issues), [
      "/delivery/backoffDelay format",
      "/delivery/backoffMax range",
      "/delivery/timeout range",
      "/delivery/retryAfterMax type",
    ]);
  });

  test("protocols are case-sensitive; unknown ones are an enum issue", () => {
    assert.deepEqual(where(refused({ id: "s", sink: "https://h/x", protocol: "http" })), ["/protocol enum"]);
  });

  test("NATS needs a subject without wildcards, and a NATS sink", () => {
    assert.deepEqual(where(refused({ id: "s", sink: "nats://n:4222", protocol: "NATS" })), [
      "/protocolsettings required",
    ]);
    const issues = refused({ id: "s", sink: "https://n/x", protocol: "NATS", protocolsettings: { subject: "a.*" } });
    assert.deepEqual(where(issues), ["/sink format", "/protocolsettings/subject format"]);
  });

  test("sink credentials: required members per type, formats, no authorization header beside one", () => {
    const base = { id: "s", sink: "https://h/x", protocol: "HTTP" };
    assert.deepEqual(where(refused({ ...base, sinkcredential: { credentialtype: "ACCESSTOKEN", accesstoken: "t" } })), [
      "/sinkcredential/accesstokenexpiresutc required",
    ]);
    assert.deepEqual(where(refused({ ...base, sinkcredential: { credentialtype: "OAUTH" } })), [
      "/sinkcredential/credentialtype enum",
    ]);
    const issues = refused({
      ...base,
      sinkcredential: { credentialtype: "PLAIN", identifier: "a:b", secret: "p" },
      protocolsettings: { headers: { Authorization: "Basic x" } },
    });
    assert.deepEqual(where(issues), ["/sinkcredential/identifier format"]);
    const conflict = refused({
      ...base,
      sinkcredential: { credentialtype: "PLAIN", identifier: "a", secret: "p" },
      protocolsettings: { headers: { Authorization: "Basic x" } },
    });
    assert.deepEqual(where(conflict), ["/protocolsettings/headers/authorization conflict"]);
  });

  test("CESQL that can never be TRUE is refused; a constant error is only a warning", () => {
    assert.deepEqual(where(refused({ id: "s", sink: "https://h/x", protocol: "HTTP", filters: [{ sql: "1 + 1" }] })), [
      "/filters/0/sql sql_not_boolean",
    ]);
    const r = validateSubscription({
      id: "s",
      sink: "https://h/x",
      protocol: "HTTP",
      filters: [{ sql: "TRUE OR 1 / 0 = 0" }],
    });
    assert.ok(r.ok);
    assert.deepEqual(where(r.warnings), ["/filters/0/sql sql_warning"]);
    assert.deepEqual([r.warnings[0]?.line, r.warnings[0]?.column], [1, 11]);
  });
});

describe("request forms", () => {
  const body = { sink: "https://h.example/x", protocol: "HTTP", filters: [{ exact: { type: "t" } }] };

  test("create: an id in the body is ignored, the manager's id is used", () => {
    const r = validateCreateRequest({ ...body, id: "client-chosen" }, "generated-1");
    assert.ok(r.ok);
    assert.equal(r.subscription.id, "generated-1");
  });

  test("update: the path id is used; a different id in the body is refused", () => {
    const r = validateUpdateRequest(body, "s9");
    assert.ok(r.ok);
    assert.equal(r.subscription.id, "s9");
    assert.ok(validateUpdateRequest({ ...body, id: "s9" }, "s9").ok);
    const bad = validateUpdateRequest({ ...body, id: "s8" }, "s9");
    assert.deepEqual(!bad.ok && where(bad.issues), ["/id id_mismatch"]);
    const badPath = validateUpdateRequest(body, "a/b");
    assert.deepEqual(!badPath.ok && where(badPath.issues), ["/id format"]);
  });

  test("a stored subscription must carry its id", () => {
    assert.deepEqual(where(refused(body)), ["/id required"]);
  });
});

describe("redaction", () => {
  test("secrets are removed, the rest kept; the input is not modified", () => {
    const s = valid({
      sinkcredential: {
        credentialtype: "REFRESHTOKEN",
        accesstoken: "A",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
        refreshtoken: "R",
        refreshtokenendpoint: "https://auth.example/t",
      },
    });
    const shown = redactSubscription(s);
    assert.deepEqual(shown.sinkcredential, {
      credentialtype: "REFRESHTOKEN",
      accesstokenexpiresutc: "2030-01-01T00:00:00Z",
      refreshtokenendpoint: "https://auth.example/t",
    });
    assert.equal((s.sinkcredential as { accesstoken: string }).accesstoken, "A");
    const plain = valid({ sinkcredential: { credentialtype: "PLAIN", identifier: "u", secret: "p" } });
    assert.deepEqual(redactSubscription(plain).sinkcredential, { credentialtype: "PLAIN", identifier: "u" });
    const none: Subscription = valid({});
    assert.equal(redactSubscription(none), none);
  });
});
