/** Edge cases of the Kafka and NATS bindings. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toCloudEvent } from "../src/binding/cloudevent.ts";
import { encodeKafka, fromKafka, fromNats, toKafka, toNats } from "../src/binding/headers.ts";
import type { DecodedEvent } from "../src/binding/message.ts";
import type { Result } from "../src/issues.ts";

const EVENT = {
  context: {
    id: "a b",
    source: "/s",
    type: "dev.cdevents.build.queued.0.1.1",
    timestamp: "2024-05-01T10:00:00.123456+02:00",
  },
  subject: { id: "é" },
};
const BODY = JSON.stringify(EVENT);

function ok(result: Result<DecodedEvent>): DecodedEvent {
  assert.equal(result.ok, true, result.ok ? "" : JSON.stringify(result.issues));
  return (result as { value: DecodedEvent }).value;
}
const paths = (result: Result<unknown>) => (result.ok ? [] : result.issues.map((i) => i.path));

describe("Kafka", () => {
  test("binary: ce_ headers unencoded, content-type is the datacontenttype, key from partitionkey", () => {
    const message = toKafka(EVENT, { extensions: { partitionkey: "build-7" } });
    assert.deepEqual(message.headers, {
      ce_specversion: "1.0",
      ce_id: "a b",
      ce_source: "/s",
      ce_type: "dev.cdevents.build.queued.0.1.1",
      ce_subject: "é",
      ce_time: "2024-05-01T10:00:00.123456+02:00",
      ce_partitionkey: "build-7",
      "content-type": "application/json",
    });
    assert.equal(message.key, "build-7");
    assert.equal(message.value, BODY);
    assert.equal(toKafka(EVENT, { key: "mine", extensions: { partitionkey: "p" } }).key, "mine", "the user key wins");
    assert.equal("key" in toKafka(EVENT), false);
  });

  test("structured: content-type application/cloudevents+json; charset=UTF-8, key kept", () => {
    const message = toKafka(EVENT, { mode: "structured", extensions: { partitionkey: "p" } });
    assert.deepEqual(message.headers, { "content-type": "application/cloudevents+json; charset=UTF-8" });
    assert.equal(message.key, "p");
    assert.equal(
      ok(fromKafka({ ...message, headers: { "Content-Type": "APPLICATION/CLOUDEVENTS+JSON" } })).mode,
      "structured",
    );
  });

  test("header values are not percent-decoded; header names in any case; byte values", () => {
    const message = encodeKafka({ ...toCloudEvent(EVENT), extensions: { x: "%41" } });
    const upper = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k.toUpperCase(), v]));
    const decoded = ok(fromKafka({ headers: upper, value: message.value }));
    assert.deepEqual([decoded.cloudEvent.id, decoded.cloudEvent.extensions], ["a b", { x: "%41" }]);
    const bad = fromKafka({ headers: { ...message.headers, ce_id: Uint8Array.of(0xff) }, value: message.value });
    assert.deepEqual(paths(bad), ["header:ce_id"]);
  });

  test("tombstones, unsupported content types, missing attributes, disagreements", () => {
    const { headers, value } = toKafka(EVENT);
    assert.deepEqual(paths(fromKafka({ headers, value: null })), [""]);
    assert.deepEqual(paths(fromKafka({ headers: { ...headers, "content-type": "text/plain" }, value })), [
      "header:content-type",
    ]);
    const batch = fromKafka({ headers: { "content-type": "application/cloudevents-batch+json" }, value: "[]" });
    assert.match(batch.ok ? "" : (batch.issues[0]?.message ?? ""), /no batch mode/);
    const { ce_source: _, ...noSource } = headers;
    assert.deepEqual(paths(fromKafka({ headers: noSource, value })), ["header:ce_source"]);
    assert.deepEqual(paths(fromKafka({ headers: { ...headers, ce_subject: "e" }, value })), ["header:ce_subject"]);
  });

  test("no headers: a bare CDEvent, or an envelope from a producer without headers (Kafka < 0.11)", () => {
    assert.equal(ok(fromKafka({ value: BODY })).mode, "bare");
    assert.equal(ok(fromKafka({ value: toKafka(EVENT, { mode: "structured" }).value })).mode, "structured");
  });
});

describe("NATS", () => {
  test("binary: ce- headers percent-encoded, datacontenttype as ce-datacontenttype, no Content-Type", () => {
    const message = toNats(EVENT);
    assert.equal(message.headers["ce-id"], "a%20b");
    assert.equal(message.headers["ce-subject"], "%C3%A9");
    assert.equal(message.headers["ce-datacontenttype"], "application/json");
    assert.equal("Content-Type" in message.headers, false);
    assert.equal(ok(fromNats(message)).cloudEvent.id, "a b");
  });

  test("structured: Content-Type header; detected case-insensitively", () => {
    const message = toNats(EVENT, { mode: "structured" });
    assert.deepEqual(message.headers, { "Content-Type": "application/cloudevents+json; charset=utf-8" });
    assert.equal(
      ok(fromNats({ headers: { "content-type": "application/CloudEvents+json" }, data: message.data })).mode,
      "structured",
    );
  });

  test("no headers (server before 2.2): the payload is a JSON format envelope, or a bare CDEvent", () => {
    assert.equal(ok(fromNats({ data: toNats(EVENT, { mode: "structured" }).data })).mode, "structured");
    assert.equal(ok(fromNats({ data: BODY })).mode, "bare");
  });

  test("invalid escapes kept, invalid UTF-8 rejected, non-JSON datacontenttype rejected", () => {
    const message = toNats(EVENT);
    const kept = ok(fromNats({ ...message, headers: { ...message.headers, "ce-x": "50%" } }));
    assert.deepEqual(kept.cloudEvent.extensions, { x: "50%" });
    assert.deepEqual(paths(fromNats({ ...message, headers: { ...message.headers, "ce-id": "%C0%A0" } })), [
      "header:ce-id",
    ]);
    const xml = fromNats({ ...message, headers: { ...message.headers, "ce-datacontenttype": "text/xml" } });
    assert.deepEqual(paths(xml), ["header:ce-datacontenttype"]);
    const badType = fromNats({ ...message, headers: { ...message.headers, "ce-datacontenttype": "%FF" } });
    assert.deepEqual(paths(badType), ["header:ce-datacontenttype"]);
  });
});
