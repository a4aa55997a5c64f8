/**
 * Property-based tests (fast-check): printing round-trips, algebraic laws, LIKE and integer arithmetic against
 * independent reference implementations, AND/OR chains against the binary operators they stand for, and totality
 * (no input makes parsing or evaluation throw).
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  compile,
  type Expression,
  escapeLikePattern,
  evaluate,
  formatLiteral,
  INT_MAX,
  INT_MIN,
  matches,
  parse,
  print,
} from "../src/index.ts";
import { event, expression, int32, text, value } from "./arbitraries.ts";
import { compiled, EVENT, outcome } from "./helpers.ts";

/** A normalized node: plain data. */
type Normalized = { readonly kind: string; readonly [key: string]: unknown };

/** A tree without spans, and with left-nested AND/OR chains flattened as the parser builds them. */
function normalize(node: Expression): Normalized {
  switch (node.kind) {
    case "literal":
      return { kind: node.kind, value: node.value };
    case "identifier":
    case "exists":
      return { kind: node.kind, name: node.name };
    case "unary":
      return { kind: node.kind, operator: node.operator, operand: normalize(node.operand) };
    case "binary":
      return { kind: node.kind, operator: node.operator, left: normalize(node.left), right: normalize(node.right) };
    case "logical": {
      const [first, ...rest] = node.operands.map(normalize) as [Normalized, ...Normalized[]];
      const head =
        first.kind === "logical" && first.operator === node.operator ? (first.operands as unknown[]) : [first];
      return { kind: node.kind, operator: node.operator, operands: [...head, ...rest] };
    }
    case "like":
      return { kind: node.kind, negated: node.negated, operand: normalize(node.operand), pattern: node.pattern };
    case "in":
      return { kind: node.kind, negated: node.negated, operand: normalize(node.operand), set: node.set.map(normalize) };
    case "call":
      return { kind: node.kind, name: node.name, args: node.args.map(normalize) };
  }
}

describe("printing", () => {
  test("a printed literal parses back to the same value", () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(outcome(formatLiteral(v)), [v, []]);
      }),
      { numRuns: 500 },
    );
  });
  test("a printed tree parses back to the same tree", () => {
    fc.assert(
      fc.property(expression, (tree) => {
        const text = print(tree);
        const r = parse(text);
        assert.ok(r.ok, `${text}: ${r.ok ? "" : r.error.message}`);
        assert.deepEqual(normalize(r.expression), normalize(tree), text);
        assert.equal(print(r.expression), text);
      }),
      { numRuns: 500 },
    );
  });
});

describe("laws", () => {
  test("AND, OR, XOR, = and <> commute on Boolean literals", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.constantFrom("AND", "OR", "XOR", "=", "<>"), (a, b, op) => {
        const [x, y] = [formatLiteral(a), formatLiteral(b)];
        assert.deepEqual(outcome(`${x} ${op} ${y}`), outcome(`${y} ${op} ${x}`));
      }),
    );
  });
  test("NOT NOT b is b, and x NOT LIKE p is NOT (x LIKE p), on error-free inputs", () => {
    fc.assert(
      fc.property(fc.boolean(), text, text, (b, x, p) => {
        assert.deepEqual(outcome(`NOT NOT ${formatLiteral(b)}`), [b, []]);
        const [like, notLike] = [
          outcome(`x LIKE ${formatLiteral(p)}`, { ...EVENT, x }),
          outcome(`x NOT LIKE ${formatLiteral(p)}`, { ...EVENT, x }),
        ];
        assert.deepEqual(notLike, [!like[0], []]);
      }),
    );
  });
  test("a LIKE pattern made by escapeLikePattern matches exactly its text", () => {
    fc.assert(
      fc.property(text, text, (s, other) => {
        const pattern = formatLiteral(escapeLikePattern(s));
        assert.deepEqual(outcome(`x LIKE ${pattern}`, { ...EVENT, x: s }), [true, []]);
        assert.deepEqual(outcome(`${formatLiteral(s)} LIKE ${pattern}`), [true, []]);
        if (other !== s) assert.deepEqual(outcome(`x LIKE ${pattern}`, { ...EVENT, x: other }), [false, []]);
        const prefix = formatLiteral(`${escapeLikePattern(s)}%`);
        assert.deepEqual(outcome(`x LIKE ${prefix}`, { ...EVENT, x: s + other }), [true, []]);
      }),
      { numRuns: 500 },
    );
  });
});

/** LIKE by regular expression, as the reference: same escapes, `%` → `.*`, `_` → `.` over code points. */
function likeByRegExp(value: string, pattern: string): boolean {
  const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  const chars = Array.from(pattern);
  let source = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    if (c === "\\" && (next === "%" || next === "_" || next === "\\")) {
      source += literal(next);
      i++;
    } else if (c === "%") source += ".*";
    else if (c === "_") source += ".";
    else source += literal(c);
  }
  return new RegExp(`^${source}$`, "su").test(value);
}

describe("references", () => {
  test("LIKE agrees with a regular-expression implementation", () => {
    const alphabet = fc.constantFrom("a", "b", "%", "_", "\\", "😀");
    const word = (max: number) => fc.array(alphabet, { maxLength: max }).map((a) => a.join(""));
    fc.assert(
      fc.property(word(10), word(8), (x, pattern) => {
        const expected = likeByRegExp(x, pattern);
        assert.deepEqual(
          outcome(`x LIKE ${formatLiteral(pattern)}`, { ...EVENT, x }),
          [expected, []],
          `${x} / ${pattern}`,
        );
      }),
      { numRuns: 3000 },
    );
  });

  test("integer arithmetic agrees with BigInt, overflow and division by zero included", () => {
    const ops = fc.constantFrom("+", "-", "*", "/", "%");
    fc.assert(
      fc.property(int32, int32, ops, (a, b, op) => {
        const [x, y] = [BigInt(a), BigInt(b)];
        const [v, errors] = outcome(`${formatLiteral(a)} ${op} ${formatLiteral(b)}`);
        if ((op === "/" || op === "%") && b === 0) return assert.deepEqual([v, errors], [0, ["math"]]);
        const exact = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x % y;
        const fits = exact >= BigInt(INT_MIN) && exact <= BigInt(INT_MAX);
        assert.deepEqual([v, errors], fits ? [Number(exact), []] : [0, ["math"]]);
        if (fits) assert.ok(!Object.is(v, -0));
      }),
      { numRuns: 2000 },
    );
  });

  test("AND/OR chains give what the left-associative binary operators give", () => {
    type Tree = string | { op: "AND" | "OR" | "XOR"; left: Tree; right: Tree };
    const leaf = fc.constantFrom("TRUE", "FALSE", "'x'", "'true'", "missing", "10");
    const tree = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.record({
          op: fc.constantFrom("AND" as const, "OR" as const, "XOR" as const),
          left: tie("t"),
          right: tie("t"),
        }),
      ),
    })).t;
    const show = (t: Tree): string => (typeof t === "string" ? t : `(${show(t.left)} ${t.op} ${show(t.right)})`);

    /** The binary operators, one at a time: an operand that reports an error makes the operator false. */
    function reference(t: Tree, errors: string[]): string | number | boolean {
      if (typeof t === "string") {
        if (t === "missing") {
          errors.push("missingAttribute");
          return false;
        }
        return t === "TRUE" ? true : t === "FALSE" ? false : t === "10" ? 10 : t.slice(1, -1);
      }
      const truth = (v: string | number | boolean): boolean => {
        if (typeof v === "boolean") return v;
        if (typeof v === "string" && ["true", "false"].includes(v.toLowerCase())) return v.toLowerCase() === "true";
        errors.push("cast");
        return false;
      };
      const n = errors.length;
      const a = reference(t.left, errors);
      if (t.op === "XOR") {
        const b = reference(t.right, errors);
        return errors.length === n && truth(a) !== truth(b);
      }
      if (errors.length !== n) return false;
      const ta = truth(a);
      if (t.op === "AND" ? !ta : ta) return ta;
      const m = errors.length;
      const b = reference(t.right, errors);
      return errors.length === m && truth(b);
    }

    fc.assert(
      fc.property(tree, (t) => {
        const errors: string[] = [];
        const expected = reference(t, errors);
        assert.deepEqual(outcome(show(t)), [expected, errors], show(t));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("totality", () => {
  const soup = fc
    .array(
      fc.constantFrom(
        "(",
        ")",
        ",",
        "'",
        '"',
        "\\",
        "-",
        "+",
        "*",
        "/",
        "%",
        "=",
        "!=",
        "<>",
        "<",
        ">=",
        " ",
        "\n",
        "1",
        "2147483648",
        "a",
        "NOT",
        "AND",
        "OR",
        "XOR",
        "LIKE",
        "IN",
        "EXISTS",
        "TRUE",
        "CONCAT",
        "_",
        "é",
        "😀",
        "#",
      ),
      { maxLength: 30 },
    )
    .map((a) => a.join(" "));

  test("parse and compile never throw; errors point inside the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), soup), (s) => {
        const r = compile(s);
        if (r.ok) return;
        const { offset, line, column } = r.error.position;
        assert.equal(r.error.kind, "parse");
        assert.ok(offset >= 0 && offset <= s.length, `offset ${offset} in ${JSON.stringify(s)}`);
        const before = s.slice(0, offset).split(/\r\n|\r|\n/);
        assert.equal(line, before.length);
        assert.equal(column, (before.at(-1) ?? "").length + 1);
      }),
      { numRuns: 3000 },
    );
  });

  test("evaluation never throws, gives a CESQL value, and matches agrees with it", () => {
    fc.assert(
      fc.property(expression, event, (tree, e) => {
        const c = compiled(print(tree));
        const r = evaluate(c, e);
        const type = typeof r.value;
        assert.ok(type === "string" || type === "boolean" || (type === "number" && Number.isInteger(r.value)));
        if (type === "number") assert.ok((r.value as number) >= INT_MIN && (r.value as number) <= INT_MAX);
        assert.equal(matches(c, e), r.value === true && r.errors.length === 0);
        if (c.type !== "any" && r.errors.length === 0) assert.equal(type === "number" ? "integer" : type, c.type);
      }),
      { numRuns: 2000 },
    );
  });
});
