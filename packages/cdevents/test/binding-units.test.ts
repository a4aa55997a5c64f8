/** Unit tests of the wire layer's helpers: percent-encoding, time agreement, JSON error positions, media types. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseJson } from "../src/binding/json.ts";
import { contentKind, parseMediaType } from "../src/binding/media-type.ts";
import { readHeaders } from "../src/binding/message.ts";
import { percentDecode, percentEncode } from "../src/binding/percent.ts";
import { timesAgree } from "../src/binding/time.ts";
import { wildText } from "./binding-arbitraries.ts";

test("percentEncode: the binding's example, and only the characters it names", () => {
  assert.equal(percentEncode("Euro € 😀"), "Euro%20%E2%82%AC%20%F0%9F%98%80");
  assert.equal(percentEncode('a"b%c'), "a%22b%25c");
  assert.equal(percentEncode("\u0000\u001f\u007f\u0080"), "%00%1F%7F%C2%80");
  const printable = "!#$&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~";
  assert.equal(percentEncode(printable), printable);
});

test("percentDecode ∘ percentEncode is the identity on well-formed strings", () => {
  fc.assert(
    fc.property(fc.oneof(wildText, fc.string({ unit: "binary" })), (s) => {
      assert.deepEqual(percentDecode(percentEncode(s)), { ok: true, value: s });
    }),
    { numRuns: 500 },
  );
});

test("percentDecode keeps U+FEFF, at the start of a value and of an escape run (fast-check seed 395175449)", () => {
  assert.deepEqual(percentDecode("%EF%BB%BF%00%20"), { ok: true, value: "\uFEFF\u0000 " });
  assert.deepEqual(percentDecode("a%EF%BB%BFb"), { ok: true, value: "a\uFEFFb" });
  assert.deepEqual(percentDecode(percentEncode("\uFEFF")), { ok: true, value: "\uFEFF" });
});

test("readHeaders keeps U+FEFF at the start of a header value given as bytes", () => {
  const r = readHeaders({ "CE-Type": new TextEncoder().encode("\uFEFFx") });
  assert.deepEqual(r, { ok: true, value: new Map([["ce-type", "\uFEFFx"]]) });
});

test("percentDecode is lenient with malformed escapes and strict with malformed UTF-8", () => {
  assert.deepEqual(percentDecode("%zz%4%"), { ok: true, value: "%zz%4%" });
  assert.deepEqual(percentDecode("%41%e2%82%ac"), { ok: true, value: "A€" });
  assert.deepEqual(percentDecode('"a\\"b"'), { ok: true, value: 'a"b' });
  assert.equal(percentDecode("%C0%A0").ok, false, "overlong encoding of space");
  assert.equal(percentDecode("%ED%A0%80").ok, false, "an encoded surrogate");
});

test("timesAgree: same instant with truncation, offsets and case; otherwise not", () => {
  const t = "2023-03-20T14:27:05.315384Z";
  for (const same of [
    t,
    "2023-03-20T14:27:05.315Z",
    "2023-03-20T14:27:05Z",
    "2023-03-20T09:57:05.3153840-04:30",
    "2023-03-20t14:27:05.315384z",
  ]) {
    assert.equal(timesAgree(same, t), true, same);
    assert.equal(timesAgree(t, same), true, same);
  }
  for (const other of [
    "2023-03-20T14:27:05.316Z",
    "2023-03-20T14:27:06Z",
    "2023-03-20T14:27:05.315384+01:00",
    "yesterday",
  ]) {
    assert.equal(timesAgree(other, t), false, other);
  }
  assert.equal(timesAgree("0099-12-31T23:59:59Z", "0100-01-01T00:59:59+01:00"), true, "years before 100");
  assert.equal(timesAgree("not a time", "not a time"), true, "identical strings always agree");
});

test("parseJson: positions of syntax errors regardless of the engine's wording", () => {
  // [text, message part, member path under the prefix]
  const cases: [string, string, string][] = [
    ["x", "line 1, column 1 (offset 0): expected a JSON value", ""],
    ["[1,]", "line 1, column 4 (offset 3): expected a JSON value", "/1"],
    ['{"a" 1}', "line 1, column 6 (offset 5): expected ':'", "/a"],
    ['{"a":1 "b":2}', "line 1, column 8 (offset 7): expected ',' or '}'", "/a"],
    ['"ab\u0001"', "line 1, column 4 (offset 3): expected a valid string", ""],
    ['"\\x"', "line 1, column 2 (offset 1): expected a valid string", ""],
    ["{}\n{}", "line 2, column 1 (offset 3): expected end of input", ""],
    ["[1, 2", "line 1, column 6 (offset 5): expected ',' or ']'", "/1"],
    ["01", "line 1, column 2 (offset 1): expected end of input", ""],
    ['{"context": {"id": }}', "line 1, column 20 (offset 19): expected a JSON value", "/context/id"],
  ];
  for (const [text, expected, member] of cases) {
    const result = parseJson(text, "/p");
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.equal(result.issues[0]?.code, "json_syntax");
    assert.equal(result.issues[0]?.path, `/p${member}`, text);
    assert.ok(result.issues[0]?.message.includes(expected), `${text}: ${result.issues[0]?.message}`);
  }
});

test("the JSON error scanner never errs on valid JSON and locates every invalid prefix", () => {
  fc.assert(
    fc.property(fc.json(), fc.nat(), (text, cut) => {
      assert.equal(parseJson(text, "").ok, true);
      const truncated = text.slice(0, cut % text.length);
      const result = parseJson(truncated, "");
      let valid = true;
      try {
        JSON.parse(truncated);
      } catch {
        valid = false;
      }
      assert.equal(result.ok, valid);
      if (!result.ok && truncated.trim() !== "")
        assert.match(result.issues[0]?.message ?? "", /at line \d+, column \d+/);
    }),
    { numRuns: 500 },
  );
});

test("media types: case, parameters, classification", () => {
  assert.deepEqual(parseMediaType(' Application/CloudEvents+JSON ; Charset="UTF-8" ; q'), {
    essence: "application/cloudevents+json",
    params: Object.assign(Object.create(null), { charset: "UTF-8" }),
  });
  assert.equal(parseMediaType("json"), undefined);
  const kinds = [
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
    "application/json",
    "application/ld+json",
    "text/json",
    "application/cloudevents",
    "application/json; charset=latin1",
  ].map((t) => contentKind(t).kind);
  assert.deepEqual(kinds, ["structured", "batch", "json", "json", "unsupported", "unsupported", "unsupported"]);
  assert.equal(contentKind(undefined).kind, "absent");
});
