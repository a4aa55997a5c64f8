/**
 * The state of one evaluation: the event, and the errors met so far. Operators compare {@link
 * EvalContext.errorCount} before and after evaluating their operands to learn whether an operand failed. Reporting
 * is cheap when only the verdict matters: without collection ({@link EvalContext.errors} undefined) a report counts
 * the error and builds no message.
 * @module
 */
import { type CesqlError, cesqlError, ErrorCode, ErrorKind } from "./errors.ts";
import type { SourcePosition } from "./position.ts";
import { type CesqlType, type CesqlValue, typeName } from "./types.ts";

/**
 * A CloudEvent as a plain object of context attributes (`specversion`, `id`, `source`, `type`, `subject`, `time`,
 * `datacontenttype`, `dataschema`) and extensions, all as top-level keys.
 */
export type CesqlEvent = Readonly<Record<string, unknown>>;

/** One evaluation's state. */
export class EvalContext {
  readonly event: CesqlEvent;
  /** Every error reported, in order; undefined when only the verdict is wanted (`matches`). */
  readonly errors: CesqlError[] | undefined;
  /** How many errors were reported so far. */
  errorCount = 0;

  constructor(event: CesqlEvent, collect: boolean) {
    this.event = event;
    this.errors = collect ? [] : undefined;
  }
}

/** Counts an error; the callers' `ctx.errors?.push(…)` then skips building it, message included, when not collecting. */
function fail(ctx: EvalContext): void {
  ctx.errorCount++;
}

/** Reports that an attribute the expression reads is absent from the event. */
export function reportMissingAttribute(ctx: EvalContext, name: string, at: SourcePosition): void {
  fail(ctx);
  ctx.errors?.push(
    cesqlError(ErrorKind.MissingAttribute, ErrorCode.MissingAttribute, `the event has no attribute "${name}"`, at),
  );
}

/** Reports a failed cast of `value` to `target`. */
export function reportCast(ctx: EvalContext, value: CesqlValue, target: CesqlType, at: SourcePosition): void {
  fail(ctx);
  ctx.errors?.push(
    cesqlError(ErrorKind.Cast, ErrorCode.Cast, `cannot cast ${describeValue(value)} to ${typeName(target)}`, at),
  );
}

/** Reports a math error (division by zero, overflow). */
export function reportMath(
  ctx: EvalContext,
  code: typeof ErrorCode.DivisionByZero | typeof ErrorCode.Overflow,
  message: string,
  at: SourcePosition,
): void {
  fail(ctx);
  ctx.errors?.push(cesqlError(ErrorKind.Math, code, message, at));
}

/** Reports any other error, message already built (used on rare paths only). */
export function reportError(ctx: EvalContext, error: CesqlError): void {
  fail(ctx);
  ctx.errors?.push(error);
}

/** A value as messages show it: `String "abc"`, `Integer 5`, `Boolean true`. */
export function describeValue(value: CesqlValue): string {
  if (typeof value === "string")
    return `String ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "number" ? `Integer ${value}` : `Boolean ${value}`;
}
