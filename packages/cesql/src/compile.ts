/**
 * `compile`: expression text to a {@link CompiledExpression}, parsed and turned into closures once. Subexpressions
 * that need no event and report no error are computed at compile time.
 * @module
 */
import type { Expression } from "./ast.ts";
import { attributeRun } from "./attributes.ts";
import { compileCall } from "./compile-call.ts";
import { compileLogical } from "./compile-logic.ts";
import { compileBinary, compileUnary } from "./compile-operators.ts";
import { compileExists, compileIn, compileLikeNode } from "./compile-predicates.ts";
import { type CompileContext, type CompiledExpression, type CompiledNode, dynamic, RUN } from "./compiled.ts";
import { EvalContext } from "./context.ts";
import type { CesqlError, CesqlParseError } from "./errors.ts";
import { BUILTIN_REGISTRY, type FunctionRegistry } from "./function-registry.ts";
import { parse } from "./parser.ts";
import { type Locator, locator, type SourcePosition } from "./position.ts";
import { typeOf } from "./types.ts";

/** Options of {@link compile}. */
export interface CompileOptions {
  /** The functions expressions may call (default: the built-ins); see `createFunctionRegistry`. */
  readonly functions?: FunctionRegistry;
}

/** Result of {@link compile}: the compiled expression, or the parse error. */
export type CompileResult =
  | { readonly ok: true; readonly expression: CompiledExpression }
  | { readonly ok: false; readonly error: CesqlParseError };

/**
 * Parses and compiles a CESQL expression. Never throws; a syntax error comes back as a parse error with a stable
 * code, a message and a position. Anything else the compiler can tell in advance (an unknown function, `1 / 0`) is
 * in `warnings`: the expression still compiles, as the spec has those reported at evaluation.
 * @example
 * ```ts
 * const r = compile("type LIKE 'dev.cdevents.%.finished.0.%' AND source = 'ci'");
 * if (!r.ok) throw new Error(`${r.error.message} at ${r.error.position.line}:${r.error.position.column}`);
 * matches(r.expression, { specversion: "1.0", id: "1", source: "ci", type: "dev.cdevents.build.finished.0.2.0" }); // true
 * ```
 */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const parsed = parse(source);
  if (!parsed.ok) return parsed;
  const compiler = new Compiler(locator(source), options.functions ?? BUILTIN_REGISTRY);
  const root = compiler.compile(parsed.expression);
  const expression: CompiledExpression = Object.freeze({
    source,
    ast: parsed.expression,
    type: root.type,
    warnings: compiler.warnings,
    [RUN]: root.run,
  });
  return { ok: true, expression };
}

class Compiler implements CompileContext {
  readonly functions: FunctionRegistry;
  readonly warnings: CesqlError[] = [];
  readonly #locate: Locator;

  constructor(locate: Locator, functions: FunctionRegistry) {
    this.#locate = locate;
    this.functions = functions;
  }

  at(offset: number): SourcePosition {
    return this.#locate(offset);
  }

  compile(node: Expression): CompiledNode {
    switch (node.kind) {
      case "literal":
        return { run: () => node.value, type: typeOf(node.value), constant: true, value: node.value };
      case "identifier":
        return dynamic(attributeRun(node.name, this.at(node.start)), "any");
      case "exists":
        return compileExists(node);
      case "unary":
        return compileUnary(node, this);
      case "binary":
        return compileBinary(node, this);
      case "logical":
        return compileLogical(node, this);
      case "like":
        return compileLikeNode(node, this);
      case "in":
        return compileIn(node, this);
      case "call":
        return compileCall(node, this);
    }
  }

  fold(node: CompiledNode, inputs: readonly CompiledNode[], pure = true): CompiledNode {
    if (!pure || !inputs.every((i) => i.constant)) return node;
    const probe = new EvalContext({}, true);
    const value = node.run(probe);
    if (probe.errorCount > 0) {
      this.warnings.push(...(probe.errors ?? []));
      return node;
    }
    return { run: () => value, type: node.type, constant: true, value };
  }
}
