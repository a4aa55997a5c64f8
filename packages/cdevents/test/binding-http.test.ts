/** Edge cases of the HTTP binding: modes, content types, headers, percent-encoding, disagreements, batches, JSON. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fromCloudEvent, toCloudEvent } from "../src/binding/cloudevent.ts";
import { encodeHttp, fromHttp, type HttpDecodeResult, isUnsupportedMediaType, toHttp } from "../src/binding/http.ts";
import type { DecodedEvent } from "../src/binding/message.ts";
import { isCDEventsError } from "../src/errors.ts";
import type { Result } from "../src/issues.ts";

const EVENT = {
  context: {
    specversion: "0.5.1",
    id: "271069a8",
    source: "/event/source/123",
    type: "dev.cdevents.pipelinerun.queued.0.2.0",
    timestamp: "2023-03-20T14:27:05.315384Z",
  },
  subject: { id: "mySubject123", content: { pipelineName: "myPipeline" } },
};
const BODY = JSON.stringify(EVENT);
const BINARY = toHttp(EVENT).headers;
const ENVELOPE = JSON.parse(toHttp(EVENT, { mode: "structured" }).body) as Record<string, unknown>;

function paths(result: HttpDecodeResult): string[] {
  return result.issues.map((i) => i.path);
}
function single(result: HttpDecodeResult): DecodedEvent {
  assert.equal(result.ok, true, JSON.stringify(result.issues));
  assert.equal(result.value.length, 1);
  return result.value[0] as DecodedEvent;
}
const structured = (envelope: unknown) => ({
  headers: { "content-type": "application/cloudevents+json" },
  body: JSON.stringify(envelope),
});

describe("content types and modes", () => {
  test("mixed-case content types with parameters select the mode", () => {
    const s = {
      headers: { "Content-Type": 'Application/CloudEvents+JSON; Charset="UTF-8"' },
      body: JSON.stringify(ENVELOPE),
    };
    assert.equal(single(fromHttp(s)).mode, "structured");
    const batch = { headers: { "CONTENT-TYPE": "APPLICATION/CLOUDEVENTS-BATCH+JSON" }, body: `[${s.body}]` };
    assert.equal(single(fromHttp(batch)).mode, "batch");
    const binary = { headers: { ...BINARY, "content-type": "Application/Json;charset=utf-8" }, body: BODY };
    assert.equal(single(fromHttp(binary)).mode, "binary");
    assert.equal(single(fromHttp({ headers: { "content-type": "application/vnd.x+json" }, body: BODY })).mode, "bare");
  });

  test("unsupported content types give one header:content-type issue naming the supported types (415)", () => {
    for (const type of [
      "text/plain",
      "application/xml",
      "application/cloudevents+avro",
      "application/json; charset=iso-8859-1",
      "nonsense",
    ]) {
      const result = fromHttp({ headers: { "content-type": type }, body: BODY });
      assert.equal(result.ok, false, type);
      assert.deepEqual(paths(result), ["header:content-type"], type);
      assert.ok(isUnsupportedMediaType(result.issues), type);
      assert.match(result.issues[0]?.message ?? "", /application\/cloudevents\+json.*application\/json/);
    }
    const missing = fromHttp({ headers: {}, body: BODY });
    assert.ok(isUnsupportedMediaType(missing.issues));
    assert.match(missing.issues[0]?.message ?? "", /missing content-type/);
  });

  test("binary mode without content-type is read as JSON; other failures are not 415", () => {
    const { "content-type": _, ...headers } = BINARY;
    const decoded = single(fromHttp({ headers, body: BODY }));
    assert.equal(decoded.cloudEvent.datacontenttype, undefined);
    assert.equal(isUnsupportedMediaType(fromHttp({ headers: BINARY, body: "{" }).issues), false);
  });

  test("bare CDEvent JSON: CloudEvent view from the body; an envelope sent as application/json is recognised", () => {
    const bare = single(fromHttp({ headers: { "content-type": "application/json" }, body: BODY }));
    assert.equal(bare.mode, "bare");
    assert.deepEqual(bare.cloudEvent, toCloudEvent(bare.cdevent));
    const sniffed = single(
      fromHttp({ headers: { "content-type": "application/json" }, body: JSON.stringify(ENVELOPE) }),
    );
    assert.equal(sniffed.mode, "structured");
    const nameless = fromHttp({ headers: { "content-type": "application/json" }, body: '{"context":{},"subject":{}}' });
    assert.deepEqual(paths(nameless), ["/context/id", "/context/source", "/context/type"]);
    assert.deepEqual(paths(fromHttp({ headers: { "content-type": "application/json" }, body: "[1]" })), [""]);
  });
});

describe("headers", () => {
  test("header names in any case; Headers objects; Node-style records with arrays and undefined", () => {
    const upper = Object.fromEntries(Object.entries(BINARY).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(single(fromHttp({ headers: upper, body: BODY })).cloudEvent.id, "271069a8");
    assert.equal(single(fromHttp({ headers: new Headers(BINARY), body: BODY })).mode, "binary");
    const node = { ...BINARY, "x-forwarded-for": ["a", "b"], "x-none": undefined };
    assert.equal(single(fromHttp({ headers: node, body: new TextEncoder().encode(BODY) })).mode, "binary");
  });

  test("missing required attributes in binary mode", () => {
    const { "ce-id": _, ...noId } = BINARY;
    const result = fromHttp({ headers: noId, body: BODY });
    assert.deepEqual(paths(result), ["header:ce-id"]);
    assert.deepEqual([result.value, result.failed], [[], [0]]);
    const { "ce-specversion": __, ...noVersion } = BINARY;
    assert.deepEqual(paths(fromHttp({ headers: noVersion, body: BODY })), ["header:ce-specversion"]);
    assert.deepEqual(paths(fromHttp({ headers: { ...BINARY, "ce-specversion": "0.3" }, body: BODY })), [
      "header:ce-specversion",
    ]);
  });

  test("percent-encoded values are decoded (upper or lower hex, unnecessary escapes, quoted strings)", () => {
    const e = { ...EVENT, context: { ...EVENT.context, source: "Euro € 😀" } };
    const message = toHttp(e);
    assert.equal(message.headers["ce-source"], "Euro%20%E2%82%AC%20%F0%9F%98%80", "the binding's own example");
    for (const raw of [
      "Euro%20%E2%82%AC%20%F0%9F%98%80",
      "Euro%20%e2%82%ac%20%f0%9f%98%80",
      "%45uro%20€ 😀",
      '"Euro € 😀"',
      '  "Euro\\ € 😀"  ',
    ]) {
      assert.equal(
        single(fromHttp({ headers: { ...message.headers, "ce-source": raw }, body: message.body })).cloudEvent.source,
        "Euro € 😀",
        raw,
      );
    }
  });

  test("invalid escapes are kept literally; escaped bytes that are not UTF-8 are rejected", () => {
    for (const literal of ["100%", "%zz", "%4", "a%%20b"]) {
      const e = { ...EVENT, context: { ...EVENT.context, id: literal.replace("%%20", "% ") } };
      const decoded = single(fromHttp({ headers: { ...BINARY, "ce-id": literal }, body: JSON.stringify(e) }));
      assert.equal(decoded.cloudEvent.id, e.context.id, literal);
    }
    for (const bad of ["%C0%A0", "%FF", "%E2%82"]) {
      const result = fromHttp({ headers: { ...BINARY, "ce-id": bad }, body: BODY });
      assert.deepEqual(paths(result), ["header:ce-id"], bad);
      assert.match(result.issues[0]?.message ?? "", /not valid UTF-8/);
    }
  });

  test("extensions: ce-* headers that are not context attributes; invalid names rejected", () => {
    const decoded = single(fromHttp({ headers: { ...BINARY, "Ce-PartitionKey": "k%201" }, body: BODY }));
    assert.deepEqual(decoded.cloudEvent.extensions, { partitionkey: "k 1" });
    assert.deepEqual(paths(fromHttp({ headers: { ...BINARY, "ce-bad_name": "x" }, body: BODY })), [
      "header:ce-bad_name",
    ]);
  });
});

describe("attributes disagreeing with the body", () => {
  const cases = [
    ["ce-id", "other", "/context/id"],
    ["ce-source", "/other", "/context/source"],
    ["ce-type", "dev.cdevents.other.0.1.0", "/context/type"],
    ["ce-subject", "other", "/subject/id"],
    ["ce-time", "2023-03-20T14:27:06Z", "/context/timestamp"],
  ] as const;
  for (const [header, value, pointer] of cases) {
    test(`${header} vs ${pointer}`, () => {
      const result = fromHttp({ headers: { ...BINARY, [header]: value }, body: BODY });
      assert.equal(result.issues[0]?.code, "binding");
      assert.deepEqual(paths(result), [`header:${header}`]);
      assert.ok(result.issues[0]?.message.includes(pointer));
      const env = fromHttp(structured({ ...ENVELOPE, [header.slice(3)]: value }));
      assert.deepEqual(paths(env), [`/${header.slice(3)}`]);
    });
  }

  test("time agrees when it names the same instant, possibly truncated, in any offset", () => {
    for (const time of [
      "2023-03-20T14:27:05.315Z",
      "2023-03-20T14:27:05Z",
      "2023-03-20T15:27:05.315384+01:00",
      "2023-03-20t14:27:05.3153840z",
    ]) {
      const decoded = single(fromHttp({ headers: { ...BINARY, "ce-time": time }, body: BODY }));
      assert.equal(decoded.cloudEvent.time, time, "the CloudEvent view keeps the header verbatim");
      assert.equal((decoded.cdevent.context as { timestamp: string }).timestamp, EVENT.context.timestamp);
    }
    assert.equal(fromHttp({ headers: { ...BINARY, "ce-time": "2023-03-20T14:27:05.316Z" }, body: BODY }).ok, false);
  });

  test("absent subject or time are not invented", () => {
    const { "ce-time": _, "ce-subject": __, ...headers } = BINARY;
    const decoded = single(fromHttp({ headers, body: BODY }));
    assert.equal("time" in decoded.cloudEvent, false);
    assert.equal("subject" in decoded.cloudEvent, false);
  });
});

describe("structured envelopes", () => {
  test("data as base64, as a JSON string, or missing", () => {
    const { data, ...rest } = ENVELOPE;
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(data))));
    assert.deepEqual(single(fromHttp(structured({ ...rest, data_base64: b64 }))).cdevent, EVENT);
    assert.deepEqual(single(fromHttp(structured({ ...rest, data: JSON.stringify(data) }))).cdevent, EVENT);
    assert.deepEqual(paths(fromHttp(structured(rest))), ["/data"]);
    assert.deepEqual(paths(fromHttp(structured({ ...rest, data_base64: "!!" }))), ["/data_base64"]);
    assert.deepEqual(paths(fromHttp(structured({ ...rest, data: "{x" }))), ["/data"]);
    assert.equal(fromHttp(structured({ ...rest, data: "{x" })).issues[0]?.code, "json_syntax");
  });

  test("attribute and extension types are checked", () => {
    assert.deepEqual(paths(fromHttp(structured({ ...ENVELOPE, specversion: "0.3" }))), ["/specversion"]);
    assert.deepEqual(paths(fromHttp(structured({ ...ENVELOPE, id: 7 }))), ["/id"]);
    assert.deepEqual(paths(fromHttp(structured({ ...ENVELOPE, ext: 1.5, Bad: "x" }))), ["/ext", "/Bad"]);
    assert.deepEqual(paths(fromHttp(structured({ ...ENVELOPE, datacontenttype: "text/xml" }))), ["/datacontenttype"]);
    const typed = single(fromHttp(structured({ ...ENVELOPE, n: 42, b: true, none: null })));
    assert.deepEqual(typed.cloudEvent.extensions, { n: 42, b: true });
  });
});

describe("batches", () => {
  const batch = (entries: unknown[]) => ({
    headers: { "content-type": "application/cloudevents-batch+json; charset=utf-8" },
    body: JSON.stringify(entries),
  });

  test("mixed good and bad entries: the good ones decode with their index, the bad ones are listed", () => {
    const { data: _, ...noData } = ENVELOPE;
    const result = fromHttp(
      batch([
        ENVELOPE,
        noData,
        { ...ENVELOPE, id: "x" },
        42,
        { ...ENVELOPE, id: "271069a8" },
        { ...ENVELOPE, data: [] },
      ]),
    );
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.value.map((e) => e.index),
      [0, 4],
    );
    assert.deepEqual(result.failed, [1, 2, 3, 5]);
    assert.deepEqual(paths(result), ["/1/data", "/2/id", "/3", "/5/data"]);
    assert.ok(result.issues[1]?.message.includes("/2/data/context/id"));
  });

  test("empty batch; non-array body", () => {
    assert.deepEqual(fromHttp(batch([])), { ok: true, value: [], issues: [], failed: [] });
    const notArray = fromHttp({ ...batch([]), body: "{}" });
    assert.deepEqual([paths(notArray), notArray.failed], [[""], []]);
  });
});

describe("JSON syntax errors", () => {
  test("report line, column and offset, in every mode", () => {
    const body = '{\n  "context": {\n    "id": "1",\n  }\n}';
    for (const headers of [
      BINARY,
      { "content-type": "application/cloudevents+json" },
      { "content-type": "application/cloudevents-batch+json" },
      { "content-type": "application/json" },
    ]) {
      const result = fromHttp({ headers, body });
      assert.equal(result.issues.length, 1);
      assert.equal(result.issues[0]?.code, "json_syntax");
      assert.equal(result.issues[0]?.path, "/context", "the object being read when the syntax broke");
      assert.match(result.issues[0]?.message ?? "", /line 4, column 3 \(offset 34\)/);
    }
  });

  test("empty bodies, invalid UTF-8 and a byte order mark", () => {
    assert.match(fromHttp({ headers: BINARY, body: "" }).issues[0]?.message ?? "", /empty/);
    const bad = fromHttp({ headers: BINARY, body: Uint8Array.of(0x7b, 0xff, 0x7d) });
    assert.equal(bad.issues[0]?.code, "json_syntax");
    assert.equal(single(fromHttp({ headers: BINARY, body: `\ufeff${BODY}` })).cloudEvent.id, "271069a8");
  });
});

describe("encoding", () => {
  test("binary headers: ce-time always, verbatim; dataschema and extensions", () => {
    const e = { ...EVENT, context: { ...EVENT.context, timestamp: "2023-03-20T16:27:05.315384123+02:00" } };
    const { headers } = toHttp(e, {
      dataschema: "https://cdevents.dev/0.5.1/schema/pipelinerun-queued-event",
      extensions: { partitionkey: "p", n: 3, b: false },
    });
    assert.equal(headers["ce-time"], "2023-03-20T16:27:05.315384123+02:00");
    assert.equal(headers["ce-dataschema"], "https://cdevents.dev/0.5.1/schema/pipelinerun-queued-event");
    assert.deepEqual([headers["ce-partitionkey"], headers["ce-n"], headers["ce-b"]], ["p", "3", "false"]);
  });

  test("refuses CDEvents the binding cannot express, and invalid extensions", () => {
    const noTime = { ...EVENT, context: { ...EVENT.context, timestamp: undefined } };
    assert.throws(
      () => toHttp(noTime as never),
      (e) => isCDEventsError(e) && e.issues[0]?.path === "/context/timestamp",
    );
    assert.throws(() => toHttp(EVENT, { extensions: { Bad: "x" } }), isCDEventsError);
    assert.throws(() => toHttp(EVENT, { extensions: { id: "x" } }), isCDEventsError);
    assert.throws(() => toHttp(EVENT, { extensions: { n: 1.5 } }), isCDEventsError);
    assert.throws(() => encodeHttp({ ...toCloudEvent(EVENT), id: "" }, "structured"), isCDEventsError);
    assert.throws(() => toHttp({ ...EVENT, subject: { id: "\ud800" } }), isCDEventsError);
  });

  test("fromCloudEvent reports against /<attribute> and /data by default", () => {
    const ce = { ...toCloudEvent(EVENT), id: "other" };
    const result = fromCloudEvent(ce);
    assert.deepEqual(result.ok ? [] : result.issues.map((i) => i.path), ["/id"]);
    assert.deepEqual(fromCloudEvent({ ...ce, data: "[" }).ok, false);
  });

  test("HttpDecodeResult is a Result of decoded events", () => {
    const asResult: Result<readonly DecodedEvent[]> = fromHttp({ headers: BINARY, body: BODY });
    assert.equal(asResult.ok, true);
  });
});
