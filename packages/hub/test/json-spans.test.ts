import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { elementSpans, memberSpan } from "../src/ingest/json-spans.ts";

// JSON text of a value with random whitespace between tokens (JSON.stringify with an indent, or none).
const jsonText = (indent: number) => fc.jsonValue().map((v) => JSON.stringify(v, null, indent));

describe("json spans", () => {
  it("finds the exact text of a member, whatever the value and spacing", () => {
    fc.assert(
      fc.property(jsonText(0), jsonText(2), fc.string(), fc.constantFrom("", " ", "\n\t "), (before, data, key, ws) => {
        const text = `{${ws}${JSON.stringify(key)}${ws}:${ws}${before}${ws},${ws}"data"${ws}:${ws}${data}${ws}}`;
        const span = memberSpan(text, 0, "data");
        assert.ok(span);
        assert.equal(text.slice(span.start, span.end), data);
      }),
    );
  });

  it("keeps the last of repeated members, as JSON.parse does", () => {
    const text = '{"data": 1, "data": {"a": "}"}}';
    const span = memberSpan(text, 0, "data");
    assert.equal(span && text.slice(span.start, span.end), '{"a": "}"}');
  });

  it("matches escaped member names", () => {
    const text = '{"d\\u0061ta": [1]}';
    const span = memberSpan(text, 0, "data");
    assert.equal(span && text.slice(span.start, span.end), "[1]");
  });

  it("splits an array into the exact text of its elements", () => {
    fc.assert(
      fc.property(fc.array(jsonText(1)), fc.constantFrom("", " ", "\r\n"), (items, ws) => {
        const text = `${ws}[${ws}${items.join(`${ws},${ws}`)}${ws}]${ws}`;
        const spans = elementSpans(text);
        assert.ok(spans);
        assert.deepEqual(
          spans.map((s) => text.slice(s.start, s.end)),
          items,
        );
      }),
    );
  });

  it("locates each object element's member in the same walk, as memberSpan finds it", () => {
    const element = fc.oneof(
      jsonText(0),
      fc
        .tuple(fc.dictionary(fc.string(), jsonText(1)), jsonText(2))
        .map(([members, data]) => JSON.stringify({ ...members, data: JSON.parse(data) }, null, 1)),
    );
    fc.assert(
      fc.property(fc.array(element), fc.constantFrom("", " ", "\n"), (items, ws) => {
        const text = `[${ws}${items.join(`${ws},${ws}`)}${ws}]`;
        const spans = elementSpans(text, "data");
        assert.ok(spans);
        assert.deepEqual(
          spans.map((s) => text.slice(s.start, s.end)),
          items,
        );
        for (const s of spans) {
          const alone = memberSpan(text, s.start, "data");
          assert.deepEqual(s.member, alone);
        }
      }),
    );
  });

  it("says null for what is not an object or array", () => {
    assert.equal(memberSpan("[1]", 0, "data"), null);
    assert.equal(elementSpans('{"a":1}'), null);
  });
});
