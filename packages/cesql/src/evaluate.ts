/**
 * Evaluating a compiled expression against an event: `evaluate` in the spec's complete evaluation mode (a value and
 * every error), `matches` for filtering (true only for the Boolean `true` with no error).
 * @module
 */
import { type CompiledExpression, RUN } from "./compiled.ts";
import { type CesqlEvent, EvalContext, reportError } from "./context.ts";
import { type CesqlError, cesqlError, ErrorCode, ErrorKind } from "./errors.ts";
import type { CesqlValue } from "./types.ts";

/** The value of an expression and the errors met computing it (spec §3.3), in the order they arose. */
export interface EvaluationResult {
  readonly value: CesqlValue;
  readonly errors: readonly CesqlError[];
}

/**
 * Evaluates `expression` against `event` in complete evaluation mode (spec §4.1): every error is returned with the
 * value. An operator whose operand failed gives its type's zero value without computing (so `missing / 0` is 0 with
 * only the missing-attribute error, and `true AND (1 != 1 / 0)` is false); an operator or function whose own cast
 * or computation fails goes on with the zero value of the cast or gives its documented value (`NOT 10` is true with
 * a cast error, `ABS(-2147483648)` is 2147483647 with a math error). Operands are evaluated left to right, all of
 * them except where AND and OR short-circuit. A bare reference to a missing attribute evaluates to `false` (spec
 * §3.2: Boolean when no type can be determined). Never throws: an exception from the event itself (a throwing
 * getter) ends evaluation with `false` and a generic error.
 */
export function evaluate(expression: CompiledExpression, event: CesqlEvent): EvaluationResult {
  const ctx = new EvalContext(event, true);
  const value = run(expression, ctx);
  return { value, errors: ctx.errors ?? [] };
}

/**
 * True when `event` passes `expression` as a filter. Spec §1.2: the result must be a Boolean, and if it is not, "or
 * any errors are returned, the event MUST NOT pass the filter". So this is true only for the Boolean `true` with no
 * error of any kind; it fails closed. Errors are only flagged, never built, which keeps filtering cheap on events
 * that lack an attribute the filter reads.
 */
export function matches(expression: CompiledExpression, event: CesqlEvent): boolean {
  const ctx = new EvalContext(event, false);
  return run(expression, ctx) === true && ctx.errorCount === 0;
}

function run(expression: CompiledExpression, ctx: EvalContext): CesqlValue {
  try {
    return expression[RUN](ctx);
  } catch (e) {
    reportError(ctx, cesqlError(ErrorKind.Generic, ErrorCode.Internal, `evaluation stopped: ${describeThrown(e)}`));
    return false;
  }
}

/** What was thrown, without risking a second throw (a hostile getter or proxy). */
function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : "a non-Error value was thrown";
  } catch {
    return "an unprintable value was thrown";
  }
}
