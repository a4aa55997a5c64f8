/**
 * Evaluation semantics beyond the test kit: attribute typing, error propagation, casts, integer arithmetic, LIKE,
 * IN, the fail-closed filter verdict and compile-time information.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode, evaluate, matches } from "../src/index.ts";
import { compiled, EVENT, outcome, run } from "./helpers.ts";

const withExt = (ext: Record<string, unknown>) => ({ ...EVENT, ...ext });

describe("attribute values", () => {
  test("strings, booleans and 32-bit integers keep their type", () => {
    assert.deepEqual(outcome("x", withExt({ x: "s" })), ["s", []]);
    assert.deepEqual(outcome("x", withExt({ x: false })), [false, []]);
    assert.deepEqual(outcome("x", withExt({ x: -2147483648 })), [-2147483648, []]);
    assert.deepEqual(outcome("x", withExt({ x: 7n })), [7, []]);
    assert.ok(Object.is(run("x", withExt({ x: -0 })).value, 0));
  });
  test("other values are Strings (spec §3.2)", () => {
    assert.deepEqual(outcome("x", withExt({ x: 1.5 })), ["1.5", []]);
    assert.deepEqual(outcome("x", withExt({ x: 2 ** 32 })), ["4294967296", []]);
    assert.deepEqual(outcome("x", withExt({ x: 2n ** 40n })), ["1099511627776", []]);
    assert.deepEqual(outcome("x", withExt({ x: new Date(Date.UTC(2024, 5, 13, 12)) })), [
      "2024-06-13T12:00:00.000Z",
      [],
    ]);
    assert.deepEqual(outcome("x", withExt({ x: new Uint8Array([0, 1, 2, 255]) })), ["AAEC/w==", []]);
    assert.deepEqual(outcome("x", withExt({ x: new URL("https://a.example/p") })), ["https://a.example/p", []]);
  });
  test("undefined and null are absent", () => {
    assert.deepEqual(outcome("x = 'a'", withExt({ x: undefined })), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("x = 'a'", withExt({ x: null })), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("EXISTS x", withExt({ x: null })), [false, []]);
  });
  test("values with no String representation are a generic error", () => {
    const hostile = { toString: () => assert.fail("boom") };
    assert.deepEqual(outcome("x = 'a'", withExt({ x: hostile })), [false, ["generic"]]);
    assert.deepEqual(outcome("x", withExt({ x: Object.create(null) })), [false, ["generic"]]);
    assert.deepEqual(outcome("x", withExt({ x: Symbol("s") })), [false, ["generic"]]);
    assert.deepEqual(outcome("x", withExt({ x: new Date(Number.NaN) })), [false, ["generic"]]);
    assert.equal(run("x", withExt({ x: Symbol("s") })).errors[0]?.code, ErrorCode.UnreadableAttribute);
  });
  test("the event's data is never visible (spec §1)", () => {
    assert.deepEqual(outcome("data = 'x'", withExt({ data: "x" })), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("EXISTS data", withExt({ data: "x" })), [false, []]);
  });
  test("inherited Object.prototype members are not attributes", () => {
    assert.deepEqual(outcome("EXISTS constructor"), [false, []]);
    assert.deepEqual(outcome("constructor = 'x'"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("constructor", withExt({ constructor: "c" })), ["c", []]);
  });
  test("getters of class instances are read", () => {
    class Event {
      get specversion() {
        return "1.0";
      }
      get type() {
        return "t";
      }
    }
    assert.deepEqual(outcome("type = 't'", new Event() as unknown as Record<string, unknown>), [true, []]);
  });
  test("EXISTS is true for the required attributes, even on an object that lacks them (spec §3.4.4)", () => {
    assert.deepEqual(outcome("EXISTS id AND EXISTS source AND EXISTS type AND EXISTS specversion", {}), [true, []]);
    assert.deepEqual(outcome("id", {}), [false, ["missingAttribute"]]);
  });
  test("an exception from the event ends evaluation with false and a generic error; matches is false", () => {
    const event = {
      get type(): string {
        throw new Error("getter failed");
      },
    };
    const e = compiled("type = 'a' OR TRUE");
    const r = evaluate(e, event);
    assert.equal(r.value, false);
    assert.equal(r.errors[0]?.code, ErrorCode.Internal);
    assert.equal(matches(e, event), false);
    assert.equal(evaluate(e, null as unknown as Record<string, unknown>).value, false);
  });
});

describe("errors: operands that fail give the zero value; an operator's own cast goes on", () => {
  test("a missing operand makes every operator give its zero value", () => {
    assert.deepEqual(outcome("missing"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("missing != ''"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("NOT missing"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("missing NOT LIKE 'x'"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("missing NOT IN ('a')"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("LENGTH(missing)"), [0, ["missingAttribute"]]);
    assert.deepEqual(outcome("CONCAT('a', missing)"), ["", ["missingAttribute"]]);
    assert.deepEqual(outcome("-missing"), [0, ["missingAttribute"]]);
  });
  test("errors propagate through every enclosing operator", () => {
    assert.deepEqual(outcome("NOT 10"), [true, ["cast"]]);
    assert.deepEqual(outcome("NOT (NOT 10)"), [false, ["cast"]]);
    assert.deepEqual(outcome("(NOT 10) = TRUE"), [false, ["cast"]]);
    assert.deepEqual(outcome("LENGTH(STRING(1 / 0))"), [0, ["math"]]);
  });
  test("an operator's own failed cast goes on with the cast's zero value", () => {
    assert.deepEqual(outcome("NOT 'abc'"), [true, ["cast"]]);
    assert.deepEqual(outcome("'abc' + 1"), [1, ["cast"]]);
    assert.deepEqual(outcome("'abc' / 0"), [0, ["cast", "math"]]);
    assert.deepEqual(outcome("LEFT('abc', 'x')"), ["", ["cast"]]);
  });
  test("both operands are evaluated, so both errors are reported", () => {
    assert.deepEqual(outcome("missing + (1 / 0)"), [0, ["missingAttribute", "math"]]);
    assert.deepEqual(outcome("a = b"), [false, ["missingAttribute", "missingAttribute"]]);
  });
  test("AND and OR do not evaluate the right side when the left one fails or decides", () => {
    assert.deepEqual(outcome("missing AND (1 / 0 = 0)"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("missing OR TRUE"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("TRUE OR missing"), [true, []]);
    assert.deepEqual(outcome("FALSE AND missing"), [false, []]);
    assert.deepEqual(outcome("FALSE OR missing"), [false, ["missingAttribute"]]);
  });
  test("chains behave as the left-associative binary operators", () => {
    assert.deepEqual(outcome("'x' OR TRUE"), [true, ["cast"]]);
    assert.deepEqual(outcome("'x' OR TRUE OR TRUE"), [false, ["cast"]]);
    assert.deepEqual(outcome("missing OR (1/0 = 0) OR TRUE"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("FALSE OR missing OR TRUE"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("TRUE AND TRUE AND 'x' AND TRUE"), [false, ["cast"]]);
  });
  test("errors carry the position of what failed", () => {
    const [missing] = run("type LIKE 'dev.%' AND\n  myext = 'b'").errors;
    assert.deepEqual(missing?.position, { offset: 24, line: 2, column: 3 });
    const [math] = run("1 + 4 / 0").errors;
    assert.equal(math?.code, ErrorCode.DivisionByZero);
    assert.deepEqual(math?.position, { offset: 6, line: 1, column: 7 });
    const [cast] = run("1 + 'x'").errors;
    assert.deepEqual(cast?.position, { offset: 4, line: 1, column: 5 });
  });
});

describe("casts and overloads", () => {
  test("=, != and <> cast the left operand to the right operand's type", () => {
    assert.deepEqual(outcome("seq = 5", withExt({ seq: "5" })), [true, []]);
    assert.deepEqual(outcome("myint = '10'", withExt({ myint: 10 })), [true, []]);
    assert.deepEqual(outcome("myint <> '010'", withExt({ myint: 10 })), [true, []]);
    assert.deepEqual(outcome("TRUE = 'true' AND FALSE = 'false'"), [true, []]);
    assert.deepEqual(outcome("TRUE = 'TRUE' OR FALSE = 'FALSE'"), [false, []]);
    assert.deepEqual(outcome("x = y", withExt({ x: "5", y: 5 })), [true, []]);
  });
  test("an implicit Integer to Boolean cast is a cast error; BOOL() converts", () => {
    assert.deepEqual(outcome("1 = TRUE"), [false, ["cast"]]);
    assert.deepEqual(outcome("1 AND TRUE"), [false, ["cast"]]);
    assert.deepEqual(outcome("BOOL(1) = TRUE"), [true, []]);
  });
  test("ordering compares Integers", () => {
    assert.deepEqual(outcome("hop < ttl", withExt({ hop: "5", ttl: "10" })), [true, []]);
    assert.deepEqual(outcome("'abc' < 'abd'"), [false, ["cast", "cast"]]);
    assert.deepEqual(outcome("TRUE > FALSE"), [true, []]);
  });
  test("String to Integer: optional sign, digits, 32 bits", () => {
    assert.deepEqual(outcome("'+5' + 0"), [5, []]);
    assert.deepEqual(outcome("'-0' + 0"), [0, []]);
    assert.deepEqual(outcome("' 5' + 0"), [0, ["cast"]]);
    assert.deepEqual(outcome("'2147483648' + 0"), [0, ["cast"]]);
    assert.deepEqual(outcome("'1e3' + 0"), [0, ["cast"]]);
  });
  test("String to Boolean: true or false in any case", () => {
    assert.deepEqual(outcome("NOT 'TrUe'"), [false, []]);
    assert.deepEqual(outcome("NOT 'yes'"), [true, ["cast"]]);
  });
});

describe("integer arithmetic", () => {
  test("overflow is a math error with 0", () => {
    for (const text of ["2147483647 + 1", "-2147483648 - 1", "65536 * 65536", "-2147483648 / -1", "--2147483648"]) {
      const r = run(text);
      assert.equal(r.value, 0, text);
      assert.deepEqual(
        r.errors.map((e) => e.code),
        [ErrorCode.Overflow],
        text,
      );
    }
  });
  test("truncated division; the remainder has the dividend's sign; no negative zero", () => {
    assert.deepEqual(outcome("-7 / 2"), [-3, []]);
    assert.deepEqual(outcome("-7 % 2"), [-1, []]);
    assert.deepEqual(outcome("7 % -2"), [1, []]);
    assert.ok(Object.is(run("-2147483648 % -1").value, 0));
    assert.ok(Object.is(run("-4 % 2").value, 0));
    assert.ok(Object.is(run("0 * -1").value, 0));
    assert.ok(Object.is(run("-(0)").value, 0));
  });
});

describe("LIKE", () => {
  const like = (value: string, pattern: string) =>
    run("x LIKE p".replace("p", `'${pattern.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`), withExt({ x: value }))
      .value;
  test("% and _ are wildcards; matching is case-sensitive", () => {
    assert.equal(like("abc", "a%"), true);
    assert.equal(like("ABC", "a%"), false);
    assert.equal(like("abc", "%%c"), true);
    assert.equal(like("abc", "a_c"), true);
    assert.equal(like("ac", "a_c"), false);
    assert.equal(like("", "%"), true);
    assert.equal(like("", "_"), false);
    assert.equal(like("aXbXc", "%b%"), true);
    assert.equal(like("abab", "%ab%ab"), true);
    assert.equal(like("aba", "%ab%ab"), false);
  });
  test("_ matches one character, an emoji included", () => {
    assert.equal(like("a😀b", "a_b"), true);
    assert.equal(like("a😀b", "a__b"), false);
    assert.equal(like("😀", "😀"), true);
    assert.equal(like("x😀", "_😀"), true);
  });
  test("escapes: \\% and \\_ are literal, \\\\ is one backslash, other backslashes match themselves", () => {
    assert.equal(like("a%", "a\\%"), true);
    assert.equal(like("ab", "a\\%"), false);
    assert.equal(like("a_", "a\\_"), true);
    assert.equal(like("a\\b", "a\\\\b"), true);
    assert.equal(like("a\\", "a\\"), true);
    assert.equal(like("a\\c", "a\\c"), true);
    assert.equal(like("a\\xyz", "a\\\\%"), true);
  });
  test("a non-String operand is cast to String", () => {
    assert.deepEqual(outcome("-12 LIKE '-1_'"), [true, []]);
    assert.deepEqual(outcome("myint LIKE '1%'", withExt({ myint: 10 })), [true, []]);
  });
  test("a pathological pattern stays fast (no backtracking blow-up)", () => {
    const started = performance.now();
    const text = "a".repeat(20_000);
    assert.equal(like(text, `${"%a".repeat(50)}%b`), false);
    assert.equal(like(text, `${"%_".repeat(50)}%b`), false);
    assert.ok(performance.now() - started < 2000);
  });
});

describe("IN", () => {
  test("elements are cast to the type of the left operand", () => {
    assert.deepEqual(outcome("'1' IN (1, 2)"), [true, []]);
    assert.deepEqual(outcome("1 IN ('a', 1)"), [true, ["cast"]]);
    assert.deepEqual(outcome("0 IN ('a')"), [true, ["cast"]]);
    assert.deepEqual(outcome("TRUE IN (1)"), [false, ["cast"]]);
  });
  test("stops at the first match; a failing element before it makes IN false", () => {
    assert.deepEqual(outcome("'a' IN ('a', missing)"), [true, []]);
    assert.deepEqual(outcome("'a' IN (missing, 'a')"), [false, ["missingAttribute"]]);
    assert.deepEqual(outcome("'a' NOT IN (missing, 'b')"), [false, ["missingAttribute"]]);
  });
  test("constant sets (hashed) answer as element-by-element evaluation does", () => {
    const event = withExt({ e1: "x", e2: 2, e3: "true", s: "2", i: 2, b: true });
    for (const left of ["s", "i", "b", "'x'", "3"]) {
      const hashed = run(`${left} IN ('x', 2, 'true')`, event);
      const sequential = run(`${left} IN (e1, e2, e3)`, event);
      assert.equal(hashed.value, sequential.value, left);
      assert.deepEqual(
        hashed.errors.map((e) => e.kind),
        sequential.errors.map((e) => e.kind),
        left,
      );
    }
  });
});

describe("matches: the filter verdict fails closed (spec §1.2)", () => {
  const verdict = (text: string, event = EVENT) => matches(compiled(text), event);
  test("true only for the Boolean true without any error", () => {
    assert.equal(verdict("type LIKE 'dev.cdevents.%'"), true);
    assert.equal(verdict("type LIKE 'other.%'"), false);
    assert.equal(verdict("'true'"), false);
    assert.equal(verdict("1"), false);
    assert.equal(verdict("NOT 10"), false);
    assert.equal(verdict("'x' OR TRUE"), false);
    assert.equal(verdict("myext = 'a' OR TRUE"), false);
    assert.equal(verdict("TRUE OR myext = 'a'"), true);
  });
  test("agrees with evaluate", () => {
    for (const text of ["TRUE", "NOT 10", "missing", "type", "id = 'e1'", "ABS(-2147483648) > 0"]) {
      const r = run(text);
      assert.equal(verdict(text), r.value === true && r.errors.length === 0, text);
    }
  });
});

describe("compile-time information", () => {
  test("the static result type", () => {
    assert.equal(compiled("type = 'a'").type, "boolean");
    assert.equal(compiled("type").type, "any");
    assert.equal(compiled("LENGTH(type)").type, "integer");
    assert.equal(compiled("CONCAT(type, 'x')").type, "string");
    assert.equal(compiled("NOPE(1)").type, "boolean");
  });
  test("warnings: unknown functions and constant subexpressions that fail", () => {
    assert.deepEqual(
      compiled("NOPE(1) OR LENGTH('a', 'b') = 1").warnings.map((w) => w.code),
      [ErrorCode.MissingFunction, ErrorCode.MissingFunction],
    );
    assert.deepEqual(
      compiled("type = 'a' AND 1 / 0 = 0").warnings.map((w) => w.code),
      [ErrorCode.DivisionByZero],
    );
    assert.deepEqual(compiled("type = 'a' AND 1 + 1 = 2").warnings, []);
  });
  test("constant subexpressions are computed once, and give the same answers", () => {
    assert.deepEqual(outcome("1 + 2 * 3 = 7 AND UPPER('a') = 'A' AND 2 IN (1, 2)"), [true, []]);
    assert.deepEqual(outcome("1 / 0"), [0, ["math"]]);
  });
  test("a compiled expression is frozen and reusable", () => {
    const e = compiled("x = 1");
    assert.ok(Object.isFrozen(e));
    assert.equal(evaluate(e, withExt({ x: 1 })).value, true);
    assert.equal(evaluate(e, withExt({ x: 2 })).value, false);
    assert.equal(e.source, "x = 1");
  });
});
