/**
 * Dead-letter metadata: Knative's three extensions (with the 1024-character base64 truncation) and Cairn's
 * superset, and the request to a dead-letter sink.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEvent, fromBase64, fromHttp } from "@cairn/cdevents";
import fc from "fast-check";
import { buildDeadLetterRequest, deadLetterAttributes, isRouterError, type StoredEvent } from "../src/index.ts";
import { valid } from "./helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("deadLetterAttributes", () => {
  test("Knative's three extensions: destination, status, base64 body", () => {
    assert.deepEqual(
      deadLetterAttributes({ destination: "https://sub.example/hook", outcome: 503, responseBody: "overloaded" }),
      {
        knativeerrordest: "https://sub.example/hook",
        knativeerrorcode: 503,
        knativeerrordata: btoa("overloaded"),
        cairnoutcome: "status",
      },
    );
  });

  test("network errors and timeouts are code 500; Cairn says which", () => {
    const network = deadLetterAttributes({ destination: "https://x/", outcome: "network" });
    const timeout = deadLetterAttributes({ destination: "https://x/", outcome: "timeout" });
    assert.deepEqual([network.knativeerrorcode, network.cairnoutcome], [500, "network"]);
    assert.deepEqual([timeout.knativeerrorcode, timeout.cairnoutcome], [500, "timeout"]);
    assert.equal(network.knativeerrordata, undefined, "no body, no knativeerrordata");
  });

  test("the body's base64 is truncated to 1024 characters: the first 768 bytes, still valid base64", () => {
    const body = "é".repeat(1000); // 2,000 bytes
    const data = deadLetterAttributes({ destination: "https://x/", outcome: 500, responseBody: body }).knativeerrordata;
    assert.equal(typeof data, "string");
    assert.equal((data as string).length, 1024);
    assert.deepEqual(fromBase64(data as string), bytes(body).subarray(0, 768));
    assert.equal(data, btoa(String.fromCharCode(...bytes(body))).slice(0, 1024), "= the full encoding, truncated");
  });

  test("property: knativeerrordata is the full body's base64 truncated to 1024 characters", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        const data = deadLetterAttributes({
          destination: "https://x/",
          outcome: 500,
          responseBody: body,
        }).knativeerrordata;
        const full = btoa(String.fromCharCode(...body));
        if (body.length === 0) assert.equal(data, undefined);
        else assert.equal(data, full.slice(0, 1024));
      }),
    );
  });

  test("Cairn's superset: attempts, reason, failure times (RFC 3339), subscription", () => {
    const a = deadLetterAttributes({
      destination: "https://x/",
      outcome: 404,
      attempts: 11,
      reason: "retries_exhausted",
      firstFailureAt: Date.UTC(2026, 0, 1, 0, 0, 0),
      lastFailureAt: "2026-01-01T00:01:42.200Z",
      subscriptionId: "s1",
    });
    assert.deepEqual(a, {
      knativeerrordest: "https://x/",
      knativeerrorcode: 404,
      cairnoutcome: "status",
      cairnattempts: 11,
      cairnreason: "retries_exhausted",
      cairnfirstfailure: "2026-01-01T00:00:00.000Z",
      cairnlastfailure: "2026-01-01T00:01:42.200Z",
      cairnsubscription: "s1",
    });
    for (const name of Object.keys(a)) assert.match(name, /^[a-z0-9]{1,20}$/, "CloudEvents extension names");
  });
});

describe("buildDeadLetterRequest", () => {
  const e = createEvent("dev.cdevents.build.queued.0.3.0", { source: "/ci", subject: { id: "b1" } });
  const body = JSON.stringify(e);
  const stored: StoredEvent = {
    attributes: JSON.stringify({
      specversion: "1.0",
      id: e.context.id,
      source: "/ci",
      type: e.context.type,
      subject: "b1",
    }),
    body,
    sequence: 9,
  };
  const failure = {
    destination: "https://sub.example/hook",
    outcome: 500,
    responseBody: "boom",
    attempts: 11,
  } as const;

  test("the original event, byte for byte, to the dead-letter sink, with the metadata", () => {
    for (const format of ["binary", "structured"] as const) {
      const s = valid({
        delivery: { deadLetterSink: "https://dlq.example/in", format },
        protocolsettings: { headers: { "x-secret": "for the sink only" } },
        sinkcredential: undefined,
      });
      const req = buildDeadLetterRequest(s, stored, failure, { attempt: 1 });
      assert.equal(req.url, "https://dlq.example/in");
      assert.equal(req.method, "POST");
      assert.equal(req.headers["x-secret"], undefined, "custom headers belong to the sink");
      assert.equal(req.headers.prefer, undefined);
      assert.equal(req.headers["cairn-delivery-id"], "s1/9");
      const d = fromHttp({ headers: req.headers, body: req.body });
      assert.ok(d.ok);
      const ce = d.value[0]?.cloudEvent;
      assert.equal(ce?.id, e.context.id);
      assert.equal(String(ce?.extensions.knativeerrordest), "https://sub.example/hook");
      assert.equal(String(ce?.extensions.knativeerrorcode), "500");
      assert.equal(ce?.extensions.knativeerrordata, btoa("boom"));
      assert.deepEqual(d.value[0]?.cdevent, e);
      if (format === "binary") assert.equal(req.body, body);
    }
  });

  test("no deadLetterSink: refused (the hub keeps the event in its dead-letter store)", () => {
    assert.throws(() => buildDeadLetterRequest(valid({}), stored, failure, { attempt: 1 }), isRouterError);
  });
});
