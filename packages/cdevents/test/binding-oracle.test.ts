/**
 * The `cloudevents` npm package (v10) as an oracle: what we encode, it reads with the same attributes and data;
 * what it encodes, we read. Its own liberties are asserted here so they stay documented:
 * - it re-formats `time` as a millisecond `toISOString()` (both on encode and on decode), and
 *   invents `time` (now) and `id` (a UUID) when a message has none;
 * - it neither percent-encodes nor percent-decodes header values (HTTP binding 1.0.2 §3.1.3.2 requires both).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudEvent, HTTP } from "cloudevents";
import fc from "fast-check";
import { fromHttp, toHttp } from "../src/binding/http.ts";
import type { DecodedEvent } from "../src/binding/message.ts";
import { percentEncode } from "../src/binding/percent.ts";
import { cdevent, type GeneratedEvent, plainCdevent, wire } from "./binding-arbitraries.ts";

const RUNS = { numRuns: 150 };

function ours(message: { headers: object; body: unknown }): DecodedEvent {
  const result = fromHttp({ headers: message.headers as Record<string, string>, body: String(message.body) });
  assert.equal(result.ok, true, JSON.stringify(result.issues));
  assert.equal(result.value.length, 1);
  return result.value[0] as DecodedEvent;
}

/** What the oracle does to `time`: `new Date(t).toISOString()`. */
const oracleTime = (t: string) => new Date(t).toISOString();

test("oracle reads our binary and structured messages (ASCII attributes): same attributes and data", () => {
  fc.assert(
    fc.property(plainCdevent, fc.constantFrom("binary" as const, "structured" as const), (e, mode) => {
      const message = toHttp(e, { mode, extensions: { partitionkey: "p1" } });
      const event = HTTP.toEvent(message) as CloudEvent<unknown>;
      assert.equal(event.id, e.context.id);
      assert.equal(event.source, e.context.source);
      assert.equal(event.type, e.context.type);
      assert.equal(event.subject, e.subject.id);
      assert.equal(event.partitionkey, "p1");
      assert.deepEqual(event.data, wire(e));
      // The oracle normalises time to milliseconds in UTC: the microseconds and the offset are gone.
      assert.equal(event.time, oracleTime(e.context.timestamp as string));
    }),
    RUNS,
  );
});

test("oracle reads our structured messages with arbitrary Unicode attributes unchanged", () => {
  fc.assert(
    fc.property(cdevent, (e) => {
      const event = HTTP.toEvent(toHttp(e, { mode: "structured" })) as CloudEvent<unknown>;
      assert.deepEqual(
        [event.id, event.source, event.type, event.subject],
        [e.context.id, e.context.source, e.context.type, e.subject.id],
      );
      assert.deepEqual(event.data, wire(e));
    }),
    RUNS,
  );
});

test("oracle does not percent-decode: our encoded header values reach it still encoded", () => {
  fc.assert(
    fc.property(cdevent, (e) => {
      const event = HTTP.toEvent(toHttp(e, { mode: "binary" })) as CloudEvent<unknown>;
      assert.equal(event.id, percentEncode(e.context.id as string));
      assert.equal(event.subject, percentEncode(e.subject.id as string));
      assert.deepEqual(event.data, wire(e), "the body is untouched");
    }),
    RUNS,
  );
});

function oracleEvent(e: GeneratedEvent, strict: boolean): CloudEvent<unknown> {
  const attributes = {
    id: e.context.id as string,
    source: e.context.source as string,
    type: e.context.type as string,
    subject: e.subject.id as string,
    time: e.context.timestamp as string,
    datacontenttype: "application/json",
    partitionkey: "p1",
    data: e,
  };
  return new CloudEvent(attributes, strict);
}

test("we read the oracle's binary and structured messages, keeping the CDEvent's own timestamp", () => {
  fc.assert(
    fc.property(plainCdevent, fc.boolean(), (e, structured) => {
      const message = structured ? HTTP.structured(oracleEvent(e, true)) : HTTP.binary(oracleEvent(e, true));
      const decoded = ours(message);
      assert.equal(decoded.mode, structured ? "structured" : "binary");
      assert.deepEqual(decoded.cdevent, wire(e));
      assert.equal(decoded.cloudEvent.id, e.context.id);
      assert.equal(decoded.cloudEvent.source, e.context.source);
      assert.equal(decoded.cloudEvent.subject, e.subject.id);
      assert.deepEqual(decoded.cloudEvent.extensions, { partitionkey: "p1" });
      // The oracle rewrote time; the CloudEvent view reports what was sent, the CDEvent keeps the original.
      assert.equal(decoded.cloudEvent.time, oracleTime(e.context.timestamp as string));
      assert.equal((decoded.cdevent.context as { timestamp: string }).timestamp, e.context.timestamp);
    }),
    RUNS,
  );
});

test("we read the oracle's structured messages with arbitrary Unicode attributes", () => {
  fc.assert(
    fc.property(cdevent, (e) => {
      const decoded = ours(HTTP.structured(oracleEvent(e, false)));
      assert.deepEqual(decoded.cdevent, wire(e));
      assert.equal(decoded.cloudEvent.id, e.context.id);
      assert.equal(decoded.cloudEvent.type, e.context.type);
    }),
    RUNS,
  );
});

test("oracle binary mode sends raw header values: we keep them unless they look like %XX escapes", () => {
  const e = {
    context: { id: "a b é", source: "/s", type: "t", timestamp: "2024-01-01T00:00:00Z" },
    subject: { id: "x" },
  };
  const raw = HTTP.binary(oracleEvent(e, false));
  assert.equal(raw.headers["ce-id"], "a b é", "not percent-encoded by the oracle");
  assert.equal(ours(raw).cloudEvent.id, "a b é");
  const escaped = { ...e, context: { ...e.context, id: "100%41" } };
  const result = fromHttp(
    HTTP.binary(oracleEvent(escaped, false)) as { headers: Record<string, string>; body: string },
  );
  assert.equal(result.ok, false, "a raw %41 is decoded to A and then disagrees with the body");
  assert.deepEqual(
    result.issues.map((i) => i.path),
    ["header:ce-id"],
  );
});

test("oracle invents time and id when a message has none; we do not", () => {
  const body = JSON.stringify({
    context: { id: "1", source: "/s", type: "t", timestamp: "2024-01-01T00:00:00.123456Z" },
    subject: { id: "x" },
  });
  const headers = {
    "content-type": "application/json",
    "ce-specversion": "1.0",
    "ce-id": "1",
    "ce-source": "/s",
    "ce-type": "t",
  };
  const before = Date.now();
  const event = HTTP.toEvent({ headers, body }) as CloudEvent<unknown>;
  assert.ok(Date.parse(event.time as string) >= before, "the oracle stamped the current time");
  const decoded = ours({ headers, body });
  assert.equal(decoded.cloudEvent.time, undefined, "no time was sent, none is invented");
  const envelope = { specversion: "1.0", source: "/s", type: "t", data: JSON.parse(body) };
  const structured = { headers: { "content-type": "application/cloudevents+json" }, body: JSON.stringify(envelope) };
  const noId = HTTP.toEvent(structured) as CloudEvent<unknown>;
  assert.match(noId.id, /^[0-9a-f-]{36}$/, "the oracle generated a UUID for an envelope without id");
  assert.deepEqual(
    fromHttp(structured).issues.map((i) => i.path),
    ["/id"],
  );
  assert.deepEqual(
    fromHttp({ headers: { ...headers, "ce-id": "" }, body }).issues.map((i) => i.path),
    ["header:ce-id"],
  );
});

test("oracle leaves data unparsed for a content type it does not list verbatim (e.g. upper case)", () => {
  const e = { context: { id: "1", source: "/s", type: "t", timestamp: "2024-01-01T00:00:00Z" }, subject: { id: "x" } };
  const message = toHttp(e);
  const headers = { ...message.headers, "content-type": "Application/JSON" };
  const event = HTTP.toEvent({ headers, body: message.body }) as CloudEvent<unknown>;
  assert.equal(typeof event.data, "string", "the oracle matches content types case-sensitively");
  assert.deepEqual(ours({ headers, body: message.body }).cdevent, e);
});
