/**
 * A trigger compiled for correlating: dependency filters as predicates, correlation keys as readers, the condition
 * parsed. Compiled once per trigger version, used for every event.
 * @module
 */
import type { FunctionRegistry } from "@cairn/cesql";
import { RouterError, RouterErrorCode } from "../errors.ts";
import { compileFilters, type EventPredicate } from "../filters.ts";
import { allOf, type Condition, parseCondition } from "./condition.ts";
import { type CorrelateBy, parseCorrelateBy } from "./correlation-key.ts";
import type { Select, Trigger } from "./trigger.ts";

/** A dependency ready for matching. */
export interface CompiledDependency {
  readonly name: string;
  readonly select: Select;
  /** The dependency's filters; never throws. */
  readonly matches: EventPredicate;
  readonly correlateBy: CorrelateBy;
}

/** A trigger ready for correlating. */
export interface CompiledTrigger {
  readonly id: string;
  readonly trigger: Trigger;
  readonly dependencies: readonly CompiledDependency[];
  readonly condition: Condition;
  /** The window, in ms. */
  readonly within: number;
  /** True when some dependency keys by a JSON Pointer (the CDEvent must then be parsed). */
  readonly needsBody: boolean;
}

/** Options of {@link compileTrigger}. */
export interface CompileTriggerOptions {
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

/**
 * Compiles a validated trigger.
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_TRIGGER`) when it does not compile (a trigger stored by an older
 * version, or built by hand rather than by `validateTrigger`).
 */
export function compileTrigger(trigger: Trigger, options: CompileTriggerOptions = {}): CompiledTrigger {
  const dependencies = trigger.dependencies.map((d, i) => {
    const path = `/dependencies/${i}/filters`;
    const filters = compileFilters(d.filters, options.functions ? { path, functions: options.functions } : { path });
    if (!filters.ok) throw invalid(trigger, filters.issues.map((x) => `${x.path}: ${x.message}`).join("; "));
    const by = d.correlateBy ?? trigger.correlateBy;
    const correlateBy = by === undefined ? "no correlateBy" : parseCorrelateBy(by);
    if (typeof correlateBy === "string") throw invalid(trigger, `/dependencies/${i}: ${correlateBy}`);
    return { name: d.name, select: d.select, matches: filters.compiled.matches, correlateBy };
  });
  let condition: Condition;
  if (trigger.conditions === undefined) condition = allOf(dependencies.map((d) => d.name));
  else {
    const parsed = parseCondition(trigger.conditions);
    if (!parsed.ok) throw invalid(trigger, `/conditions: ${parsed.error.message}`);
    condition = parsed.condition;
  }
  const needsBody = dependencies.some((d) => d.correlateBy.kind === "pointer");
  return { id: trigger.id, trigger, dependencies, condition, within: trigger.within, needsBody };
}

function invalid(trigger: Trigger, detail: string): RouterError {
  return new RouterError(RouterErrorCode.InvalidTrigger, `trigger ${trigger.id} is invalid: ${detail}`);
}
