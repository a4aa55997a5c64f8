/**
 * Parsing: precedence and associativity as spec §3.6 states them, lexical details, and parse errors with their
 * codes and positions (offset, line, column).
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compile, ErrorCode, type Expression, evaluate, MAX_DEPTH, parse, print } from "../src/index.ts";

/** The canonical text of an expression: parentheses show how it was grouped. */
function grouped(text: string): string {
  const r = parse(text);
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return print(r.expression);
}

/** The tree as an S-expression, every operation in parentheses, to show the grouping. */
function tree(text: string): string {
  const r = parse(text);
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const show = (e: Expression): string => {
    switch (e.kind) {
      case "literal":
        return String(e.value);
      case "identifier":
        return e.name;
      case "logical":
        return `(${e.operator} ${e.operands.map(show).join(" ")})`;
      case "binary":
        return `(${e.operator} ${show(e.left)} ${show(e.right)})`;
      case "unary":
        return `(${e.operator} ${show(e.operand)})`;
      case "like":
        return `(${e.negated ? "NOT LIKE" : "LIKE"} ${show(e.operand)} ${e.pattern})`;
      case "in":
        return `(${e.negated ? "NOT IN" : "IN"} ${show(e.operand)} ${e.set.map(show).join(" ")})`;
      default:
        return print(e);
    }
  };
  return show(r.expression);
}

/** The parse error of an expression. */
function failure(text: string) {
  const r = parse(text);
  assert.ok(!r.ok, `expected a parse error for ${JSON.stringify(text)}`);
  return r.error;
}

describe("precedence and associativity", () => {
  test("multiplicative binds tighter than additive, additive than comparison, comparison than logic", () => {
    assert.equal(tree("1 + 2 * 3 = 7 AND TRUE"), "(AND (= (+ 1 (* 2 3)) 7) true)");
    assert.equal(tree("(1 + 2) * 3"), "(* (+ 1 2) 3)");
    assert.equal(tree("a < b = c"), "(= (< a b) c)");
  });
  test("operators of equal precedence associate left to right", () => {
    assert.equal(tree("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert.equal(tree("1 - (2 - 3)"), "(- 1 (- 2 3))");
    assert.equal(tree("8 / 4 % 3 * 2"), "(* (% (/ 8 4) 3) 2)");
  });
  test("AND, OR and XOR share one level, left to right (spec §3.6), unlike SQL", () => {
    assert.equal(tree("a OR b AND c"), "(AND (OR a b) c)");
    assert.equal(tree("a AND b OR c"), "(OR (AND a b) c)");
    assert.equal(tree("a XOR b AND c"), "(AND (XOR a b) c)");
    assert.equal(tree("a AND b XOR c"), "(XOR (AND a b) c)");
  });
  test("unary operators bind tighter than LIKE, IN and comparisons", () => {
    assert.equal(tree("NOT a LIKE 'x'"), "(LIKE (NOT a) x)");
    assert.equal(tree("NOT (a LIKE 'x')"), "(NOT (LIKE a x))");
    assert.equal(tree("NOT a = 'x'"), "(= (NOT a) x)");
    assert.equal(tree("-a * b"), "(* (- a) b)");
    assert.equal(tree("NOT NOT a"), "(NOT (NOT a))");
  });
  test("LIKE and IN bind tighter than arithmetic, LIKE tighter than IN", () => {
    assert.equal(tree("a + b LIKE 'x'"), "(+ a (LIKE b x))");
    assert.equal(tree("(a + b) LIKE 'x'"), "(LIKE (+ a b) x)");
    assert.equal(tree("a * b IN (1, 2)"), "(* a (IN b 1 2))");
    assert.equal(tree("a IN (1) LIKE 'x'"), "(LIKE (IN a 1) x)");
    assert.equal(tree("a NOT LIKE 'x' IN (TRUE)"), "(IN (NOT LIKE a x) true)");
  });
  test("chains of AND (or of OR) are one flat node", () => {
    const r = parse("a AND b AND (c AND d) AND e");
    assert.ok(r.ok && r.expression.kind === "logical");
    assert.equal(r.expression.operands.length, 4);
  });
  test("keywords and boolean literals are case-insensitive; attribute names are lower-cased, function names upper-cased", () => {
    assert.equal(grouped("tRuE aNd NoT exists SUBJECT"), "TRUE AND NOT EXISTS subject");
    assert.equal(grouped("concat_ws(',', Id)"), "CONCAT_WS(',', id)");
    assert.equal(grouped("x not like 'a' or y Not In (1)"), "x NOT LIKE 'a' OR y NOT IN (1)");
  });
});

describe("literals", () => {
  test("integers: optional sign, 32-bit range, -2147483648 included", () => {
    assert.equal(grouped("-2147483648"), "-2147483648");
    assert.equal(grouped("+5"), "5");
    assert.equal(grouped("007"), "7");
    assert.equal(failure("2147483648").code, ErrorCode.IntegerOutOfRange);
    assert.equal(failure("-2147483649").code, ErrorCode.IntegerOutOfRange);
    assert.equal(failure("99999999999999999999999").code, ErrorCode.IntegerOutOfRange);
  });
  test("a minus before a non-literal is negation; before a literal it is the sign", () => {
    assert.equal(grouped("--10"), "--10");
    assert.equal(grouped("-(10)"), "-(10)");
    assert.equal(grouped("4 - -1"), "4 - -1");
    assert.equal(grouped("4-1"), "4 - 1");
  });
  test("string escapes: the delimiter, a doubled delimiter, and backslash-backslash", () => {
    const value = (text: string) => {
      const r = parse(text);
      assert.ok(r.ok && r.expression.kind === "literal");
      return r.expression.value;
    };
    assert.equal(value(String.raw`'a"b\'c'`), `a"b'c`);
    assert.equal(value(String.raw`"a'b\"c"`), `a'b"c`);
    assert.equal(value(`'it''s'`), "it's");
    assert.equal(value(String.raw`'ab\c'`), String.raw`ab\c`);
    assert.equal(value(String.raw`'a\\'`), "a\\");
    assert.equal(value(String.raw`'a\%'`), String.raw`a\%`);
    assert.equal(value(String.raw`'a\"'`), String.raw`a\"`);
  });
});

describe("parse errors: code, message and position", () => {
  const cases: readonly [text: string, code: string, offset: number, line: number, column: number][] = [
    ["ABC(", ErrorCode.UnexpectedEnd, 4, 1, 5],
    ["", ErrorCode.UnexpectedEnd, 0, 1, 1],
    ["   ", ErrorCode.UnexpectedEnd, 3, 1, 4],
    ["x LIKE 123", ErrorCode.LikePatternNotString, 7, 1, 8],
    ["x LIKE y", ErrorCode.LikePatternNotString, 7, 1, 8],
    ["'abc", ErrorCode.UnterminatedString, 0, 1, 1],
    ["a = 'it\\'", ErrorCode.UnterminatedString, 4, 1, 5],
    ["a # b", ErrorCode.UnexpectedCharacter, 2, 1, 3],
    ["a ! b", ErrorCode.UnexpectedCharacter, 2, 1, 3],
    ["a = é", ErrorCode.UnexpectedCharacter, 4, 1, 5],
    ["1 2", ErrorCode.UnexpectedToken, 2, 1, 3],
    ["(1 + 2", ErrorCode.UnexpectedEnd, 6, 1, 7],
    ["1 + 2)", ErrorCode.UnexpectedToken, 5, 1, 6],
    ["x IN ()", ErrorCode.UnexpectedToken, 6, 1, 7],
    ["x IN 1", ErrorCode.UnexpectedToken, 5, 1, 6],
    ["x NOT 1", ErrorCode.UnexpectedToken, 6, 1, 7],
    ["EXISTS 1", ErrorCode.UnexpectedToken, 7, 1, 8],
    ["EXISTS", ErrorCode.UnexpectedEnd, 6, 1, 7],
    ["my_ext = 1", ErrorCode.InvalidIdentifier, 0, 1, 1],
    ["F1(2)", ErrorCode.InvalidFunctionName, 0, 1, 1],
    ["_F(2)", ErrorCode.InvalidFunctionName, 0, 1, 1],
    ["+x", ErrorCode.UnexpectedToken, 0, 1, 1],
    ["+ 1", ErrorCode.UnexpectedToken, 0, 1, 1],
    ["CONCAT(1,)", ErrorCode.UnexpectedToken, 9, 1, 10],
    ["a = 2147483648", ErrorCode.IntegerOutOfRange, 4, 1, 5],
    ["a = -2147483649", ErrorCode.IntegerOutOfRange, 4, 1, 5],
  ];
  for (const [text, code, offset, line, column] of cases) {
    test(JSON.stringify(text), () => {
      const e = failure(text);
      assert.equal(e.kind, "parse");
      assert.equal(e.code, code, e.message);
      assert.deepEqual(e.position, { offset, line, column }, e.message);
      assert.ok(e.message.length > 0);
    });
  }

  test("lines and columns across \\n, \\r\\n and \\r", () => {
    assert.deepEqual(failure("type = 'a'\nAND source =").position, { offset: 23, line: 2, column: 13 });
    assert.deepEqual(failure("type = 'a'\r\nAND\r\n  #").position, { offset: 19, line: 3, column: 3 });
    assert.deepEqual(failure("a\rb").position, { offset: 2, line: 2, column: 1 });
    assert.deepEqual(failure("a = 1 AND\n\n  b LIKE 5").position, { offset: 20, line: 3, column: 10 });
  });

  test("compile returns the parse error as data", () => {
    const r = compile("type LIKE");
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.LikePatternNotString);
    assert.deepEqual(r.error.position, { offset: 9, line: 1, column: 10 });
  });

  test("nesting beyond MAX_DEPTH is a parse error, not a stack overflow", () => {
    const deep = `${"(".repeat(MAX_DEPTH + 1)}1${")".repeat(MAX_DEPTH + 1)}`;
    assert.equal(failure(deep).code, ErrorCode.TooDeep);
    assert.equal(failure("NOT ".repeat(100_000) + "TRUE").code, ErrorCode.TooDeep);
    assert.equal(failure(`1${" + 1".repeat(MAX_DEPTH)}`).code, ErrorCode.TooDeep);
    assert.equal(failure("-".repeat(MAX_DEPTH + 1) + "x").code, ErrorCode.TooDeep);
    // Long AND / OR chains are flat, so they are not limited.
    const alternatives = Array.from({ length: 5000 }, (_, i) => `a = ${i}`).join(" OR ");
    assert.ok(parse(alternatives).ok);
    const r = compile(alternatives);
    assert.ok(r.ok);
    assert.equal(evaluate(r.expression, { a: 4999 }).value, true);
    // Just within the limit, compiles and evaluates.
    assert.ok(compile(`${"(".repeat(MAX_DEPTH - 1)}1${")".repeat(MAX_DEPTH - 1)}`).ok);
  });
});
