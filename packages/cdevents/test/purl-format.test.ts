import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isPurl } from "../src/schema/formats.ts";

/**
 * The Package URL check as first written, with slices and regular expressions: the one-pass scanner must agree
 * with it on every string.
 */
function referenceIsPurl(s: string): boolean {
  const type = /^[a-zA-Z.+-][a-zA-Z0-9.+-]*$/;
  const key = /^[a-zA-Z.\-_][a-zA-Z0-9.\-_]*$/;
  if (s.length < 6 || s.slice(0, 4).toLowerCase() !== "pkg:" || !/^(?:[^\s%]|%[0-9a-fA-F]{2})*$/.test(s)) return false;
  let rest = s.slice(4).replace(/^\/+/, "");
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split("&")) {
      const eq = pair.indexOf("=");
      if (eq <= 0 || eq === pair.length - 1 || !key.test(pair.slice(0, eq))) return false;
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf("/");
  if (slash <= 0 || !type.test(rest.slice(0, slash))) return false;
  let path = rest.slice(slash + 1);
  const at = path.lastIndexOf("@");
  if (at >= 0) {
    if (at === path.length - 1) return false;
    path = path.slice(0, at);
  }
  const name = path.replace(/\/+$/, "").split("/").pop();
  return name !== undefined && name.length > 0;
}

// Purl-shaped strings whose parts draw on the characters that matter to the structure, so that valid and nearly
// valid ones are both common.
const word = (chars: string[], minLength: number) =>
  fc.array(fc.constantFrom(...chars), { minLength, maxLength: 5 }).map((xs) => xs.join(""));
const part = fc.oneof(
  { arbitrary: word(["a", "Z", "0", "9", ".", "-", "+", "_", "%2F"], 1), weight: 4 },
  { arbitrary: word(["a", "0", "-", "%z", "%", "@", "/", "=", "&", "?", "#", " ", "\u00a0", "é"], 0), weight: 1 },
);
const optional = (a: fc.Arbitrary<string>) => fc.option(a, { nil: "" });
const purlish = fc
  .tuple(
    fc.constantFrom("pkg:", "PKG:", "pkg:/", "pkg://", "pk:", "pkg", "p\u212ag:"),
    part,
    fc.constantFrom("/", "", "//"),
    part,
    fc.constantFrom("", "/", "//"),
    part,
    optional(part.map((v) => `@${v}`)),
    optional(
      fc
        .array(
          fc.tuple(part, fc.constantFrom("=", ""), part).map((kv) => kv.join("")),
          { maxLength: 3 },
        )
        .map((pairs) => `?${pairs.join("&")}`),
    ),
    optional(part.map((v) => `#${v}`)),
  )
  .map((parts) => parts.join(""));

describe("isPurl", () => {
  it("accepts Package URLs and refuses what is not one", () => {
    for (const ok of [
      "pkg:oci/myapp@sha256%3Aabc",
      "pkg:npm/%40cairn/cdevents@1.0.0",
      "pkg:generic/cairn@1.0.0?arch=x86_64&os=linux#bin/cairn",
      "pkg://golang/github.com/x/y",
      "PKG:maven/org.example/app/",
    ])
      assert.equal(isPurl(ok), true, ok);
    for (const bad of [
      "",
      "pkg:",
      "pkg:oci",
      "pkg:/name",
      "pkg:oci/",
      "pkg:oci/name@",
      "pkg:oci/na me",
      "pkg:oci/name%zz",
      "pkg:oci/name?",
      "pkg:oci/name?a",
      "pkg:oci/name?a=",
      "pkg:oci/name?=b",
      "pkg:oci/name?a=b&",
      "pkg:1oci/name",
      "docker:oci/name",
    ])
      assert.equal(isPurl(bad), false, bad);
  });

  it("property: agrees with the expression-based check on any string", () => {
    fc.assert(
      fc.property(fc.oneof(purlish, fc.string({ unit: "binary" }), fc.string()), (s) => {
        assert.equal(isPurl(s), referenceIsPurl(s), JSON.stringify(s));
      }),
      { numRuns: 20_000 },
    );
  });
});
