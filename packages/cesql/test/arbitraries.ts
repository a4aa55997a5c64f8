/**
 * fast-check arbitraries for CESQL: literal values, attribute names, syntax trees (spans left at 0) and events.
 * @module
 */
import fc from "fast-check";
import type { ArithmeticOperator, ComparisonOperator, Expression } from "../src/index.ts";
import { INT_MAX, INT_MIN } from "../src/index.ts";

/** Characters that stress quoting and LIKE escaping. */
const TRICKY = ["'", '"', "\\", "%", "_", "''", "\\'", "😀", "\u0000", "\n", "é", "a", "Z", " "];

/** Strings with quotes, backslashes, wildcards and astral characters, and arbitrary ones. */
export const text: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...TRICKY), { maxLength: 8 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/** A CESQL Integer, the bounds included often. */
export const int32: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: INT_MIN, max: INT_MAX }),
  fc.constantFrom(INT_MIN, INT_MAX, 0, -1, 1),
  fc.integer({ min: -100, max: 100 }),
);

/** Any CESQL value. */
export const value: fc.Arbitrary<string | number | boolean> = fc.oneof(text, int32, fc.boolean());

const KEYWORDS = new Set(["and", "or", "xor", "not", "like", "in", "exists", "true", "false"]);

/** Attribute names: a few that events below often carry, and arbitrary valid ones. */
export const attributeName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("type", "source", "id", "subject", "x", "n", "b", "missing", "data", "constructor"),
  fc.stringMatching(/^[a-z0-9]{1,8}$/).filter((s) => !KEYWORDS.has(s) && !/^[0-9]+$/.test(s)),
);

const FUNCTIONS = [
  "LENGTH",
  "CONCAT",
  "CONCAT_WS",
  "UPPER",
  "TRIM",
  "LEFT",
  "SUBSTRING",
  "ABS",
  "INT",
  "BOOL",
  "STRING",
];
const ARITHMETIC: ArithmeticOperator[] = ["+", "-", "*", "/", "%"];
const COMPARISON: ComparisonOperator[] = ["=", "!=", "<>", "<", "<=", ">", ">="];

/** A syntax tree (every span 0), of any shape the grammar allows. */
export const expression: fc.Arbitrary<Expression> = fc.letrec<{ expr: Expression }>((tie) => {
  const expr = tie("expr");
  const span = { start: 0, end: 0 };
  const leaf = fc.oneof(
    value.map((v): Expression => ({ kind: "literal", value: v, ...span })),
    attributeName.map((name): Expression => ({ kind: "identifier", name, ...span })),
    attributeName.map((name): Expression => ({ kind: "exists", name, ...span })),
  );
  return {
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc
        .tuple(fc.constantFrom("NOT" as const, "-" as const), expr)
        .map(([operator, operand]): Expression => ({ kind: "unary", operator, operand, ...span })),
      fc
        .tuple(fc.constantFrom(...ARITHMETIC, ...COMPARISON, "XOR" as const), expr, expr)
        .map(
          ([operator, left, right]): Expression => ({ kind: "binary", operator, left, right, operatorAt: 0, ...span }),
        ),
      fc
        .tuple(fc.constantFrom("AND" as const, "OR" as const), fc.array(expr, { minLength: 2, maxLength: 4 }))
        .map(([operator, operands]): Expression => ({ kind: "logical", operator, operands, ...span })),
      fc
        .tuple(fc.boolean(), expr, text)
        .map(([negated, operand, pattern]): Expression => ({ kind: "like", negated, operand, pattern, ...span })),
      fc
        .tuple(fc.boolean(), expr, fc.array(expr, { minLength: 1, maxLength: 3 }))
        .map(([negated, operand, set]): Expression => ({ kind: "in", negated, operand, set, ...span })),
      fc
        .tuple(fc.constantFrom(...FUNCTIONS, "NOPE"), fc.array(expr, { maxLength: 3 }))
        .map(([name, args]): Expression => ({ kind: "call", name, args, ...span })),
    ),
  };
}).expr;

/** Events: the required attributes, then attributes of any JavaScript value, hostile ones included. */
export const event: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.dictionary(
      attributeName,
      fc.oneof(
        value,
        fc.constant(null),
        fc.anything({
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withNullPrototype: true,
          withMap: true,
          withSet: true,
        }),
      ),
    ),
    fc.constantFrom("dev.cdevents.build.finished.0.2.0", "com.example.other"),
  )
  .map(([extra, type]) => ({ specversion: "1.0", id: "1", source: "x", type, ...extra }));
