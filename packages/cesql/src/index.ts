/**
 * `@cairn/cesql`: CloudEvents SQL (CESQL v1.0.0). `compile` parses an expression once into closures; `evaluate`
 * gives its value and errors for an event, `matches` the fail-closed filter verdict. Runs on Node, browsers and
 * edge runtimes (no Node built-ins, no dependencies).
 * @example
 * ```ts
 * import { compile, matches } from "@cairn/cesql";
 * const r = compile("type LIKE 'dev.cdevents.%.finished.0.%' AND source = 'ci'");
 * if (r.ok) matches(r.expression, { specversion: "1.0", id: "1", source: "ci", type: "dev.cdevents.build.finished.0.2.0" });
 * ```
 * @module
 */

export type {
  ArithmeticOperator,
  BinaryNode,
  BinaryOperator,
  CallNode,
  ComparisonOperator,
  ExistsNode,
  Expression,
  IdentifierNode,
  InNode,
  LikeNode,
  LiteralNode,
  LogicalNode,
  UnaryNode,
} from "./ast.ts";
export { type CompileOptions, type CompileResult, compile } from "./compile.ts";
export type { CompiledExpression } from "./compiled.ts";
export type { CesqlEvent } from "./context.ts";
export { type CesqlError, type CesqlParseError, ErrorCode, ErrorKind } from "./errors.ts";
export { type EvaluationResult, evaluate, matches } from "./evaluate.ts";
export {
  BUILTIN_REGISTRY,
  createFunctionRegistry,
  FunctionRegistry,
  type FunctionRegistryResult,
} from "./function-registry.ts";
export {
  type FunctionDefinition,
  type FunctionFailure,
  type FunctionFailureKind,
  type FunctionFailureOptions,
  functionFailure,
  isFunctionFailure,
} from "./function-types.ts";
export { BUILTIN_FUNCTIONS } from "./functions.ts";
export { MAX_DEPTH, type ParseResult, parse } from "./parser.ts";
export type { SourcePosition } from "./position.ts";
export { escapeLikePattern, formatLiteral, print } from "./print.ts";
export {
  type CesqlType,
  type CesqlValue,
  INT_MAX,
  INT_MIN,
  type ParameterType,
  type StaticType,
} from "./types.ts";
