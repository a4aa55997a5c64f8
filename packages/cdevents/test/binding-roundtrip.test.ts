/**
 * Property tests: every binding gives back the CDEvent it was given (deep-equal after JSON) and a CloudEvent whose
 * attributes repeat the CDEvent's context; conversions between modes through the decoded CloudEvent lose nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { CloudEvent } from "../src/binding/cloudevent.ts";
import { encodeKafka, encodeNats, fromKafka, fromNats, toKafka, toNats } from "../src/binding/headers.ts";
import { encodeHttp, fromHttp, JSON_UTF8, toHttp, toHttpBatch } from "../src/binding/http.ts";
import type { DecodedEvent } from "../src/binding/message.ts";
import {
  cdevent,
  dataschema,
  type GeneratedEvent,
  stringExtensions,
  typedExtensions,
  wire,
} from "./binding-arbitraries.ts";

const RUNS = { numRuns: 300 };
/** Printable ASCII without space, `"` and `%`, except `%` starting an upper-case `%XX` escape. */
const HEADER_SAFE = /^[\x21\x23\x24\x26-\x7e]*(?:%[0-9A-F]{2}[\x21\x23\x24\x26-\x7e]*)*$/;

function only(result: { ok: boolean; value?: unknown; issues?: unknown }): DecodedEvent {
  assert.equal(result.ok, true, JSON.stringify(result.issues));
  const value = result.value as DecodedEvent | readonly DecodedEvent[];
  if (!Array.isArray(value)) return value as DecodedEvent;
  assert.equal(value.length, 1);
  return value[0] as DecodedEvent;
}

/** The CloudEvent attributes a CDEvent implies. */
function expectAttributes(ce: CloudEvent, e: GeneratedEvent, extensions: object, schema: string | undefined): void {
  assert.equal(ce.specversion, "1.0");
  assert.equal(ce.id, e.context.id);
  assert.equal(ce.source, e.context.source);
  assert.equal(ce.type, e.context.type);
  assert.equal(ce.subject, e.subject.id);
  assert.equal(ce.time, e.context.timestamp, "time is context.timestamp verbatim");
  assert.equal(ce.dataschema, schema);
  assert.deepEqual(ce.extensions, { ...extensions });
}

function check(decoded: DecodedEvent, e: GeneratedEvent, extensions: object, schema: string | undefined): void {
  assert.deepEqual(decoded.cdevent, wire(e));
  assert.equal(decoded.cloudEvent.data, decoded.cdevent);
  expectAttributes(decoded.cloudEvent, e, extensions, schema);
}

const opts = (extensions: object, schema: string | undefined) => ({
  extensions: extensions as Record<string, string>,
  ...(schema === undefined ? {} : { dataschema: schema }),
});

test("HTTP binary: encode → decode gives the CDEvent and its attributes back", () => {
  fc.assert(
    fc.property(cdevent, stringExtensions, dataschema, (e, ext, schema) => {
      const message = toHttp(e, { mode: "binary", ...opts(ext, schema) });
      assert.equal(message.headers["content-type"], JSON_UTF8);
      for (const [name, value] of Object.entries(message.headers)) {
        if (name.startsWith("ce-")) assert.match(value, HEADER_SAFE, `${name} is printable ASCII, escapes well-formed`);
      }
      const decoded = only(fromHttp(message));
      assert.equal(decoded.mode, "binary");
      assert.equal(decoded.cloudEvent.datacontenttype, JSON_UTF8);
      check(decoded, e, ext, schema);
    }),
    RUNS,
  );
});

test("HTTP structured: encode → decode keeps typed extensions", () => {
  fc.assert(
    fc.property(cdevent, typedExtensions, dataschema, (e, ext, schema) => {
      const decoded = only(fromHttp(toHttp(e, { mode: "structured", ...opts(ext, schema) })));
      assert.equal(decoded.mode, "structured");
      assert.equal(decoded.cloudEvent.datacontenttype, "application/json");
      check(decoded, e, ext, schema);
    }),
    RUNS,
  );
});

test("HTTP batch: every entry comes back, in order, with its index", () => {
  fc.assert(
    fc.property(fc.array(cdevent, { maxLength: 5 }), typedExtensions, (events, ext) => {
      const result = fromHttp(toHttpBatch(events, { extensions: ext }));
      assert.equal(result.ok, true, JSON.stringify(result.issues));
      assert.equal(result.value.length, events.length);
      result.value.forEach((d, i) => {
        assert.equal(d.index, i);
        assert.equal(d.mode, "batch");
        check(d, events[i] as GeneratedEvent, ext, undefined);
      });
    }),
    { numRuns: 100 },
  );
});

test("Kafka binary and structured: encode → decode, key from partitionkey", () => {
  fc.assert(
    fc.property(cdevent, stringExtensions, dataschema, fc.boolean(), (e, ext, schema, structured) => {
      const message = toKafka(e, { mode: structured ? "structured" : "binary", ...opts(ext, schema) });
      assert.equal(message.key, ext.partitionkey);
      const decoded = only(fromKafka(message));
      assert.equal(decoded.mode, structured ? "structured" : "binary");
      check(decoded, e, ext, schema);
      // Kafka header values are UTF-8 bytes: decoding from Uint8Array headers and value gives the same.
      const utf8 = new TextEncoder();
      const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, utf8.encode(v)]));
      const fromBytes = only(fromKafka({ headers, value: utf8.encode(message.value) }));
      assert.deepEqual(fromBytes, decoded);
    }),
    RUNS,
  );
});

test("NATS binary and structured: encode → decode", () => {
  fc.assert(
    fc.property(cdevent, stringExtensions, dataschema, fc.boolean(), (e, ext, schema, structured) => {
      const decoded = only(fromNats(toNats(e, { mode: structured ? "structured" : "binary", ...opts(ext, schema) })));
      assert.equal(decoded.mode, structured ? "structured" : "binary");
      assert.equal(decoded.cloudEvent.datacontenttype, "application/json");
      check(decoded, e, ext, schema);
    }),
    RUNS,
  );
});

test("binary ⇄ structured through the decoded CloudEvent is lossless (HTTP, Kafka, NATS)", () => {
  fc.assert(
    fc.property(cdevent, stringExtensions, dataschema, (e, ext, schema) => {
      const binary = toHttp(e, opts(ext, schema));
      const ce1 = only(fromHttp(binary)).cloudEvent;
      const ce2 = only(fromHttp(encodeHttp(ce1, "structured"))).cloudEvent;
      assert.deepEqual(ce2, ce1);
      assert.deepEqual(encodeHttp(ce2, "binary"), binary, "the binary message is rebuilt byte for byte");
      const structured = toHttp(e, { mode: "structured", ...opts(ext, schema) });
      const s1 = only(fromHttp(structured)).cloudEvent;
      const s2 = only(fromHttp(encodeHttp(s1, "binary"))).cloudEvent;
      assert.deepEqual(s2, s1);
      assert.deepEqual(encodeHttp(s2, "structured"), structured);
      for (const mode of ["binary", "structured"] as const) {
        assert.deepEqual(only(fromKafka(encodeKafka(s1, { mode }))).cloudEvent, s1);
        assert.deepEqual(only(fromNats(encodeNats(s1, mode))).cloudEvent, s1);
      }
    }),
    RUNS,
  );
});

test("bare CDEvent JSON: the CloudEvent view is built from the body", () => {
  fc.assert(
    fc.property(cdevent, (e) => {
      const body = JSON.stringify(e);
      for (const decoded of [
        only(fromHttp({ headers: { "Content-Type": "application/json" }, body })),
        only(fromKafka({ value: body })),
        only(fromNats({ data: new TextEncoder().encode(body) })),
      ]) {
        assert.equal(decoded.mode, "bare");
        check(decoded, e, {}, undefined);
      }
    }),
    { numRuns: 100 },
  );
});
