/**
 * What a CESQL function is: a name, parameter types, a return type and an implementation. Built-in and
 * user-defined functions have the same shape.
 * @module
 */
import type { CesqlType, CesqlValue, ParameterType } from "./types.ts";

/** The error kinds a function may report (spec §3.3); user-defined functions normally use the default. */
export type FunctionFailureKind = "functionEvaluation" | "math" | "cast";

const FAILURE = Symbol.for("@cairn/cesql/FunctionFailure");

/**
 * What an implementation returns when it fails: the error and, optionally, the value to go on with. Functions are
 * total (spec §3.5.3): without a valid `value` the engine uses the zero value of the return type.
 */
export interface FunctionFailure {
  readonly [FAILURE]: true;
  readonly kind: FunctionFailureKind;
  readonly message: string;
  readonly value?: CesqlValue;
}

/** Options of {@link functionFailure}. */
export interface FunctionFailureOptions {
  /** The value the call evaluates to anyway (default: the return type's zero value). */
  readonly value?: CesqlValue;
  /** The error kind (default `functionEvaluation`). */
  readonly kind?: FunctionFailureKind;
}

/**
 * Builds the result of a failed call, e.g. `functionFailure("y must not be negative", { value: x })`.
 * @example
 * ```ts
 * const ratio: FunctionDefinition = {
 *   name: "RATIO", parameters: ["integer", "integer"], returns: "integer",
 *   call: ([a, b]) => (b === 0 ? functionFailure("division by zero", { kind: "math" }) : Math.trunc(Number(a) / Number(b))),
 * };
 * ```
 */
export function functionFailure(message: string, options: FunctionFailureOptions = {}): FunctionFailure {
  const base = { [FAILURE]: true as const, kind: options.kind ?? "functionEvaluation", message };
  return options.value === undefined ? base : { ...base, value: options.value };
}

/** True for a {@link FunctionFailure}, even one built by another copy of this package. */
export function isFunctionFailure(x: unknown): x is FunctionFailure {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[FAILURE] === true;
}

/**
 * A CESQL function. Arguments arrive already cast to the parameter types (`"any"` parameters uncast). The
 * implementation returns a value of type `returns`, or a {@link FunctionFailure}; if it throws or returns anything
 * else, the call evaluates to the zero value of `returns` with a FunctionEvaluationError.
 */
export interface FunctionDefinition {
  /** A letter, then letters and underscores; case-insensitive. */
  readonly name: string;
  /** Types of the fixed parameters. */
  readonly parameters: readonly ParameterType[];
  /** When present, the function is variadic: any number of further arguments, each of this type. */
  readonly variadic?: ParameterType;
  readonly returns: CesqlType;
  readonly call: (args: readonly CesqlValue[]) => CesqlValue | FunctionFailure;
}
