/**
 * Compiles unary, arithmetic and comparison operators (spec §3.4.1, §3.4.2). Every operator follows one protocol:
 * evaluate the operands left to right; if that reported an error (a missing attribute, a failed subexpression),
 * give the zero value of the result type without computing; otherwise cast the operands (a failed cast reports a
 * CastError and goes on with the cast's zero value) and compute (a math error gives 0).
 * @module
 */
import type { ArithmeticOperator, BinaryNode, UnaryNode } from "./ast.ts";
import { toBooleanValue, toIntegerValue, toStringValue } from "./casts.ts";
import { compileXor } from "./compile-logic.ts";
import { type CompileContext, type CompiledNode, dynamic, type Run } from "./compiled.ts";
import { type EvalContext, reportMath } from "./context.ts";
import { ErrorCode } from "./errors.ts";
import type { SourcePosition } from "./position.ts";
import { type CesqlValue, INT_MAX, INT_MIN } from "./types.ts";

/** `NOT x` (Boolean) or `-x` (Integer). */
export function compileUnary(node: UnaryNode, c: CompileContext): CompiledNode {
  const operand = c.compile(node.operand);
  const run = operand.run;
  const at = c.at(node.operand.start);
  if (node.operator === "NOT") {
    const not: Run = (ctx) => {
      const n = ctx.errorCount;
      const v = run(ctx);
      return ctx.errorCount === n && !(typeof v === "boolean" ? v : toBooleanValue(v, ctx, at));
    };
    return c.fold(dynamic(not, "boolean"), [operand]);
  }
  const opAt = c.at(node.start);
  const negate: Run = (ctx) => {
    const n = ctx.errorCount;
    const v = run(ctx);
    if (ctx.errorCount !== n) return 0;
    const x = typeof v === "number" ? v : toIntegerValue(v, ctx, at);
    if (x !== INT_MIN) return 0 - x;
    reportMath(ctx, ErrorCode.Overflow, "-(-2147483648) overflows 32 bits", opAt);
    return 0;
  };
  return c.fold(dynamic(negate, "integer"), [operand]);
}

/** Binary operators other than AND and OR. */
export function compileBinary(node: BinaryNode, c: CompileContext): CompiledNode {
  switch (node.operator) {
    case "=":
    case "!=":
    case "<>":
      return compileEquality(node, c);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compileOrdering(node, c);
    case "XOR":
      return compileXor(node, c);
    default:
      return compileArithmetic(node, node.operator, c);
  }
}

/** Both operands as Integers, or undefined when evaluating them reported an error. */
type IntegerPair = (ctx: EvalContext) => readonly [number, number] | undefined;

function integerOperands(node: BinaryNode, c: CompileContext, left: CompiledNode, right: CompiledNode): IntegerPair {
  const [l, r] = [left.run, right.run];
  const [lat, rat] = [c.at(node.left.start), c.at(node.right.start)];
  return (ctx) => {
    const n = ctx.errorCount;
    const a = l(ctx);
    const b = r(ctx);
    if (ctx.errorCount !== n) return undefined;
    return [
      typeof a === "number" ? a : toIntegerValue(a, ctx, lat),
      typeof b === "number" ? b : toIntegerValue(b, ctx, rat),
    ];
  };
}

const ORDERING: Readonly<Record<string, (x: number, y: number) => boolean>> = {
  "<": (x, y) => x < y,
  "<=": (x, y) => x <= y,
  ">": (x, y) => x > y,
  ">=": (x, y) => x >= y,
};

/** `<`, `<=`, `>`, `>=`: defined on Integers only, so both operands are cast to Integer (`hop < ttl` on '5', '10'). */
function compileOrdering(node: BinaryNode, c: CompileContext): CompiledNode {
  const [left, right] = [c.compile(node.left), c.compile(node.right)];
  const operands = integerOperands(node, c, left, right);
  const test = ORDERING[node.operator] as (x: number, y: number) => boolean;
  const run: Run = (ctx) => {
    const pair = operands(ctx);
    return pair !== undefined && test(pair[0], pair[1]);
  };
  return c.fold(dynamic(run, "boolean"), [left, right]);
}

const ARITHMETIC: Readonly<Record<ArithmeticOperator, (x: number, y: number) => number>> = {
  "+": (x, y) => x + y,
  "-": (x, y) => x - y,
  // Exact whenever the product fits 32 bits (it is then below 2^53); otherwise it is caught as overflow.
  "*": (x, y) => x * y,
  "/": (x, y) => Math.trunc(x / y),
  "%": (x, y) => x % y,
};

/** `+ - * / %` on Integers: truncated division, remainder with the dividend's sign; math errors give 0. */
function compileArithmetic(node: BinaryNode, operator: ArithmeticOperator, c: CompileContext): CompiledNode {
  const [left, right] = [c.compile(node.left), c.compile(node.right)];
  const operands = integerOperands(node, c, left, right);
  const compute = ARITHMETIC[operator];
  const divides = operator === "/" || operator === "%";
  const at = c.at(node.operatorAt);
  const run: Run = (ctx) => {
    const pair = operands(ctx);
    if (pair === undefined) return 0;
    const [x, y] = pair;
    if (divides && y === 0) {
      reportMath(ctx, ErrorCode.DivisionByZero, `${x} ${operator} 0: division by zero`, at);
      return 0;
    }
    const z = compute(x, y);
    // `| 0` turns -0 (from `-4 % 2`, `0 * -1`) into 0.
    if (z >= INT_MIN && z <= INT_MAX) return z | 0;
    reportMath(ctx, ErrorCode.Overflow, `${x} ${operator} ${y} overflows 32 bits`, at);
    return 0;
  };
  return c.fold(dynamic(run, "integer"), [left, right]);
}

/**
 * `=`, `!=`, `<>`: defined for each type, so the overload is chosen by the right operand's type and the left one is
 * cast to it (spec §3.7): `sequence = 5` compares Integers, `true = 'TRUE'` compares Strings (and is false).
 */
function compileEquality(node: BinaryNode, c: CompileContext): CompiledNode {
  const [left, right] = [c.compile(node.left), c.compile(node.right)];
  const negate = node.operator !== "=";
  const [l, r] = [left.run, right.run];
  const lat = c.at(node.left.start);
  let run: Run;
  if (right.constant && typeof right.value === "string") {
    // The usual filter, `attribute = 'text'`: nothing to choose at run time.
    const k = right.value;
    run = (ctx) => {
      const n = ctx.errorCount;
      const a = l(ctx);
      return ctx.errorCount === n && (toStringValue(a) === k) !== negate;
    };
  } else {
    run = (ctx) => {
      const n = ctx.errorCount;
      const a = l(ctx);
      const b = r(ctx);
      return ctx.errorCount === n && (castLike(a, b, ctx, lat) === b) !== negate;
    };
  }
  return c.fold(dynamic(run, "boolean"), [left, right]);
}

/** `a` cast to the type of `b`. */
export function castLike(a: CesqlValue, b: CesqlValue, ctx: EvalContext, at: SourcePosition): CesqlValue {
  if (typeof a === typeof b) return a;
  if (typeof b === "string") return toStringValue(a);
  return typeof b === "number" ? toIntegerValue(a, ctx, at) : toBooleanValue(a, ctx, at);
}
