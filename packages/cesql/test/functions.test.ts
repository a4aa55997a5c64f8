/**
 * Built-in functions beyond the test kit, and user-defined functions: the registry's overloading rules and how
 * results, failures and exceptions of implementations become values and errors.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createFunctionRegistry,
  ErrorCode,
  evaluate,
  type FunctionDefinition,
  type FunctionRegistry,
  functionFailure,
  isFunctionFailure,
} from "../src/index.ts";
import { compiled, EVENT, outcome } from "./helpers.ts";

describe("built-in functions", () => {
  test("names are case-insensitive; arguments are cast to the parameter types", () => {
    assert.deepEqual(outcome("length('abc') + Length(123)"), [6, []]);
    assert.deepEqual(outcome("CONCAT(1, TRUE, 'x')"), ["1truex", []]);
    assert.deepEqual(outcome("LEFT('abcdef', '2')"), ["ab", []]);
  });
  test("characters are code points", () => {
    assert.deepEqual(outcome("LENGTH('a😀b')"), [3, []]);
    assert.deepEqual(outcome("LEFT('😀😀x', 1)"), ["😀", []]);
    assert.deepEqual(outcome("RIGHT('x😀😀', 2)"), ["😀😀", []]);
    assert.deepEqual(outcome("SUBSTRING('a😀b', 2, 1)"), ["😀", []]);
    assert.deepEqual(outcome("SUBSTRING('a😀b', -1)"), ["b", []]);
  });
  test("TRIM removes Unicode White_Space only", () => {
    assert.deepEqual(outcome("TRIM('\u0085\u3000 a \t\n')"), ["a", []]);
    assert.deepEqual(outcome("LENGTH(TRIM('\uFEFFa'))"), [2, []]);
  });
  test("SUBSTRING bounds", () => {
    assert.deepEqual(outcome("SUBSTRING('abc', 3)"), ["c", []]);
    assert.deepEqual(outcome("SUBSTRING('abc', -3)"), ["abc", []]);
    assert.deepEqual(outcome("SUBSTRING('abc', 2, 10)"), ["bc", []]);
    assert.deepEqual(outcome("SUBSTRING('abc', 1, 0)"), ["", []]);
    assert.deepEqual(outcome("SUBSTRING('abc', 1, -1)"), ["", ["functionEvaluation"]]);
    assert.deepEqual(outcome("SUBSTRING('', 1)"), ["", ["functionEvaluation"]]);
  });
  test("casting functions", () => {
    assert.deepEqual(outcome("INT('+7')"), [7, []]);
    assert.deepEqual(outcome("BOOL('fAlSe')"), [false, []]);
    assert.deepEqual(outcome("STRING(-2147483648)"), ["-2147483648", []]);
    const r = evaluate(compiled("INT('x')"), EVENT);
    assert.equal(r.errors[0]?.code, ErrorCode.Cast);
    assert.equal(evaluate(compiled("ABS(-2147483648)"), EVENT).errors[0]?.code, ErrorCode.FunctionMath);
  });
  test("a call that cannot be dispatched is false with a MissingFunctionError, and a compile-time warning", () => {
    assert.deepEqual(outcome("NOPE()"), [false, ["missingFunction"]]);
    assert.deepEqual(outcome("LENGTH('a', 'b')"), [false, ["missingFunction"]]);
    assert.deepEqual(outcome("SUBSTRING('a')"), [false, ["missingFunction"]]);
    assert.equal(compiled("NOPE()").warnings[0]?.code, ErrorCode.MissingFunction);
  });
});

/** A registry of `definitions`, failing the test when it is rejected. */
function registry(...definitions: FunctionDefinition[]): FunctionRegistry {
  const r = createFunctionRegistry(definitions);
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.registry;
}

/** The message of a rejected registry. */
function rejected(...definitions: FunctionDefinition[]): string {
  const r = createFunctionRegistry(definitions);
  assert.ok(!r.ok, "expected the definitions to be rejected");
  assert.equal(r.error.code, ErrorCode.InvalidFunctionDefinition);
  assert.equal(r.error.kind, "generic");
  return r.error.message;
}

const hasPrefix: FunctionDefinition = {
  name: "hasPrefix",
  parameters: ["string", "string"],
  returns: "boolean",
  call: ([s, p]) => String(s).startsWith(String(p)),
};

describe("user-defined functions", () => {
  test("are called with cast arguments, by case-insensitive name", () => {
    const functions = registry(hasPrefix);
    assert.deepEqual(outcome("HASPREFIX(type, 'dev.cdevents.')", EVENT, { functions }), [true, []]);
    assert.deepEqual(outcome("hasprefix(123, 1)", EVENT, { functions }), [true, []]);
    assert.deepEqual(outcome("HASPREFIX(missing, 'a')", EVENT, { functions }), [false, ["missingAttribute"]]);
  });
  test("variadic functions and overloads by arity", () => {
    const functions = registry(
      { name: "PICK", parameters: ["integer"], returns: "integer", call: ([a]) => a as number },
      {
        name: "PICK",
        parameters: ["integer", "integer"],
        variadic: "integer",
        returns: "integer",
        call: (args) => args.length,
      },
    );
    assert.deepEqual(outcome("PICK('7')", EVENT, { functions }), [7, []]);
    assert.deepEqual(outcome("PICK(1, 2)", EVENT, { functions }), [2, []]);
    assert.deepEqual(outcome("PICK(1, 2, 3, 4)", EVENT, { functions }), [4, []]);
    assert.deepEqual(outcome("PICK()", EVENT, { functions }), [false, ["missingFunction"]]);
  });
  test("built-ins can get new overloads but cannot be replaced", () => {
    const functions = registry({ name: "LENGTH", parameters: ["string", "string"], returns: "integer", call: () => 0 });
    assert.deepEqual(outcome("LENGTH('abc') + LENGTH('a', 'b')", EVENT, { functions }), [3, []]);
    assert.match(
      rejected({ name: "length", parameters: ["any"], returns: "integer", call: () => 0 }),
      /already defined/,
    );
  });
  test("the spec's overloading rules are enforced", () => {
    const f = (parameters: FunctionDefinition["parameters"], variadic?: "string"): FunctionDefinition => ({
      name: "ABC",
      parameters,
      ...(variadic === undefined ? {} : { variadic }),
      returns: "integer",
      call: () => 0,
    });
    assert.ok(
      createFunctionRegistry([f(["string"]), f(["string", "string"]), f(["string", "string", "string"], "string")]).ok,
    );
    assert.match(rejected(f([], "string"), f(["string", "string", "string"])), /cannot be told apart/);
    assert.match(rejected(f(["string", "string", "string"]), f([], "string")), /more fixed parameters/);
    assert.match(rejected(f(["string"], "string"), f(["string", "string"], "string")), /already has a variadic/);
    assert.match(rejected(f(["string"]), f(["string"])), /already defined/);
  });
  test("malformed definitions are rejected", () => {
    const good = hasPrefix;
    assert.match(rejected({ ...good, name: "has-prefix" }), /function name/);
    assert.match(rejected({ ...good, name: "F1" }), /function name/);
    assert.match(rejected({ ...good, parameters: ["text" as "string"] }), /parameters/);
    assert.match(rejected({ ...good, variadic: "list" as "string" }), /variadic/);
    assert.match(rejected({ ...good, returns: "any" as "string" }), /returns/);
    assert.match(rejected({ ...good, call: undefined as unknown as FunctionDefinition["call"] }), /call/);
    assert.match(rejected(null as unknown as FunctionDefinition), /object/);
  });
  test("failures, exceptions and wrong results become errors with a valid value", () => {
    const functions = registry(
      {
        name: "SAFE_DIV",
        parameters: ["integer", "integer"],
        returns: "integer",
        call: ([a, b]) =>
          b === 0
            ? functionFailure("division by zero", { kind: "math", value: -1 })
            : Math.trunc(Number(a) / Number(b)),
      },
      { name: "FAIL", parameters: [], returns: "string", call: () => functionFailure("no", { value: 5 }) },
      {
        name: "THROWS",
        parameters: [],
        returns: "integer",
        call: () => {
          throw new Error("kaput");
        },
      },
      { name: "WRONG", parameters: [], returns: "integer", call: () => 1.5 },
    );
    assert.deepEqual(outcome("SAFE_DIV(7, 2)", EVENT, { functions }), [3, []]);
    assert.deepEqual(outcome("SAFE_DIV(7, 0)", EVENT, { functions }), [-1, ["math"]]);
    assert.deepEqual(outcome("FAIL()", EVENT, { functions }), ["", ["functionEvaluation"]]);
    assert.deepEqual(outcome("THROWS()", EVENT, { functions }), [0, ["functionEvaluation"]]);
    assert.deepEqual(outcome("WRONG()", EVENT, { functions }), [0, ["functionEvaluation"]]);
    const thrown = evaluate(compiled("THROWS()", { functions }), EVENT).errors[0];
    assert.equal(thrown?.code, ErrorCode.FunctionEvaluation);
    assert.match(thrown?.message ?? "", /kaput/);
  });
  test("user-defined functions are called at every evaluation (never folded)", () => {
    let calls = 0;
    const functions = registry({ name: "TICK", parameters: [], returns: "integer", call: () => ++calls });
    const e = compiled("TICK() > 0", { functions });
    evaluate(e, EVENT);
    evaluate(e, EVENT);
    assert.equal(calls, 2);
  });
  test("functionFailure results are recognised", () => {
    assert.ok(isFunctionFailure(functionFailure("x")));
    assert.ok(!isFunctionFailure({ kind: "math", message: "x" }));
    const f = functionFailure("m", { value: "v" });
    assert.deepEqual([f.kind, f.message, f.value], ["functionEvaluation", "m", "v"]);
    assert.ok(!("value" in functionFailure("m")));
  });
});
