/**
 * Shared helpers of the tests: compile-or-fail and evaluate in one call.
 * @module
 */
import assert from "node:assert/strict";
import {
  type CesqlEvent,
  type CompiledExpression,
  type CompileOptions,
  compile,
  type EvaluationResult,
  evaluate,
} from "../src/index.ts";

/** A valid event with the required attributes only. */
export const EVENT: CesqlEvent = {
  specversion: "1.0",
  id: "e1",
  source: "https://ci.example/x",
  type: "dev.cdevents.build.finished.0.2.0",
};

/** Compiles, failing the test on a parse error. */
export function compiled(text: string, options?: CompileOptions): CompiledExpression {
  const r = compile(text, options);
  assert.ok(r.ok, r.ok ? "" : `${r.error.code}: ${r.error.message}`);
  return r.expression;
}

/** Compiles and evaluates against `event` (default {@link EVENT}). */
export function run(text: string, event: CesqlEvent = EVENT, options?: CompileOptions): EvaluationResult {
  return evaluate(compiled(text, options), event);
}

/** The value and the error kinds, for compact assertions. */
export function outcome(text: string, event: CesqlEvent = EVENT, options?: CompileOptions): [unknown, string[]] {
  const r = run(text, event, options);
  return [r.value, r.errors.map((e) => e.kind)];
}
