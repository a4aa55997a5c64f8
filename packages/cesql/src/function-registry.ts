/**
 * The functions an expression may call: the built-ins plus user-defined ones (spec §3.5 says an engine should
 * allow them). A registry is checked once, when created, against the spec's overloading rules, so compiling
 * against it cannot fail on its account.
 * @module
 */
import { type CesqlError, cesqlError, ErrorCode, ErrorKind } from "./errors.ts";
import type { FunctionDefinition } from "./function-types.ts";
import { BUILTIN_FUNCTIONS } from "./functions.ts";
import type { ParameterType } from "./types.ts";

/** The overloads of one function name. */
interface Overloads {
  readonly fixed: Map<number, FunctionDefinition>;
  variadic: FunctionDefinition | undefined;
}

/** A checked set of functions, by upper-case name and arity. Build one with {@link createFunctionRegistry}. */
export class FunctionRegistry {
  readonly #byName: ReadonlyMap<string, Overloads>;
  readonly #builtins: ReadonlySet<FunctionDefinition>;

  /** @internal Use {@link createFunctionRegistry}, which checks the definitions. */
  constructor(byName: ReadonlyMap<string, Overloads>, builtins: ReadonlySet<FunctionDefinition>) {
    this.#byName = byName;
    this.#builtins = builtins;
  }

  /** The definition a call of `name` (any case) with `arity` arguments dispatches to, if any. */
  resolve(name: string, arity: number): FunctionDefinition | undefined {
    const overloads = this.#byName.get(name.toUpperCase());
    if (overloads === undefined) return undefined;
    const fixed = overloads.fixed.get(arity);
    if (fixed !== undefined) return fixed;
    const variadic = overloads.variadic;
    return variadic !== undefined && arity >= variadic.parameters.length ? variadic : undefined;
  }

  /** True for a built-in definition: built-ins are pure, so calls with constant arguments can be folded. */
  isBuiltin(definition: FunctionDefinition): boolean {
    return this.#builtins.has(definition);
  }
}

/** Result of {@link createFunctionRegistry}. */
export type FunctionRegistryResult =
  | { readonly ok: true; readonly registry: FunctionRegistry }
  | { readonly ok: false; readonly error: CesqlError };

/**
 * A registry of the built-in functions plus `definitions`. Rejects (spec §3.5) a malformed definition, two
 * definitions of one name and arity (built-ins included: they cannot be replaced), a second variadic overload,
 * and a variadic overload whose fixed parameters are not more than every other overload's arity.
 * @example
 * ```ts
 * const r = createFunctionRegistry([
 *   { name: "HASPREFIX", parameters: ["string", "string"], returns: "boolean", call: ([s, p]) => String(s).startsWith(String(p)) },
 * ]);
 * if (r.ok) compile("HASPREFIX(type, 'dev.cdevents.')", { functions: r.registry });
 * ```
 */
export function createFunctionRegistry(definitions: readonly FunctionDefinition[] = []): FunctionRegistryResult {
  const byName = new Map<string, Overloads>();
  for (const definition of [...BUILTIN_FUNCTIONS, ...definitions]) {
    const problem = checkDefinition(definition) ?? addOverload(byName, definition);
    if (problem !== undefined) {
      return { ok: false, error: cesqlError(ErrorKind.Generic, ErrorCode.InvalidFunctionDefinition, problem) };
    }
  }
  return { ok: true, registry: new FunctionRegistry(byName, new Set(BUILTIN_FUNCTIONS)) };
}

const FUNCTION_NAME = /^[A-Za-z][A-Za-z_]*$/;
const PARAMETER_TYPES: ReadonlySet<unknown> = new Set<ParameterType>(["string", "integer", "boolean", "any"]);
const RETURN_TYPES: ReadonlySet<unknown> = new Set(["string", "integer", "boolean"]);

/** What is wrong with one definition on its own, if anything (it may come from untyped JavaScript). */
function checkDefinition(d: FunctionDefinition): string | undefined {
  if (typeof d !== "object" || d === null) return "a function definition must be an object";
  const name = typeof d.name === "string" ? d.name : String(d.name);
  if (!FUNCTION_NAME.test(name)) return `function name "${name}" must be a letter, then letters and underscores`;
  if (!Array.isArray(d.parameters) || !d.parameters.every((p) => PARAMETER_TYPES.has(p))) {
    return `${name}: parameters must be an array of "string", "integer", "boolean" or "any"`;
  }
  if (d.variadic !== undefined && !PARAMETER_TYPES.has(d.variadic)) {
    return `${name}: variadic must be "string", "integer", "boolean" or "any"`;
  }
  if (!RETURN_TYPES.has(d.returns)) return `${name}: returns must be "string", "integer" or "boolean"`;
  if (typeof d.call !== "function") return `${name}: call must be a function`;
  return undefined;
}

/** Adds one overload, or says which overloading rule it breaks. */
function addOverload(byName: Map<string, Overloads>, d: FunctionDefinition): string | undefined {
  const name = d.name.toUpperCase();
  const overloads = byName.get(name) ?? { fixed: new Map(), variadic: undefined };
  byName.set(name, overloads);
  const arity = d.parameters.length;
  if (d.variadic === undefined) {
    if (overloads.fixed.has(arity)) return `${name} is already defined with ${arity} parameter(s)`;
    if (overloads.variadic !== undefined && arity >= overloads.variadic.parameters.length) {
      return `${name} with ${arity} parameter(s) cannot be told apart from its variadic overload`;
    }
    overloads.fixed.set(arity, d);
    return undefined;
  }
  if (overloads.variadic !== undefined) return `${name} already has a variadic overload`;
  const largest = Math.max(-1, ...overloads.fixed.keys());
  if (arity <= largest) {
    return `${name}: a variadic overload needs more fixed parameters (${arity}) than any other overload has (${largest})`;
  }
  overloads.variadic = d;
  return undefined;
}

/** The registry of the built-in functions only: the default of `compile`. */
export const BUILTIN_REGISTRY: FunctionRegistry = builtinRegistry();

function builtinRegistry(): FunctionRegistry {
  const r = createFunctionRegistry();
  // Cannot happen unless BUILTIN_FUNCTIONS is edited into breaking the overloading rules.
  if (!r.ok) throw new Error(`the built-in functions break the overloading rules: ${r.error.message}`);
  return r.registry;
}
