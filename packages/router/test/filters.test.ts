/**
 * Filters: every dialect, nesting, missing and non-string attributes, the `cdevents` dialect across versions, and
 * fail-closed evaluation (CESQL errors never let an event through, not even under `not`).
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileFilters } from "../src/index.ts";
import { ce, filters, passes, where } from "./helpers.ts";

const BUILD = "dev.cdevents.build.finished.0.2.0";

describe("exact, prefix, suffix", () => {
  test("exact: every entry must equal, case-sensitively", () => {
    const f = [{ exact: { type: BUILD, source: "https://ci.example/jobs" } }];
    assert.equal(passes(f, ce(BUILD)), true);
    assert.equal(passes(f, ce(BUILD, { source: "https://ci.example/Jobs" })), false);
    assert.equal(passes(f, ce("dev.cdevents.build.finished.0.2.1")), false);
  });

  test("prefix and suffix", () => {
    assert.equal(passes([{ prefix: { type: "dev.cdevents.build." } }], ce(BUILD)), true);
    assert.equal(passes([{ prefix: { type: "dev.cdevents.builds" } }], ce(BUILD)), false);
    assert.equal(passes([{ suffix: { type: ".finished.0.2.0", subject: "1" } }], ce(BUILD)), true);
    assert.equal(passes([{ suffix: { type: ".0.2.0", subject: "2" } }], ce(BUILD)), false);
  });

  test("a missing attribute never matches, whatever the value", () => {
    for (const dialect of ["exact", "prefix", "suffix"]) {
      assert.equal(passes([{ [dialect]: { myext: "a" } }], ce(BUILD)), false, dialect);
      assert.equal(passes([{ [dialect]: { myext: "a" } }], ce(BUILD, { myext: null })), false, dialect);
    }
  });

  test("extensions, including non-string values in their default string form", () => {
    assert.equal(passes([{ exact: { partitionkey: "p1" } }], ce(BUILD, { partitionkey: "p1" })), true);
    assert.equal(passes([{ exact: { sequence: "42" } }], ce(BUILD, { sequence: 42 })), true);
    assert.equal(passes([{ exact: { flag: "true" } }], ce(BUILD, { flag: true })), true);
    assert.equal(passes([{ prefix: { big: "12" } }], ce(BUILD, { big: 123n })), true);
    assert.equal(passes([{ exact: { obj: "[object Object]" } }], ce(BUILD, { obj: {} })), false);
  });

  test("inherited properties are not attributes", () => {
    assert.equal(passes([{ prefix: { constructor: "f" } }], ce(BUILD)), false);
    assert.equal(passes([{ exact: { constructor: "x" } }], ce(BUILD, { constructor: "x" })), true);
  });
});

describe("all, any, not and the implicit AND", () => {
  const isBuild = { prefix: { type: "dev.cdevents.build." } };
  const fromCi = { exact: { source: "https://ci.example/jobs" } };
  const isProd = { suffix: { subject: "prod" } };

  test("an empty filters array passes everything; the array is an AND", () => {
    assert.equal(passes([], ce("anything")), true);
    assert.equal(passes([isBuild, fromCi], ce(BUILD)), true);
    assert.equal(passes([isBuild, isProd], ce(BUILD)), false);
  });

  test("all, any, not", () => {
    assert.equal(passes([{ all: [isBuild, fromCi] }], ce(BUILD)), true);
    assert.equal(passes([{ all: [isBuild, isProd] }], ce(BUILD)), false);
    assert.equal(passes([{ any: [isProd, fromCi] }], ce(BUILD)), true);
    assert.equal(passes([{ any: [isProd, { exact: { type: "x" } }] }], ce(BUILD)), false);
    assert.equal(passes([{ not: isProd }], ce(BUILD)), true);
    assert.equal(passes([{ not: isBuild }], ce(BUILD)), false);
  });

  test("nested: not(any(all(…), …)) and double negation", () => {
    const f = [{ not: { any: [{ all: [isBuild, isProd] }, { exact: { type: "other" } }] } }];
    assert.equal(passes(f, ce(BUILD)), true);
    assert.equal(passes(f, ce(BUILD, { subject: "eu-prod" })), false);
    assert.equal(passes(f, ce("other")), false);
    assert.equal(passes([{ not: { not: isBuild } }], ce(BUILD)), true);
  });

  test("a missing attribute under not: the exact filter is false, so not is true", () => {
    assert.equal(passes([{ not: { exact: { myext: "a" } } }], ce(BUILD)), true);
  });

  test("property: all/any/not agree with the boolean operators over random trees", () => {
    type Tree = { leaf: boolean } | { all: Tree[] } | { any: Tree[] } | { not: Tree };
    const tree = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ leaf: fc.boolean() }),
        fc.record({ all: fc.array(tie("t"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ any: fc.array(tie("t"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie("t") }),
      ),
    })).t;
    const truth = (t: Tree): boolean =>
      "leaf" in t ? t.leaf : "all" in t ? t.all.every(truth) : "any" in t ? t.any.some(truth) : !truth(t.not);
    const toFilter = (t: Tree): unknown =>
      "leaf" in t
        ? { exact: { type: t.leaf ? BUILD : "nope" } }
        : "all" in t
          ? { all: t.all.map(toFilter) }
          : "any" in t
            ? { any: t.any.map(toFilter) }
            : { not: toFilter(t.not) };
    fc.assert(fc.property(tree, (t) => passes([toFilter(t)], ce(BUILD)) === truth(t)));
  });
});

describe("sql (CESQL)", () => {
  test("sql and its alias cesql", () => {
    assert.equal(
      passes([{ sql: "type LIKE 'dev.cdevents.build.%' AND subject = '1'" }], ce(BUILD, { subject: "1" })),
      true,
    );
    assert.equal(
      passes([{ cesql: "type LIKE 'dev.cdevents.build.%' AND subject = '1'" }], ce(BUILD, { subject: "1" })),
      true,
    );
    assert.equal(passes([{ sql: "subject = '1'" }], ce(BUILD, { subject: "2" })), false);
  });

  test("fail closed: a runtime error never matches (division by zero, missing attribute in arithmetic, casts)", () => {
    const event = ce(BUILD, { sequence: 5 });
    assert.equal(passes([{ sql: "1/0 = 0" }], event), false);
    assert.equal(passes([{ sql: "sequence / 0 = 0" }], event), false);
    assert.equal(passes([{ sql: "missing + 1 > 0" }], event), false);
    assert.equal(passes([{ sql: "INT(subject) = 0" }], event), false);
    assert.equal(passes([{ sql: "NOT 10" }], event), false);
    assert.equal(passes([{ sql: "myext" }], ce(BUILD, { myext: "true" })), false, "a String is not a Boolean");
  });

  test("fail closed under not: not of an erroring expression matches nothing", () => {
    const event = ce(BUILD);
    assert.equal(passes([{ not: { sql: "1/0 = 0" } }], event), false);
    assert.equal(passes([{ not: { sql: "missing = 'a'" } }], event), false);
    assert.equal(passes([{ not: { not: { sql: "missing = 'a'" } } }], event), false);
    assert.equal(passes([{ not: { any: [{ sql: "missing = 'a'" }, { exact: { type: "x" } }] } }], event), false);
    // …but a definite answer elsewhere still decides: any(true, error) is true, all(false, error) is false.
    assert.equal(passes([{ any: [{ sql: "missing = 'a'" }, { exact: { type: BUILD } }] }], event), true);
    assert.equal(passes([{ not: { all: [{ sql: "missing = 'a'" }, { exact: { type: "x" } }] } }], event), true);
    // A definite FALSE under not is true.
    assert.equal(passes([{ not: { sql: "subject = 'other'" } }], event), true);
  });

  test("a throwing getter fails closed, inside and outside not", () => {
    const hostile = Object.defineProperty({ ...ce(BUILD) }, "boom", {
      get() {
        throw new Error("no");
      },
      enumerable: true,
    });
    for (const leaf of [{ exact: { boom: "x" } }, { sql: "boom = 'x'" }]) {
      assert.equal(passes([leaf], hostile), false);
      assert.equal(passes([{ not: leaf }], hostile), false);
    }
  });

  test("parse errors carry their position; non-Boolean expressions are refused", () => {
    const r = compileFilters([{ sql: "type = 'a' AND (" }], { path: "/spec/filters" });
    assert.ok(!r.ok);
    assert.deepEqual(where(r.issues), ["/spec/filters/0/sql sql_syntax"]);
    assert.equal(r.issues[0]?.offset, 16);
    const s = compileFilters([{ sql: "'abc'" }]);
    assert.deepEqual(!s.ok && where(s.issues), ["/filters/0/sql sql_not_boolean"]);
  });
});

describe("the cdevents dialect", () => {
  const deployed = (v: string) => ce(`dev.cdevents.service.deployed.${v}`);

  test("subject and predicate across versions; versions as a range", () => {
    const any = [{ cdevents: { subject: "service", predicate: "deployed" } }];
    const zero = [{ cdevents: { subject: "service", predicate: "deployed", versions: "0.x" } }];
    const caret = [{ cdevents: { subject: "service", predicate: "deployed", versions: "^0.2" } }];
    for (const [v, a, z, c] of [
      ["0.1.0", true, true, false],
      ["0.2.0", true, true, true],
      ["0.2.9", true, true, true],
      ["0.3.0", true, true, false],
      ["1.0.0", true, false, false],
    ] as const) {
      assert.equal(passes(any, deployed(v)), a, `any ${v}`);
      assert.equal(passes(zero, deployed(v)), z, `0.x ${v}`);
      assert.equal(passes(caret, deployed(v)), c, `^0.2 ${v}`);
    }
  });

  test("subject only, predicate only, nothing (any standard CDEvent)", () => {
    assert.equal(passes([{ cdevents: { subject: "service" } }], deployed("0.2.0")), true);
    assert.equal(passes([{ cdevents: { subject: "build" } }], deployed("0.2.0")), false);
    assert.equal(passes([{ cdevents: { predicate: "finished" } }], ce(BUILD)), true);
    assert.equal(passes([{ cdevents: { predicate: "finished" } }], deployed("0.2.0")), false);
    assert.equal(passes([{ cdevents: {} }], ce(BUILD)), true);
    assert.equal(passes([{ cdevents: {} }], ce("com.github.push")), false);
    assert.equal(passes([{ cdevents: {} }], ce("dev.cdevents.build.finished.0.2")), false, "no full version");
  });

  test("custom events are named <tool>-<subject>; standard filters do not see them", () => {
    const custom = ce("dev.cdeventsx.mytool-widget.created.0.1.0");
    assert.equal(passes([{ cdevents: { subject: "mytool-widget", predicate: "created" } }], custom), true);
    assert.equal(passes([{ cdevents: { subject: "widget" } }], custom), false);
    assert.equal(passes([{ cdevents: {} }], custom), false);
  });

  test("pre-releases need a pre-release in the range", () => {
    const draft = ce("dev.cdevents.approval.granted.0.1.0-draft");
    assert.equal(passes([{ cdevents: { subject: "approval" } }], draft), true, "no range: any version");
    assert.equal(passes([{ cdevents: { subject: "approval", versions: "0.x" } }], draft), false);
    assert.equal(passes([{ cdevents: { subject: "approval", versions: ">=0.1.0-draft <0.2.0" } }], draft), true);
  });

  test("invalid subject, predicate or range is refused with its position", () => {
    const r = compileFilters([
      { cdevents: { subject: "Service", predicate: "Deployed" } },
      { cdevents: { versions: ">=0.2.0 <=banana" } },
      { cdevents: { subject: 3 } },
    ]);
    assert.ok(!r.ok);
    assert.deepEqual(where(r.issues), [
      "/filters/0/cdevents/subject format",
      "/filters/0/cdevents/predicate format",
      "/filters/1/cdevents/versions version_range",
      "/filters/2/cdevents/subject type",
    ]);
    assert.equal(r.issues[2]?.offset, 10);
    assert.equal(r.issues[2]?.column, 11);
  });
});

describe("validation limits", () => {
  test("nesting deeper than 32 levels is refused", () => {
    let deep: unknown = { exact: { type: "t" } };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    const r = compileFilters([deep]);
    assert.ok(!r.ok);
    assert.equal(r.issues[0]?.code, "range");
    let ok: unknown = { exact: { type: "t" } };
    for (let i = 0; i < 32; i++) ok = { all: [ok] };
    assert.ok(compileFilters([ok]).ok);
  });

  test("filters must be an array of objects", () => {
    const notArray = compileFilters({});
    const notObject = compileFilters(["x"]);
    assert.deepEqual(!notArray.ok && where(notArray.issues), ["/filters type"]);
    assert.deepEqual(!notObject.ok && where(notObject.issues), ["/filters/0 type"]);
  });

  test("the normalised filters are returned", () => {
    assert.deepEqual(filters([{ cesql: "TRUE" }, { any: [{ cesql: "FALSE" }] }]).filters, [
      { sql: "TRUE" },
      { any: [{ sql: "FALSE" }] },
    ]);
  });
});
