/**
 * Delivery requests: binary and structured requests round-trip through the SDK's `fromHttp`/`parseHttp` (and the
 * `cloudevents` npm package) to the same attributes and the same CDEvent, with the body byte for byte; Cairn's
 * delivery headers; custom headers and credentials; NATS messages.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCDEvents, createEvent, fromHttp, fromNats } from "@cairn/cdevents";
import { HTTP, type CloudEvent as OracleEvent } from "cloudevents";
import fc from "fast-check";
import {
  buildDeliveryRequest,
  buildNatsMessage,
  type DeliveryRequest,
  deliveryId,
  isRouterError,
  parseStoredAttributes,
  percentEncode,
  type StoredEvent,
  type Subscription,
  validateSubscription,
} from "../src/index.ts";
import { valid } from "./helpers.ts";

const cdevent = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci/jobs", subject: { id: "build-42" } });
/** The CDEvent as a producer sent it: pretty-printed, with a trailing newline — it must arrive exactly so. */
const BODY = `${JSON.stringify(cdevent, null, 3)}\n`;
const ATTRIBUTES = {
  specversion: "1.0",
  id: cdevent.context.id,
  source: cdevent.context.source,
  type: cdevent.context.type,
  subject: "build-42",
  time: cdevent.context.timestamp,
  datacontenttype: "application/json",
  partitionkey: "pipeline 7 – ünïcode €",
  sequence: 42,
  traced: true,
};
const STORED: StoredEvent = { attributes: JSON.stringify(ATTRIBUTES), body: BODY, sequence: 1234 };

function request(format: "binary" | "structured", extra: Record<string, unknown> = {}): DeliveryRequest {
  return buildDeliveryRequest(valid({ delivery: { format }, ...extra }), STORED, { attempt: 1 });
}

function decode(req: DeliveryRequest) {
  const r = fromHttp({ headers: req.headers, body: req.body });
  assert.ok(r.ok, JSON.stringify(r.issues));
  assert.equal(r.value.length, 1);
  return r.value[0] as NonNullable<(typeof r.value)[0]>;
}

describe("binary mode", () => {
  test("round-trips through fromHttp: same attributes (extensions as text), same CDEvent, body byte for byte", () => {
    const req = request("binary");
    assert.equal(req.body, BODY);
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["ce-partitionkey"], "pipeline%207%20%E2%80%93%20%C3%BCn%C3%AFcode%20%E2%82%AC");
    const d = decode(req);
    assert.equal(d.mode, "binary");
    const { data, extensions, ...attributes } = d.cloudEvent;
    const { partitionkey, sequence, traced, ...context } = ATTRIBUTES;
    assert.deepEqual(attributes, context);
    assert.deepEqual(extensions, { partitionkey, sequence: "42", traced: "true" });
    assert.deepEqual(d.cdevent, JSON.parse(BODY));
  });

  test("parseHttp validates the delivered CDEvent", () => {
    const r = createCDEvents().parseHttp({ headers: request("binary").headers, body: request("binary").body });
    assert.ok(r.ok);
    assert.equal(r.entries[0]?.mode, "binary");
    const entry = r.entries[0];
    assert.ok(entry?.result.ok);
    assert.deepEqual(entry.result.event, cdevent);
  });

  test("the cloudevents npm package reads the same event (ASCII extension values)", () => {
    const ascii = { ...STORED, attributes: JSON.stringify({ ...ATTRIBUTES, partitionkey: "pipeline-7" }) };
    const req = buildDeliveryRequest(valid({}), ascii, { attempt: 1 });
    const e = HTTP.toEvent({ headers: req.headers, body: req.body }) as OracleEvent<unknown>;
    assert.equal(e.id, ATTRIBUTES.id);
    assert.equal(e.type, ATTRIBUTES.type);
    assert.equal(e.partitionkey, "pipeline-7");
    assert.deepEqual(e.data, JSON.parse(BODY));
  });

  test("without datacontenttype the content type is application/json; a charset is kept", () => {
    const { datacontenttype: _, ...rest } = ATTRIBUTES;
    const plain = buildDeliveryRequest(valid({}), { ...STORED, attributes: JSON.stringify(rest) }, { attempt: 1 });
    assert.equal(plain.headers["content-type"], "application/json");
    const charset = { ...ATTRIBUTES, datacontenttype: "application/json; charset=utf-8" };
    const withCharset = buildDeliveryRequest(
      valid({}),
      { ...STORED, attributes: JSON.stringify(charset) },
      { attempt: 1 },
    );
    assert.equal(withCharset.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(withCharset.headers["ce-datacontenttype"], undefined);
  });

  test("property: any extension value survives percent-encoding and the SDK's decoding", () => {
    const name = fc
      .stringMatching(/^[a-z][a-z0-9]{0,19}$/)
      .filter(
        (n) =>
          !["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data"].includes(
            n,
          ),
      );
    fc.assert(
      fc.property(fc.dictionary(name, fc.string({ unit: "grapheme", minLength: 1 }), { maxKeys: 4 }), (extensions) => {
        const stored = { ...STORED, attributes: JSON.stringify({ ...ATTRIBUTES, ...extensions }) };
        const d = decode(buildDeliveryRequest(valid({}), stored, { attempt: 1 }));
        for (const [k, v] of Object.entries(extensions)) assert.equal(d.cloudEvent.extensions[k], v);
        for (const v of Object.values(buildDeliveryRequest(valid({}), stored, { attempt: 1 }).headers))
          assert.match(v, /^[\x21-\x7e]*$/, "header values are printable ASCII without spaces");
      }),
    );
  });
});

describe("structured mode", () => {
  test("the envelope is the attributes with the CDEvent spliced in verbatim as data", () => {
    const req = request("structured");
    assert.equal(req.headers["content-type"], "application/cloudevents+json; charset=utf-8");
    assert.ok(req.body.endsWith(`,"data":${BODY}}`));
    assert.ok(req.body.includes(BODY), "the CDEvent text is unchanged inside the envelope");
    const envelope = JSON.parse(req.body);
    assert.deepEqual(envelope, { ...ATTRIBUTES, data: JSON.parse(BODY) });
  });

  test("round-trips through fromHttp and the cloudevents npm package with typed extensions", () => {
    const d = decode(request("structured"));
    assert.equal(d.mode, "structured");
    assert.deepEqual(d.cloudEvent.extensions, { partitionkey: ATTRIBUTES.partitionkey, sequence: 42, traced: true });
    assert.deepEqual(d.cdevent, JSON.parse(BODY));
    const e = HTTP.toEvent({
      headers: request("structured").headers,
      body: request("structured").body,
    }) as OracleEvent<unknown>;
    assert.equal(e.source, ATTRIBUTES.source);
    assert.deepEqual(e.data, JSON.parse(BODY));
  });

  test("no ce-* headers in structured mode", () => {
    assert.deepEqual(
      Object.keys(request("structured").headers).filter((h) => h.startsWith("ce-")),
      [],
    );
  });
});

describe("Cairn's headers", () => {
  test("delivery id <subscription>/<sequence> is stable across attempts; the attempt counts from 1", () => {
    const s = valid({ id: "deploy-notify" });
    const first = buildDeliveryRequest(s, STORED, { attempt: 1 });
    const third = buildDeliveryRequest(s, STORED, { attempt: 3 });
    assert.equal(first.headers["cairn-delivery-id"], "deploy-notify/1234");
    assert.equal(deliveryId("deploy-notify", 1234), "deploy-notify/1234");
    assert.equal(third.headers["cairn-delivery-id"], "deploy-notify/1234");
    assert.equal(first.headers["cairn-delivery-attempt"], "1");
    assert.equal(third.headers["cairn-delivery-attempt"], "3");
    for (const attempt of [0, 1.5]) assert.throws(() => buildDeliveryRequest(s, STORED, { attempt }), isRouterError);
    assert.throws(() => buildDeliveryRequest(s, { ...STORED, sequence: -1 }, { attempt: 1 }), isRouterError);
  });

  test("prefer: reply only when replies are wanted", () => {
    assert.equal(request("binary").headers.prefer, "reply");
    assert.equal(request("binary", { delivery: { responseMode: "ignoreBody" } }).headers.prefer, undefined);
  });

  test("method, custom headers and credentials", () => {
    const put = request("binary", { protocolsettings: { method: "PUT", headers: { "X-Tenant": "acme" } } });
    assert.equal(put.method, "PUT");
    assert.equal(put.headers["x-tenant"], "acme");
    assert.equal(request("binary").method, "POST");
    const basic = request("binary", { sinkcredential: { credentialtype: "PLAIN", identifier: "üser", secret: "p:w" } });
    assert.equal(
      basic.headers.authorization,
      `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode("üser:p:w")))}`,
    );
    const bearer = request("binary", {
      sinkcredential: {
        credentialtype: "ACCESSTOKEN",
        accesstoken: "t0k",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
      },
    });
    assert.equal(bearer.headers.authorization, "Bearer t0k");
    const mac = request("binary", {
      sinkcredential: {
        credentialtype: "ACCESSTOKEN",
        accesstoken: "t",
        accesstokenexpiresutc: "2030-01-01T00:00:00Z",
        accesstokentype: "MAC",
      },
    });
    assert.equal(mac.headers.authorization, "MAC t");
  });

  test("extensions can be added (or replaced) per request", () => {
    const s = valid({});
    const req = buildDeliveryRequest(s, STORED, { attempt: 1, extensions: { cairnhops: 2, partitionkey: "p" } });
    const d = decode(req);
    assert.equal(d.cloudEvent.extensions.cairnhops, "2");
    assert.equal(d.cloudEvent.extensions.partitionkey, "p");
    for (const name of ["Bad-Name", "id", "time", "data", "type"])
      assert.throws(
        () => buildDeliveryRequest(s, STORED, { attempt: 1, extensions: { [name]: 1 } }),
        isRouterError,
        name,
      );
  });
});

describe("stored attributes", () => {
  test("must be a JSON object of attributes with the required four", () => {
    for (const text of [
      "",
      "[]",
      "{",
      '{"id":"1"}',
      '{"specversion":"1.0","id":"1","source":"s","type":"t","Bad":1}',
      '{"specversion":"1.0","id":"1","source":"s","type":"t","x":{}}',
    ])
      assert.throws(
        () => parseStoredAttributes(text),
        (e) => isRouterError(e) && e.code === "CAIRN_ERR_ROUTER_INVALID_STORED_EVENT",
        text,
      );
  });

  test("null means absent; data members are dropped", () => {
    const parsed = parseStoredAttributes(
      '{"specversion":"1.0","id":"1","source":"s","type":"t","subject":null,"data":{}}',
    );
    assert.deepEqual(parsed, { specversion: "1.0", id: "1", source: "s", type: "t" });
  });

  test("percent-encoding: the binding's worked example", () => {
    assert.equal(percentEncode("Euro € 😀"), "Euro%20%E2%82%AC%20%F0%9F%98%80");
    assert.equal(percentEncode('a"b%c'), "a%22b%25c");
    assert.equal(percentEncode("plain-ascii_~!"), "plain-ascii_~!");
  });
});

describe("NATS", () => {
  const nats = (format: "binary" | "structured"): Subscription => {
    const r = validateSubscription({
      id: "n1",
      sink: "nats://nats.example:4222",
      protocol: "NATS",
      protocolsettings: { subject: "cdevents.builds" },
      delivery: { format },
    });
    assert.ok(r.ok);
    return r.subscription;
  };

  test("binary and structured messages round-trip through the SDK's fromNats", () => {
    for (const format of ["binary", "structured"] as const) {
      const m = buildNatsMessage(nats(format), STORED, { attempt: 2 });
      assert.equal(m.subject, "cdevents.builds");
      assert.equal(m.headers["cairn-delivery-id"], "n1/1234");
      assert.equal(m.headers["cairn-delivery-attempt"], "2");
      assert.equal(m.headers.prefer, undefined);
      if (format === "binary") {
        assert.equal(m.data, BODY);
        assert.equal(m.headers["ce-datacontenttype"], "application/json");
        assert.equal(m.headers["content-type"], undefined);
      }
      const r = fromNats(m);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value.cdevent, JSON.parse(BODY));
      assert.equal(r.value.cloudEvent.extensions.partitionkey, ATTRIBUTES.partitionkey);
    }
  });

  test("an HTTP request for a NATS subscription (and the reverse) is refused", () => {
    const wrong = (f: () => unknown) =>
      assert.throws(f, (e) => isRouterError(e) && e.code === "CAIRN_ERR_ROUTER_UNSUPPORTED_PROTOCOL");
    wrong(() => buildDeliveryRequest(nats("binary"), STORED, { attempt: 1 }));
    wrong(() => buildNatsMessage(valid({}), STORED, { attempt: 1 }));
  });
});
