/**
 * The subscription index: which condition each subscription is filed under, that candidates are few (counted
 * with a CESQL function that records its calls), add/replace/remove, and the property that the index answers
 * exactly what evaluating every subscription answers.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createFunctionRegistry, escapeLikePattern, formatLiteral } from "@cairn/cesql";
import fc from "fast-check";
import {
  compileSubscription,
  type EventAttributes,
  isRouterError,
  likePrefix,
  type Subscription,
  SubscriptionIndex,
  validateSubscription,
} from "../src/index.ts";
import { ce, valid } from "./helpers.ts";

const BUILD = "dev.cdevents.build.finished.0.2.0";

function conditionOf(input: Record<string, unknown>): unknown {
  const index = new SubscriptionIndex();
  index.add(valid(input));
  return index.conditionOf("s1");
}

describe("the condition a subscription is filed under", () => {
  const exactType = (value: string) => ({ attribute: "type", op: "exact", value });
  const prefixType = (value: string) => ({ attribute: "type", op: "prefix", value });

  test("exact and prefix on type and source; types and source members", () => {
    assert.deepEqual(conditionOf({ filters: [{ exact: { type: BUILD, subject: "x" } }] }), [exactType(BUILD)]);
    assert.deepEqual(conditionOf({ filters: [{ prefix: { source: "/ci/" } }] }), [
      { attribute: "source", op: "prefix", value: "/ci/" },
    ]);
    assert.deepEqual(conditionOf({ types: ["a", "b"] }), [exactType("a"), exactType("b")]);
    assert.deepEqual(conditionOf({ source: "/ci" }), [{ attribute: "source", op: "exact", value: "/ci" }]);
  });

  test("the strongest of the ANDed conditions: exact beats prefix, type beats source, fewer alternatives win", () => {
    assert.deepEqual(conditionOf({ filters: [{ prefix: { type: "dev." } }, { exact: { source: "/ci" } }] }), [
      { attribute: "source", op: "exact", value: "/ci" },
    ]);
    assert.deepEqual(conditionOf({ source: "/ci", filters: [{ exact: { type: "t" } }] }), [exactType("t")]);
    assert.deepEqual(conditionOf({ types: ["a", "b", "c"], filters: [{ exact: { source: "/ci" } }] }), [
      { attribute: "source", op: "exact", value: "/ci" },
    ]);
    assert.deepEqual(conditionOf({ filters: [{ prefix: { type: "dev." } }, { prefix: { type: "dev.cdevents." } }] }), [
      prefixType("dev.cdevents."),
    ]);
  });

  test("any: the union of its members' conditions; a member without one makes it unindexable", () => {
    assert.deepEqual(conditionOf({ filters: [{ any: [{ exact: { type: "a" } }, { prefix: { type: "b." } }] }] }), [
      exactType("a"),
      prefixType("b."),
    ]);
    assert.equal(conditionOf({ filters: [{ any: [{ exact: { type: "a" } }, { exact: { subject: "b" } }] }] }), null);
  });

  test("the cdevents dialect is a type prefix", () => {
    assert.deepEqual(
      conditionOf({ filters: [{ cdevents: { subject: "service", predicate: "deployed", versions: "0.x" } }] }),
      [prefixType("dev.cdevents.service.deployed.")],
    );
    assert.deepEqual(conditionOf({ filters: [{ cdevents: { subject: "service" } }] }), [
      prefixType("dev.cdevents.service."),
    ]);
    assert.deepEqual(conditionOf({ filters: [{ cdevents: { predicate: "deployed" } }] }), [
      prefixType("dev.cdevents."),
    ]);
    assert.deepEqual(conditionOf({ filters: [{ cdevents: { subject: "acme-widget" } }] }), [
      prefixType("dev.cdeventsx.acme-widget."),
    ]);
  });

  test("CESQL: =, IN, LIKE and AND/OR of them at the top", () => {
    assert.deepEqual(conditionOf({ filters: [{ sql: "type = 'a' AND subject = 'x'" }] }), [exactType("a")]);
    assert.deepEqual(conditionOf({ filters: [{ sql: "'a' = TYPE" }] }), [exactType("a")]);
    assert.deepEqual(conditionOf({ filters: [{ sql: "type IN ('a', 'b')" }] }), [exactType("a"), exactType("b")]);
    assert.deepEqual(conditionOf({ filters: [{ sql: "type LIKE 'dev.cdevents.build.%.0.%'" }] }), [
      prefixType("dev.cdevents.build."),
    ]);
    assert.deepEqual(conditionOf({ filters: [{ sql: "type LIKE 'a\\%b'" }] }), [exactType("a%b")]);
    assert.deepEqual(conditionOf({ filters: [{ sql: "type = 'a' OR source LIKE '/ci/%'" }] }), [
      exactType("a"),
      { attribute: "source", op: "prefix", value: "/ci/" },
    ]);
    for (const sql of [
      "type = 'a' OR subject = 'x'",
      "type NOT LIKE 'a%'",
      "type LIKE '%a'",
      "NOT (type = 'a')",
      "type IN ('a', 1)",
      "type <> 'a'",
      "type = 5",
    ])
      assert.equal(conditionOf({ filters: [{ sql }] }), null, sql);
  });

  test("not and suffix are never indexed", () => {
    assert.equal(conditionOf({ filters: [{ not: { exact: { type: "a" } } }] }), null);
    assert.equal(conditionOf({ filters: [{ suffix: { type: ".0.2.0" } }] }), null);
    assert.equal(conditionOf({}), null);
  });

  test("LIKE prefixes unescape as CESQL reads patterns", () => {
    assert.deepEqual(likePrefix("ab%"), { literal: "ab", wildcard: true });
    assert.deepEqual(likePrefix("a\\_b_c"), { literal: "a_b", wildcard: true });
    assert.deepEqual(likePrefix("a\\\\%"), { literal: "a\\", wildcard: true });
    assert.deepEqual(likePrefix("a\\b"), { literal: "a\\b", wildcard: false });
  });
});

describe("candidates", () => {
  /** An index whose filters count their evaluations through a user-defined CESQL function. */
  function counting() {
    let calls = 0;
    const r = createFunctionRegistry([
      {
        name: "TICK",
        parameters: ["string"],
        returns: "boolean",
        call: () => {
          calls++;
          return true;
        },
      },
    ]);
    assert.ok(r.ok);
    const index = new SubscriptionIndex({ functions: r.registry });
    const add = (id: string, filters: unknown[]) => {
      const v = validateSubscription({ id, sink: "https://h/x", protocol: "HTTP", filters }, { functions: r.registry });
      assert.ok(v.ok, JSON.stringify(v));
      index.add(v.subscription);
    };
    return { index, add, calls: () => calls };
  }

  test("1,000 exact-type subscriptions: one event evaluates one predicate", () => {
    const { index, add, calls } = counting();
    for (let i = 0; i < 1000; i++) add(`s${i}`, [{ sql: "TICK(type)" }, { exact: { type: `t.${i}` } }]);
    assert.deepEqual(index.match(ce("t.42")), ["s42"]);
    assert.equal(calls(), 1);
    assert.deepEqual(index.match(ce("t.none")), []);
    assert.equal(calls(), 1);
    assert.deepEqual(index.stats(), {
      subscriptions: 1000,
      indexed: 1000,
      scanned: 0,
      exactKeys: { type: 1000, source: 0 },
      prefixKeys: { type: 0, source: 0 },
    });
  });

  test("prefixes: only the subscriptions whose prefix the type starts with are evaluated, plus the scan list", () => {
    const { index, add, calls } = counting();
    for (const subject of ["build", "service", "taskrun", "pipelinerun", "artifact"])
      for (const predicate of ["started", "finished", "queued"])
        add(`${subject}-${predicate}`, [{ sql: "TICK(type)" }, { cdevents: { subject, predicate } }]);
    add("everything", [{ sql: "TICK(type)" }]);
    add("by-source", [{ sql: "TICK(type)" }, { prefix: { source: "https://ci.example/" } }]);
    assert.deepEqual(index.match(ce("dev.cdevents.service.finished.0.2.0")), [
      "service-finished",
      "everything",
      "by-source",
    ]);
    assert.equal(calls(), 3);
    assert.deepEqual(index.match(ce("dev.cdevents.service.finished.0.2.0", { source: "/elsewhere" })), [
      "service-finished",
      "everything",
    ]);
    assert.equal(calls(), 5);
  });

  test("an event whose type is not a string is checked against every subscription filed under type", () => {
    const index = new SubscriptionIndex();
    index.add(valid({ id: "n", filters: [{ exact: { type: "5" } }] }));
    index.add(valid({ id: "q", filters: [{ sql: "type = '5'" }] }));
    assert.deepEqual(index.match(ce(BUILD, { type: 5 })), ["n", "q"]);
    assert.deepEqual(index.match(ce(BUILD, { type: undefined })), []);
  });
});

describe("add, replace, remove", () => {
  test("duplicates are refused; replace keeps the place in the result order; remove forgets", () => {
    const index = new SubscriptionIndex();
    index.add(valid({ id: "a", types: [BUILD] }));
    index.add(valid({ id: "b" }));
    assert.throws(
      () => index.add(valid({ id: "a" })),
      (e) => isRouterError(e) && e.code === "CAIRN_ERR_ROUTER_DUPLICATE_SUBSCRIPTION",
    );
    assert.deepEqual(index.match(ce(BUILD)), ["a", "b"]);
    index.replace(valid({ id: "a", types: ["other"] }));
    assert.deepEqual(index.match(ce(BUILD)), ["b"]);
    assert.deepEqual(index.match(ce("other")), ["a", "b"]);
    assert.equal(index.remove("a"), true);
    assert.equal(index.remove("a"), false);
    assert.deepEqual(index.match(ce("other")), ["b"]);
    assert.equal(index.has("a"), false);
    assert.equal(index.get("b")?.id, "b");
    assert.deepEqual(index.ids(), ["b"]);
    assert.equal(index.size, 1);
    assert.deepEqual(index.stats().exactKeys, { type: 0, source: 0 });
  });

  test("a subscription whose filters no longer compile is refused and leaves the index unchanged", () => {
    const index = new SubscriptionIndex();
    index.add(valid({ id: "a", types: [BUILD] }));
    const broken = { ...valid({ id: "a" }), filters: [{ sql: "type =" }] } as Subscription;
    assert.throws(
      () => index.replace(broken),
      (e) => isRouterError(e) && e.code === "CAIRN_ERR_ROUTER_INVALID_SUBSCRIPTION",
    );
    assert.deepEqual(index.match(ce(BUILD)), ["a"]);
  });
});

describe("property: the index answers exactly what evaluating every subscription answers", () => {
  const TYPES = [
    BUILD,
    "dev.cdevents.build.finished.0.3.0",
    "dev.cdevents.service.deployed.0.1.0",
    "dev.cdevents.service.deployed.1.0.0",
    "dev.cdeventsx.acme-widget.created.0.1.0",
    "com.github.push",
    "a",
    "ab",
    "a%c",
    "x_y",
    "it's",
    "5",
  ];
  const SOURCES = ["https://ci.example/a", "https://ci.example/b", "/cd", "/cd/x"];
  const pick = (pool: string[]) => fc.constantFrom(...pool);
  const prefixOf = (pool: string[]) =>
    pick(pool).chain((s) => fc.integer({ min: 1, max: s.length }).map((n) => s.slice(0, n)));
  const suffixOf = (pool: string[]) => pick(pool).chain((s) => fc.nat(s.length - 1).map((n) => s.slice(n)));
  const lit = (s: string) => formatLiteral(s);
  const sql = fc.oneof(
    pick(TYPES).map((t) => `type = ${lit(t)}`),
    pick(TYPES).map((t) => `${lit(t)} = type`),
    prefixOf(TYPES).map((p) => `type LIKE ${lit(`${escapeLikePattern(p)}%`)}`),
    prefixOf(TYPES).map((p) => `type LIKE ${lit(`${escapeLikePattern(p)}_%`)}`),
    fc
      .tuple(prefixOf(SOURCES), pick(TYPES))
      .map(([p, t]) => `source LIKE ${lit(`${escapeLikePattern(p)}%`)} OR type = ${lit(t)}`),
    fc.tuple(pick(TYPES), pick(TYPES)).map(([a, b]) => `type IN (${lit(a)}, ${lit(b)})`),
    fc
      .tuple(pick(SOURCES), prefixOf(TYPES))
      .map(([s, p]) => `source = ${lit(s)} AND type LIKE ${lit(`${escapeLikePattern(p)}%`)}`),
    pick(TYPES).map((t) => `NOT (type = ${lit(t)})`),
    fc.constantFrom(
      "subject = 's1'",
      "myext = 'a'",
      "1/0 = 0",
      "TRUE",
      "type LIKE '%0'",
      "type = 'a' OR subject = 's1'",
    ),
  );
  const attrs = (values: fc.Arbitrary<string>, sourceValues: fc.Arbitrary<string>) =>
    fc.oneof(
      fc.record({ type: values }),
      fc.record({ source: sourceValues }),
      fc.record({ type: values, source: sourceValues }),
      fc
        .record({ subject: fc.constantFrom("s1", "s"), myext: fc.constantFrom("a", "b") }, { requiredKeys: [] })
        .filter((r) => Object.keys(r).length > 0),
    );
  const cdevents = fc.record(
    {
      subject: fc.constantFrom("build", "service", "acme-widget", "x"),
      predicate: fc.constantFrom("finished", "deployed", "created"),
      versions: fc.constantFrom("*", "0.x", "^0.2", "1.x", ">=0.2.0 <1.0.0"),
    },
    { requiredKeys: [] },
  );
  const filter = fc.letrec<{ f: unknown }>((tie) => ({
    f: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      attrs(pick(TYPES), pick(SOURCES)).map((exact) => ({ exact })),
      attrs(prefixOf(TYPES), prefixOf(SOURCES)).map((prefix) => ({ prefix })),
      attrs(suffixOf(TYPES), suffixOf(SOURCES)).map((suffix) => ({ suffix })),
      sql.map((s) => ({ sql: s })),
      cdevents.map((c) => ({ cdevents: c })),
      fc.array(tie("f"), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(tie("f"), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      tie("f").map((not) => ({ not })),
    ),
  })).f;
  const subscription = (id: string) =>
    fc
      .record(
        {
          source: pick(SOURCES),
          types: fc.uniqueArray(pick(TYPES), { maxLength: 3 }),
          filters: fc.array(filter, { maxLength: 3 }),
        },
        { requiredKeys: ["filters"] },
      )
      .map((s) => {
        const r = validateSubscription({ id, sink: "https://h/x", protocol: "HTTP", ...s });
        if (!r.ok) throw new Error(JSON.stringify(r.issues));
        return r.subscription;
      });
  const ID = fc.constantFrom("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
  const op = fc.oneof(
    { arbitrary: ID.chain((id) => subscription(id)).map((s) => ({ kind: "put" as const, s })), weight: 4 },
    { arbitrary: ID.map((id) => ({ kind: "remove" as const, id })), weight: 1 },
  );
  const event: fc.Arbitrary<EventAttributes> = fc
    .record(
      {
        type: fc.oneof(pick(TYPES), fc.constant(5), fc.constant("dev.cdevents.build.finished.0.2")),
        source: pick(SOURCES),
        subject: fc.constantFrom("s1", "s"),
        myext: fc.constantFrom("a", "b"),
      },
      { requiredKeys: [] },
    )
    .map((e) => ({ specversion: "1.0", id: "e", ...e }));

  test("random subscriptions, random adds/replaces/removes, random events", () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 20 }),
        fc.array(event, { minLength: 1, maxLength: 10 }),
        (ops, events) => {
          const index = new SubscriptionIndex();
          const naive = new Map<string, Subscription>();
          for (const o of ops) {
            if (o.kind === "remove") {
              assert.equal(index.remove(o.id), naive.delete(o.id));
            } else {
              index.replace(o.s);
              naive.set(o.s.id, o.s);
            }
          }
          const compiled = [...naive.values()].map((s) => compileSubscription(s));
          for (const e of events) {
            const expected = compiled.filter((c) => c.matches(e)).map((c) => c.id);
            assert.deepEqual(index.match(e), expected, JSON.stringify(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
