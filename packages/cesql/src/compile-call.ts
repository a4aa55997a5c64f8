/**
 * Compiles function invocations (spec §3.5). The overload is chosen at compile time by name and arity; a call that
 * cannot be dispatched evaluates to false with a MissingFunctionError (and is a compile-time warning).
 * @module
 */
import type { CallNode } from "./ast.ts";
import { type Caster, casterTo } from "./casts.ts";
import { type CompileContext, type CompiledNode, dynamic, type Run } from "./compiled.ts";
import { type EvalContext, reportError } from "./context.ts";
import { cesqlError, ErrorCode, ErrorKind } from "./errors.ts";
import { type FunctionDefinition, isFunctionFailure } from "./function-types.ts";
import type { SourcePosition } from "./position.ts";
import { type CesqlValue, hasType, typeName, ZERO } from "./types.ts";

/**
 * A call: arguments left to right; if one fails, the zero value of the return type. Otherwise the arguments are
 * cast to the parameter types (a failed cast goes on with the cast's zero value) and the implementation runs.
 */
export function compileCall(node: CallNode, c: CompileContext): CompiledNode {
  const at = c.at(node.start);
  const definition = c.functions.resolve(node.name, node.args.length);
  if (definition === undefined) return missingFunction(node, at, c);
  const args = node.args.map((a) => c.compile(a));
  const runs = args.map((a) => a.run);
  const casts = node.args.map((a, i) => casterTo(parameterType(definition, i), c.at(a.start)));
  const zero = ZERO[definition.returns];
  const call: Run = (ctx) => {
    const n = ctx.errorCount;
    const values = runs.map((r) => r(ctx));
    if (ctx.errorCount !== n) return zero;
    for (let i = 0; i < values.length; i++) values[i] = (casts[i] as Caster)(values[i] as CesqlValue, ctx);
    return invoke(definition, values, ctx, at);
  };
  return c.fold(dynamic(call, definition.returns), args, c.functions.isBuiltin(definition));
}

function parameterType(definition: FunctionDefinition, index: number) {
  return definition.parameters[index] ?? definition.variadic ?? "any";
}

function missingFunction(node: CallNode, at: SourcePosition, c: CompileContext): CompiledNode {
  const n = node.args.length;
  const error = cesqlError(
    ErrorKind.MissingFunction,
    ErrorCode.MissingFunction,
    `no function ${node.name} takes ${n} argument${n === 1 ? "" : "s"}`,
    at,
  );
  c.warnings.push(error);
  return dynamic((ctx) => {
    reportError(ctx, error);
    return false;
  }, "boolean");
}

/**
 * Calls the implementation and checks what comes back: a value of the return type, or a failure (its error, and
 * its value if valid, else the zero value). A throw or a value of the wrong type is a FunctionEvaluationError.
 */
function invoke(definition: FunctionDefinition, args: CesqlValue[], ctx: EvalContext, at: SourcePosition): CesqlValue {
  const zero = ZERO[definition.returns];
  let out: unknown;
  try {
    out = definition.call(args);
  } catch (e) {
    return failed(ctx, ErrorKind.FunctionEvaluation, `${definition.name} threw: ${errorText(e)}`, at, zero);
  }
  if (hasType(out, definition.returns)) return typeof out === "number" ? out | 0 : out;
  if (isFunctionFailure(out)) {
    const value = hasType(out.value, definition.returns) ? out.value : zero;
    return failed(ctx, out.kind, `${definition.name}: ${out.message}`, at, value);
  }
  const message = `${definition.name} returned ${typeof out}, not a valid ${typeName(definition.returns)}`;
  return failed(ctx, ErrorKind.FunctionEvaluation, message, at, zero);
}

function failed(ctx: EvalContext, kind: ErrorKind, message: string, at: SourcePosition, value: CesqlValue): CesqlValue {
  const code =
    kind === ErrorKind.Math
      ? ErrorCode.FunctionMath
      : kind === ErrorKind.Cast
        ? ErrorCode.Cast
        : ErrorCode.FunctionEvaluation;
  reportError(ctx, cesqlError(kind, code, message, at));
  return value;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
