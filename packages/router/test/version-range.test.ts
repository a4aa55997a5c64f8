/**
 * The version ranges of the `cdevents` dialect: the supported subset of npm semver ranges, errors with positions,
 * and properties against direct comparisons.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareVersions, parseVersion, type Version } from "@cairn/cdevents";
import fc from "fast-check";
import { parseVersionRange, satisfies } from "../src/index.ts";

function sat(range: string, version: string): boolean {
  const r = parseVersionRange(range);
  assert.ok(r.ok, r.ok ? "" : `${r.message} at ${r.offset}`);
  const v = parseVersion(version);
  assert.ok(v);
  return satisfies(r.range, v);
}

describe("the supported grammar", () => {
  const table: [string, string[], string[]][] = [
    ["*", ["0.0.0", "0.3.0", "9.9.9"], ["0.6.0-draft"]],
    ["", ["0.1.0"], []],
    ["x", ["1.2.3"], []],
    ["0.x", ["0.0.0", "0.9.12"], ["1.0.0"]],
    ["0", ["0.5.0"], ["1.0.0"]],
    ["0.3", ["0.3.0", "0.3.7"], ["0.2.9", "0.4.0"]],
    ["0.3.x", ["0.3.1"], ["0.4.0"]],
    ["0.3.1", ["0.3.1"], ["0.3.0", "0.3.2"]],
    ["=0.3.1", ["0.3.1"], ["0.3.2"]],
    ["^0.3", ["0.3.0", "0.3.9"], ["0.4.0", "0.2.9"]],
    ["^0.3.2", ["0.3.2", "0.3.9"], ["0.3.1", "0.4.0"]],
    ["^0.0.3", ["0.0.3"], ["0.0.4"]],
    ["^0.0", ["0.0.9"], ["0.1.0"]],
    ["^1.2", ["1.2.0", "1.9.0"], ["2.0.0", "1.1.9"]],
    ["^0", ["0.9.9"], ["1.0.0"]],
    ["~0.3.1", ["0.3.1", "0.3.9"], ["0.4.0", "0.3.0"]],
    ["~1", ["1.9.9"], ["2.0.0"]],
    [">=0.2.0 <1.0.0", ["0.2.0", "0.99.0"], ["0.1.9", "1.0.0"]],
    [">0.2", ["0.3.0"], ["0.2.9"]],
    [">0", ["1.0.0"], ["0.9.9"]],
    [">0.2.0", ["0.2.1"], ["0.2.0"]],
    ["<=0.2", ["0.2.9"], ["0.3.0"]],
    ["<=1", ["1.9.9"], ["2.0.0"]],
    ["<=0.2.1", ["0.2.1"], ["0.2.2"]],
    ["<0.3", ["0.2.9"], ["0.3.0"]],
    [">= 0.2.0  < 0.4.0", ["0.3.0"], ["0.4.0"]],
    ["0.1.x || ^0.3 || 1.0.0", ["0.1.5", "0.3.2", "1.0.0"], ["0.2.0", "1.0.1"]],
    ["<*", [], ["0.0.0"]],
    [">*", [], ["0.0.0", "5.0.0"]],
    [">=0.6.0-draft", ["0.6.0-draft", "0.6.0", "0.7.0"], ["0.7.0-draft"]],
  ];
  for (const [range, yes, no] of table)
    test(`"${range}"`, () => {
      for (const v of yes) assert.equal(sat(range, v), true, `${v} satisfies ${range}`);
      for (const v of no) assert.equal(sat(range, v), false, `${v} does not satisfy ${range}`);
    });
});

describe("errors", () => {
  for (const [range, offset, pattern] of [
    ["banana", 0, /expected a version number/],
    [">=0.2.0 <", 9, /found the end/],
    ["0.2.0 ||| 1", 8, /unexpected|expected/],
    ["01.2", 1, /leading zeros/],
    ["0.x-draft", 3, /pre-release needs a full version/],
    ["1.2-beta", 3, /pre-release needs a full version/],
    ["0.x.0-beta", 0, /pre-release needs a full version/],
    ["1.2.3 - 2.0.0", 6, /expected a version number/],
  ] as const)
    test(`"${range}" is refused at ${offset}`, () => {
      const r = parseVersionRange(range);
      assert.ok(!r.ok);
      assert.equal(r.offset, offset, r.message);
      assert.match(r.message, pattern);
    });
});

describe("properties", () => {
  const version = fc
    .record({
      major: fc.nat(3),
      minor: fc.nat(4),
      patch: fc.nat(4),
      pre: fc.constantFrom("", "", "", "draft", "rc.1"),
    })
    .map((v): Version => v);
  const text = (v: Version) => `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}`;
  const release = version.map((v) => ({ ...v, pre: "" }));

  test(">=a <b is exactly a ≤ v < b for releases", () => {
    fc.assert(
      fc.property(release, release, release, (a, b, v) => {
        const r = parseVersionRange(`>=${text(a)} <${text(b)}`);
        assert.ok(r.ok);
        assert.equal(satisfies(r.range, v), compareVersions(a, v) <= 0 && compareVersions(v, b) < 0);
      }),
    );
  });

  test("an exact version matches only itself; || is a union", () => {
    fc.assert(
      fc.property(version, version, version, (a, b, v) => {
        const one = parseVersionRange(text(a));
        const both = parseVersionRange(`${text(a)} || ${text(b)}`);
        assert.ok(one.ok && both.ok);
        assert.equal(satisfies(one.range, v), compareVersions(a, v) === 0);
        assert.equal(satisfies(both.range, v), compareVersions(a, v) === 0 || compareVersions(b, v) === 0);
      }),
    );
  });

  test("parsing never throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789.xX*^~<>=| -abc") }), (s) => {
        parseVersionRange(s);
      }),
    );
  });
});
