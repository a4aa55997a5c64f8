/**
 * Compiles LIKE, IN and EXISTS (spec §3.4.3–3.4.5). `x NOT LIKE p` and `x NOT IN (…)` are single operators here:
 * when `x` fails (a missing attribute) they give false, their zero value, like every other operator.
 * @module
 */
import type { ExistsNode, InNode, LikeNode } from "./ast.ts";
import { hasAttribute, REQUIRED_ATTRIBUTES, rawReader } from "./attributes.ts";
import { toBooleanValue, toIntegerValue, toStringValue } from "./casts.ts";
import { castLike } from "./compile-operators.ts";
import { type CompileContext, type CompiledNode, dynamic, type Run } from "./compiled.ts";
import { EvalContext } from "./context.ts";
import { compileLike } from "./like.ts";
import type { SourcePosition } from "./position.ts";
import type { CesqlValue } from "./types.ts";

/** `x [NOT] LIKE 'pattern'`: `x` is cast to String. */
export function compileLikeNode(node: LikeNode, c: CompileContext): CompiledNode {
  const operand = c.compile(node.operand);
  const run = operand.run;
  const match = compileLike(node.pattern);
  const negated = node.negated;
  const like: Run = (ctx) => {
    const n = ctx.errorCount;
    const v = run(ctx);
    return ctx.errorCount === n && match(typeof v === "string" ? v : toStringValue(v)) !== negated;
  };
  return c.fold(dynamic(like, "boolean"), [operand]);
}

/** `EXISTS name`: always true for the required attributes (spec §3.4.4), never an error. */
export function compileExists(node: ExistsNode): CompiledNode {
  if (REQUIRED_ATTRIBUTES.has(node.name)) return { run: () => true, type: "boolean", constant: true, value: true };
  const read = rawReader(node.name);
  return dynamic((ctx) => hasAttribute(ctx.event, read), "boolean");
}

/**
 * `x [NOT] IN (y1, …)`: like `x = y1 OR x = y2 …` with every `yN` cast to the type of `x` (spec §3.7), stopping at
 * the first match. An `x` or an element that fails (a missing attribute) makes it false.
 */
export function compileIn(node: InNode, c: CompileContext): CompiledNode {
  const operand = c.compile(node.operand);
  const set = node.set.map((e) => c.compile(e));
  const sequential = sequentialMembership(
    set,
    node.set.map((e) => c.at(e.start)),
  );
  const membership = constantSets(set, sequential) ?? sequential;
  const run = operand.run;
  const negated = node.negated;
  const contains: Run = (ctx) => {
    const n = ctx.errorCount;
    const x = run(ctx);
    if (ctx.errorCount !== n) return false;
    const found = membership(x, ctx);
    return found !== undefined && found !== negated;
  };
  return c.fold(dynamic(contains, "boolean"), [operand, ...set]);
}

/** Whether `x` is in the set; undefined when evaluating an element reported an error. */
type Lookup = (x: CesqlValue, ctx: EvalContext) => boolean | undefined;

/** Evaluates the elements one by one, casting each to the type of `x`. */
function sequentialMembership(set: readonly CompiledNode[], ats: readonly SourcePosition[]): Lookup {
  return (x, ctx) => {
    for (let i = 0; i < set.length; i++) {
      const n = ctx.errorCount;
      const y = (set[i] as CompiledNode).run(ctx);
      if (ctx.errorCount !== n) return undefined;
      if (castLike(y, x, ctx, ats[i] as SourcePosition) === x) return true;
    }
    return false;
  };
}

/**
 * When every element is a constant, the set is cast once per possible type of `x` into a hash set. A type for
 * which some element does not cast cleanly gets no hash set: that error must be reported at evaluation time, so
 * those lookups go element by element.
 */
function constantSets(set: readonly CompiledNode[], sequential: Lookup): Lookup | undefined {
  if (!set.every((e) => e.constant)) return undefined;
  const values = set.map((e) => e.value as CesqlValue);
  const probe = new EvalContext({}, false);
  const cast = (f: (v: CesqlValue) => CesqlValue): Set<CesqlValue> | undefined => {
    const before = probe.errorCount;
    const out = new Set(values.map(f));
    return probe.errorCount === before ? out : undefined;
  };
  // The probe only records whether a cast failed; no error leaves it, so the position is never shown.
  const nowhere = { offset: 0, line: 1, column: 1 };
  const strings = cast(toStringValue);
  const integers = cast((v) => toIntegerValue(v, probe, nowhere));
  const booleans = cast((v) => toBooleanValue(v, probe, nowhere));
  return (x, ctx) => {
    const hashed = typeof x === "string" ? strings : typeof x === "number" ? integers : booleans;
    return hashed !== undefined ? hashed.has(x) : sequential(x, ctx);
  };
}
