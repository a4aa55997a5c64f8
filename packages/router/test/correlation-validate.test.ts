/**
 * Correlation triggers: validation (every issue at its JSON Pointer, condition errors with their position), the
 * condition language, correlation keys, the emitted event and the sink subscription.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { createCDEvents } from "@cairn/cdevents";
import fc from "fast-check";
import {
  buildCorrelationEvent,
  evaluateCondition,
  parseCondition,
  parseCorrelateBy,
  readKey,
  redactTrigger,
  sha256Hex,
  type Trigger,
  triggerSinkSubscription,
  validateTrigger,
} from "../src/index.ts";
import { where } from "./helpers.ts";

const BUILD = { cdevents: { subject: "build", predicate: "finished" } };
const TEST = { cdevents: { subject: "testsuiterun", predicate: "finished" } };

/** A valid trigger input with `extra` members. */
export function triggerInput(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "verified",
    correlateBy: "/subject/id",
    within: "PT30M",
    dependencies: [
      { name: "built", filters: [BUILD] },
      { name: "tested", filters: [TEST], select: "first" },
    ],
    emit: { type: "dev.cdeventsx.cairn-release.verified.0.1.0", source: "/cairn/triggers/verified" },
    ...extra,
  };
}

function valid(input: Record<string, unknown>): Trigger {
  const r = validateTrigger(input);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.issues, null, 2));
  return r.trigger;
}

function refused(input: unknown): ReturnType<typeof where> {
  const r = validateTrigger(input);
  assert.ok(!r.ok, "expected the trigger to be refused");
  return where(r.issues);
}

describe("validateTrigger", () => {
  it("normalises: within in ms, select defaulting to latest, filters normalised; idempotent", () => {
    const t = valid(triggerInput({ dependencies: [{ name: "built", filters: [{ cesql: "type LIKE 'dev.%'" }] }] }));
    assert.equal(t.within, 1_800_000);
    assert.deepEqual(t.dependencies, [{ name: "built", filters: [{ sql: "type LIKE 'dev.%'" }], select: "latest" }]);
    assert.deepEqual(valid(JSON.parse(JSON.stringify(t))), t, "validated again, unchanged");
  });

  it("reports every problem at its path", () => {
    const issues = refused({
      id: "/bad",
      within: "P1Y",
      correlateBy: "Subject",
      conditions: "built &&",
      dependencies: [
        { name: "built", filters: [{ sql: "type =" }], select: "some" },
        { name: "built", filters: [] },
        { name: "9lives", filters: [BUILD], colour: "red" },
      ],
      emit: { type: "", source: "not a uri", extra: 1 },
      colour: "blue",
    });
    assert.deepEqual(
      issues.sort(),
      [
        "/colour unknown_field",
        "/correlateBy format",
        "/dependencies/0/filters/0/sql sql_syntax",
        "/dependencies/0/select enum",
        "/dependencies/1/filters empty",
        "/dependencies/1/name conflict",
        "/dependencies/2/colour unknown_field",
        "/dependencies/2/name format",
        "/emit/extra unknown_field",
        "/emit/source format",
        "/emit/type empty",
        "/id format",
        "/within format",
        "/conditions condition_syntax",
      ].sort(),
    );
  });

  it("requires id, dependencies, within, a key for every dependency and an action", () => {
    assert.deepEqual(refused({}).sort(), [
      "/dependencies required",
      "/emit required",
      "/id required",
      "/within required",
    ]);
    const unkeyed = triggerInput({ correlateBy: undefined });
    assert.deepEqual(refused(unkeyed), ["/correlateBy required"]);
    const perDependency = triggerInput({
      correlateBy: undefined,
      dependencies: [
        { name: "a", filters: [BUILD], correlateBy: "subject" },
        { name: "b", filters: [TEST], correlateBy: "/context/chainId" },
      ],
    });
    assert.equal(valid(perDependency).correlateBy, undefined);
    assert.deepEqual(refused("x"), [" type"]);
  });

  it("locates condition errors and unknown dependencies in the text", () => {
    const r = validateTrigger(triggerInput({ conditions: "built &&\n  (tested || shipped)" }));
    assert.ok(!r.ok);
    const [issue] = r.issues;
    assert.equal(issue?.code, "unknown_dependency");
    assert.deepEqual([issue?.offset, issue?.line, issue?.column], [22, 2, 14]);
    assert.match(issue?.message ?? "", /shipped.*line 2, column 14/);
    const syntax = validateTrigger(triggerInput({ conditions: "built & tested" }));
    assert.ok(!syntax.ok);
    assert.equal(syntax.issues[0]?.code, "condition_syntax");
    assert.equal(syntax.issues[0]?.column, 7);
    assert.match(syntax.issues[0]?.message ?? "", /write &&/);
  });

  it("refuses an emit.type whose event would not be a valid CDEvent", () => {
    assert.deepEqual(refused(triggerInput({ emit: { type: "dev.cdevents.nothing.here.0.1.0", source: "/x" } })), [
      "/emit/type invalid_emit",
    ]);
    assert.deepEqual(refused(triggerInput({ emit: { type: "com.example.done", source: "/x" } })), [
      "/emit/type invalid_emit",
    ]);
    valid(triggerInput({ emit: { type: "dev.cdevents.pipelinerun.queued.0.2.0", source: "/x" } }));
  });

  it("validates the sink as an HTTP subscription, issues under /sink; ordering must be none", () => {
    const issues = refused(
      triggerInput({
        sink: {
          url: "ftp://x",
          delivery: { retry: -1, ordering: "subject" },
          protocolsettings: { method: "GET" },
          x: 1,
        },
      }),
    );
    assert.deepEqual(issues.sort(), [
      "/sink/delivery/retry range",
      "/sink/protocolsettings/method enum",
      "/sink/url format",
      "/sink/x unknown_field",
    ]);
    assert.deepEqual(refused(triggerInput({ sink: {} })), ["/sink/url required"]);
    assert.deepEqual(refused(triggerInput({ sink: { url: "http://x.example/", delivery: { ordering: "subject" } } })), [
      "/sink/delivery/ordering enum",
    ]);
    const t = valid(
      triggerInput({
        emit: undefined,
        sink: {
          url: "https://hooks.example/in",
          sinkcredential: { credentialtype: "PLAIN", identifier: "u", secret: "s3cret" },
          delivery: { retry: 2, backoffDelay: "PT1S" },
        },
      }),
    );
    assert.equal(t.sink?.delivery.backoffDelay, 1000);
    const s = triggerSinkSubscription(t);
    assert.equal(s?.id, "~trigger.verified");
    assert.equal(s?.sink, "https://hooks.example/in");
    assert.deepEqual(s?.filters, []);
    assert.ok(!JSON.stringify(redactTrigger(t)).includes("s3cret"));
    assert.equal(triggerSinkSubscription(valid(triggerInput())), null);
  });
});

describe("conditions", () => {
  const truth = (text: string, present: string[]) => {
    const r = parseCondition(text);
    assert.ok(r.ok, text);
    return evaluateCondition(r.condition, (n) => present.includes(n));
  };

  it("has !, && and || with the usual precedence, and parentheses", () => {
    assert.equal(truth("a || b && c", ["a"]), true);
    assert.equal(truth("(a || b) && c", ["a"]), false);
    assert.equal(truth("!a && b", ["b"]), true);
    assert.equal(truth("!(a || b)", []), true);
    assert.equal(truth("!!a", ["a"]), true);
    assert.equal(truth(" a\n&&\tb-2 ", ["a", "b-2"]), true);
  });

  it("reports errors with their position", () => {
    const cases: [string, number, RegExp][] = [
      ["", 0, /expected a dependency name/],
      ["a &&", 4, /found the end/],
      ["(a || b", 7, /expected "\)"/],
      ["a b", 2, /expected "&&", "\|\|" or the end/],
      ["a | b", 2, /write \|\|/],
      ["a && 3", 5, /unexpected character "3"/],
      [`${"(".repeat(70)}a${")".repeat(70)}`, 65, /nests more than 64/],
    ];
    for (const [text, offset, message] of cases) {
      const r = parseCondition(text);
      assert.ok(!r.ok, text);
      assert.equal(r.error.offset, offset, text);
      assert.match(r.error.message, message);
    }
  });

  it("agrees with JavaScript's own boolean operators on random expressions", () => {
    const names = ["a", "b", "c"];
    const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom(...names),
        tie("e").map((x) => `!${x}`),
        fc.tuple(tie("e"), fc.constantFrom("&&", "||"), tie("e")).map(([l, op, r]) => `(${l} ${op} ${r})`),
        fc.tuple(tie("e"), fc.constantFrom("&&", "||"), tie("e")).map(([l, op, r]) => `${l} ${op} ${r}`),
      ),
    })).e as fc.Arbitrary<string>;
    fc.assert(
      fc.property(expr, fc.subarray(names), (text, present) => {
        const js = new Function(...names, `return ${text};`) as (...v: boolean[]) => boolean;
        assert.equal(truth(text, present), js(...names.map((n) => present.includes(n))));
      }),
    );
  });
});

describe("correlation keys", () => {
  const attributes = { specversion: "1.0", id: "1", source: "/s", type: "t", subject: "app", partitionkey: 7 };
  const cdevent = {
    context: { chainId: "c-1" },
    subject: { id: "svc/api" },
    customData: {
      orderId: "o-9",
      "a/b": "slash",
      list: ["x", "y"],
      flag: true,
      nothing: null,
      empty: "",
      nul: "a\u0000b",
      long: "x".repeat(1025),
    },
  };
  const key = (by: string) => {
    const parsed = parseCorrelateBy(by);
    assert.ok(typeof parsed !== "string", parsed as string);
    return readKey(parsed, attributes, () => cdevent);
  };

  it("reads attributes and JSON Pointers; scalars only", () => {
    assert.equal(key("subject"), "app");
    assert.equal(key("partitionkey"), "7");
    assert.equal(key("/subject/id"), "svc/api");
    assert.equal(key("/context/chainId"), "c-1");
    assert.equal(key("/customData/orderId"), "o-9");
    assert.equal(key("/customData/a~1b"), "slash");
    assert.equal(key("/customData/list/1"), "y");
    assert.equal(key("/customData/flag"), "true");
    const absent = ["/customData/nothing", "/customData/empty", "/customData", "/customData/list/01", "/x/y"];
    for (const none of [...absent, "/customData/nul", "/customData/long"]) assert.equal(key(none), undefined, none);
    assert.equal(key("/constructor"), undefined, "own members only");
    assert.equal(key("missing"), undefined);
  });

  it("refuses what is neither an attribute name nor a pointer", () => {
    for (const bad of ["Subject", "sub-ject", "", "/a/~2", "/a~"])
      assert.equal(typeof parseCorrelateBy(bad), "string", bad);
  });
});

describe("the emitted event", () => {
  const fire = {
    key: "svc/api",
    windowStart: Date.parse("2030-01-01T00:00:00Z"),
    firedAt: Date.parse("2030-01-01T00:05:00Z"),
    contributions: [
      { dependency: "built", sequence: 4, source: "/ci", id: "b-1", time: 0, chainId: "chain-1" },
      { dependency: "tested", sequence: 9, source: "/qa", id: "t-1", time: 0, hops: 2, chainId: "chain-1" },
    ],
  };

  it("is a valid custom CDEvent carrying the key, the contributors and RELATION links; deterministic", () => {
    const t = valid(triggerInput());
    const r = buildCorrelationEvent(t, fire);
    assert.ok(r.ok, r.ok ? "" : r.message);
    const e = r.event.cdevent as { context: Record<string, unknown>; subject: { id: string }; customData: unknown };
    assert.ok(createCDEvents().validate(e).ok);
    assert.equal(e.context.id, r.event.id);
    assert.match(r.event.id, /^[0-9a-f]{64}$/);
    assert.equal(e.context.timestamp, "2030-01-01T00:05:00.000Z");
    assert.equal(e.context.chainId, "chain-1", "the contributors' shared chain continues");
    assert.equal(e.subject.id, "svc/api", "the key, without emit.subject");
    assert.deepEqual(e.context.links, [
      { linkType: "RELATION", linkKind: "CONTRIBUTOR", target: { contextId: "b-1" } },
      { linkType: "RELATION", linkKind: "CONTRIBUTOR", target: { contextId: "t-1" } },
    ]);
    assert.deepEqual(e.customData, {
      trigger: "verified",
      key: "svc/api",
      windowStart: "2030-01-01T00:00:00.000Z",
      contributions: [
        { dependency: "built", source: "/ci", id: "b-1", sequence: 4 },
        { dependency: "tested", source: "/qa", id: "t-1", sequence: 9 },
      ],
    });
    assert.deepEqual(r.event.extensions, { cairntrigger: "verified", cairnhops: 3 });
    assert.deepEqual(buildCorrelationEvent(t, fire), r);
  });

  it("uses the release's envelope for standard types, without links in 0.3.0", () => {
    const t = valid(
      triggerInput({ emit: { type: "dev.cdevents.pipelinerun.queued.0.1.1", source: "/x", subject: "s" } }),
    );
    const r = buildCorrelationEvent(t, fire);
    assert.ok(r.ok, r.ok ? "" : r.message);
    const context = (r.event.cdevent as { context: Record<string, unknown> }).context;
    assert.equal(context.version, "0.3.0");
    assert.equal(context.links, undefined);
    assert.ok(createCDEvents().validate(r.event.cdevent).ok);
  });

  it("refuses a firing beyond the hop limit", () => {
    const t = valid(triggerInput());
    const deep = { ...fire, contributions: [{ ...fire.contributions[0], hops: 32 }] } as typeof fire;
    const r = buildCorrelationEvent(t, deep);
    assert.ok(!r.ok);
    assert.equal(r.reason, "hops_exceeded");
  });
});

describe("sha256Hex", () => {
  it("equals node:crypto's SHA-256 of the UTF-8 bytes", () => {
    for (const s of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "é€😀"])
      assert.equal(sha256Hex(s), createHash("sha256").update(s, "utf8").digest("hex"), s);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => {
        assert.equal(sha256Hex(s), createHash("sha256").update(s, "utf8").digest("hex"));
      }),
    );
  });
});
