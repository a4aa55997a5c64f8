/**
 * What compilation produces: a closure per syntax node, built once, so that evaluation calls closures instead of
 * walking the tree. Internal to the package except {@link CompiledExpression}.
 * @module
 */
import type { Expression } from "./ast.ts";
import type { EvalContext } from "./context.ts";
import type { CesqlError } from "./errors.ts";
import type { FunctionRegistry } from "./function-registry.ts";
import type { SourcePosition } from "./position.ts";
import type { CesqlValue, StaticType } from "./types.ts";

/**
 * Evaluates one node. A node whose evaluation reports an error still returns a value (the language is total);
 * its parent notices the error through `ctx.errorCount` and gives its own zero value.
 */
export type Run = (ctx: EvalContext) => CesqlValue;

/** A compiled node. */
export interface CompiledNode {
  readonly run: Run;
  /** The result type, or `"any"` for an attribute reference (its type depends on the event). */
  readonly type: StaticType;
  /** True when the value was computed at compile time, error-free; it is then in {@link value}. */
  readonly constant: boolean;
  readonly value: CesqlValue | undefined;
}

/** What node compilers need: how to compile children, where things are, and where to put warnings. */
export interface CompileContext {
  compile(node: Expression): CompiledNode;
  /** The position of an offset in the expression text. */
  at(offset: number): SourcePosition;
  readonly functions: FunctionRegistry;
  /** Errors found at compile time that evaluation will report whenever it reaches the node. */
  readonly warnings: CesqlError[];
  /**
   * Replaces `node` by a constant when it is `pure` and all `inputs` are constants, by evaluating it once. If that
   * evaluation reports errors, they become warnings and the node is kept, so that evaluation reports them too.
   */
  fold(node: CompiledNode, inputs: readonly CompiledNode[], pure?: boolean): CompiledNode;
}

/** A dynamic node: not constant. */
export function dynamic(run: Run, type: StaticType): CompiledNode {
  return { run, type, constant: false, value: undefined };
}

/** Key of the evaluation closure on a {@link CompiledExpression}. */
export const RUN: unique symbol = Symbol("cesql.run");

/** A compiled CESQL expression: evaluate it with `evaluate` or `matches`, as often as needed. */
export interface CompiledExpression {
  /** The expression text it was compiled from. */
  readonly source: string;
  /** The syntax tree. */
  readonly ast: Expression;
  /**
   * The result type known before evaluation; `"any"` when the expression is a bare attribute reference. A filter
   * whose type is not `"boolean"` (or `"any"`) can never match.
   */
  readonly type: StaticType;
  /**
   * Errors certain to be reported whenever evaluation reaches the subexpression concerned: calls of unknown
   * functions, and constant subexpressions that fail (`1 / 0`). A router may reject such filters up front.
   */
  readonly warnings: readonly CesqlError[];
  /** @internal The evaluation closure. */
  readonly [RUN]: Run;
}
