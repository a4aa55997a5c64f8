/**
 * Type casts (spec §3.7). Implicit casts happen when an operator or function gets a value of another type than it
 * takes; explicit ones are the `INT`, `BOOL` and `STRING` functions. A failed cast reports a CastError and gives
 * the target type's zero value, and evaluation goes on with it.
 *
 * One deliberate difference between the two: an implicit cast from Integer to Boolean is a CastError (the test
 * kit's `NOT 10` gives `true` and a cast error), while `BOOL(10)` is `true` as the spec's cast table says.
 * @module
 */
import { type EvalContext, reportCast } from "./context.ts";
import type { SourcePosition } from "./position.ts";
import { type CesqlValue, INT_MAX, INT_MIN, type ParameterType } from "./types.ts";

/** Integer text as the spec accepts it: an optional sign, then base-10 digits. */
const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/** The Integer a string denotes, or undefined when it is not one (not digits, or outside 32 bits). */
export function parseIntegerText(text: string): number | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  const n = Number(text);
  // `| 0` turns -0 into 0; Number() of a long digit string is inexact, but then far outside the range anyway.
  return n >= INT_MIN && n <= INT_MAX ? n | 0 : undefined;
}

/** The Boolean a string denotes (`true` or `false`, any case), or undefined. */
export function parseBooleanText(text: string): boolean | undefined {
  if (text.length !== 4 && text.length !== 5) return undefined;
  const lower = text.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : undefined;
}

/** Cast to String; always succeeds (`5` → `"5"`, `true` → `"true"`). */
export function toStringValue(value: CesqlValue): string {
  return typeof value === "string" ? value : String(value);
}

/** Cast to Integer: Booleans give 1 or 0, Strings must be integer text. */
export function toIntegerValue(value: CesqlValue, ctx: EvalContext, at: SourcePosition): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  const n = parseIntegerText(value);
  if (n !== undefined) return n;
  reportCast(ctx, value, "integer", at);
  return 0;
}

/** Implicit cast to Boolean: Strings must be `true` or `false` (any case); an Integer is a CastError. */
export function toBooleanValue(value: CesqlValue, ctx: EvalContext, at: SourcePosition): boolean {
  if (typeof value === "boolean") return value;
  const b = typeof value === "string" ? parseBooleanText(value) : undefined;
  if (b !== undefined) return b;
  reportCast(ctx, value, "boolean", at);
  return false;
}

/** A cast bound to the position it reports from. */
export type Caster = (value: CesqlValue, ctx: EvalContext) => CesqlValue;

const identity: Caster = (value) => value;

/** The implicit cast to `type`, reporting errors at `at`; `"any"` casts nothing. */
export function casterTo(type: ParameterType, at: SourcePosition): Caster {
  switch (type) {
    case "string":
      return toStringValue;
    case "integer":
      return (value, ctx) => toIntegerValue(value, ctx, at);
    case "boolean":
      return (value, ctx) => toBooleanValue(value, ctx, at);
    case "any":
      return identity;
  }
}
