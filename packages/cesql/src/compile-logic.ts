/**
 * Compiles AND, OR and XOR (spec §3.4.2). AND and OR short-circuit (spec §3.6), and so does an operand that fails:
 * the operator's result is then its zero value, `false`, whatever the other operand. A chain `a AND b AND c` is one
 * flat node, evaluated in a loop that gives exactly what the left-associative binary operators give.
 * @module
 */
import type { BinaryNode, LogicalNode } from "./ast.ts";
import { toBooleanValue } from "./casts.ts";
import { type CompileContext, type CompiledNode, dynamic, type Run } from "./compiled.ts";
import type { EvalContext } from "./context.ts";
import type { SourcePosition } from "./position.ts";
import type { CesqlValue } from "./types.ts";

/** An operand's value as a Boolean (implicit cast; a failed cast gives false). */
function truth(v: CesqlValue, ctx: EvalContext, at: SourcePosition): boolean {
  return typeof v === "boolean" ? v : toBooleanValue(v, ctx, at);
}

/** A chain of AND or of OR. */
export function compileLogical(node: LogicalNode, c: CompileContext): CompiledNode {
  const operands = node.operands.map((o) => c.compile(o));
  const runs = operands.map((o) => o.run);
  const ats = node.operands.map((o) => c.at(o.start));
  const run = node.operator === "AND" ? andChain(runs, ats) : orChain(runs, ats);
  return c.fold(dynamic(run, "boolean"), operands);
}

/**
 * `x1 AND x2 AND …`: false at the first operand that fails or is false, without evaluating the rest; true when all
 * are true. (A true operand reported no error: a failed cast gives false.)
 */
function andChain(runs: readonly Run[], ats: readonly SourcePosition[]): Run {
  if (runs.length === 2) {
    // The common two-operand filter, without the loop.
    const [a, b] = runs as [Run, Run];
    const [aAt, bAt] = ats as [SourcePosition, SourcePosition];
    return (ctx) => {
      const n = ctx.errorCount;
      const x = a(ctx);
      if (ctx.errorCount !== n || !truth(x, ctx, aAt)) return false;
      const y = b(ctx);
      return ctx.errorCount === n && truth(y, ctx, bAt);
    };
  }
  return (ctx) => {
    const n = ctx.errorCount;
    for (let i = 0; i < runs.length; i++) {
      const v = (runs[i] as Run)(ctx);
      if (ctx.errorCount !== n || !truth(v, ctx, ats[i] as SourcePosition)) return false;
    }
    return true;
  };
}

/**
 * `x1 OR x2 OR …`, as `((x1 OR x2) OR …)`: each OR gives true when its left side is true, false when either side
 * failed, and its right side otherwise. A failed cast is the failing OR's own error: that OR still gives its right
 * side (`'x' OR TRUE` is true with a cast error), and the next OR, seeing the error, gives false.
 */
function orChain(runs: readonly Run[], ats: readonly SourcePosition[]): Run {
  return (ctx) => {
    const n = ctx.errorCount;
    const first = (runs[0] as Run)(ctx);
    if (ctx.errorCount !== n) return false;
    let acc = truth(first, ctx, ats[0] as SourcePosition);
    for (let i = 1; i < runs.length; i++) {
      if (i > 1 && ctx.errorCount !== n) return false;
      if (acc) return true;
      const m = ctx.errorCount;
      const v = (runs[i] as Run)(ctx);
      acc = ctx.errorCount === m && truth(v, ctx, ats[i] as SourcePosition);
    }
    return acc;
  };
}

/** `x XOR y`: both operands are always evaluated. */
export function compileXor(node: BinaryNode, c: CompileContext): CompiledNode {
  const [left, right] = [c.compile(node.left), c.compile(node.right)];
  const [l, r] = [left.run, right.run];
  const [lat, rat] = [c.at(node.left.start), c.at(node.right.start)];
  const run: Run = (ctx) => {
    const n = ctx.errorCount;
    const a = l(ctx);
    const b = r(ctx);
    return ctx.errorCount === n && truth(a, ctx, lat) !== truth(b, ctx, rat);
  };
  return c.fold(dynamic(run, "boolean"), [left, right]);
}
