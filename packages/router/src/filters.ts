/**
 * Filters compiled once into a predicate over an event's attributes. Fail closed: a subexpression that cannot be
 * evaluated (a CESQL error, a throwing attribute getter) never lets an event through, even under `not`.
 *
 * Semantics: every dialect gives true or false, except that a `sql` filter whose evaluation reports an error (or
 * whose value is not a Boolean) gives *unknown*. `all`, `any` and `not` are three-valued (Kleene) logic — `all` is
 * false if any member is false, `any` is true if any member is true, `not unknown` is unknown — and only a definite
 * true matches. So `{"not": {"sql": "1 / 0 = 0"}}` matches nothing, where a literal reading of the Subscriptions
 * API ("an error makes the sql filter false") would match everything. Implementation: a leaf that fails counts as
 * false outside `not` and as true inside an odd number of `not`s, which gives the same verdicts.
 * @module
 */
import { evaluate, type FunctionRegistry, matches } from "@cairn/cesql";
import { attributeText, type EventAttributes, readAttribute } from "./attributes.ts";
import { matchesCDEvents } from "./cdevents-dialect.ts";
import { type FilterNode, type FilterParseContext, parseFilterList } from "./filter-parse.ts";
import type { Issue } from "./issues.ts";
import type { Filter } from "./subscription.ts";

/** A compiled filter: true when the event passes. Never throws. */
export type EventPredicate = (event: EventAttributes) => boolean;

/** A compiled `filters` array. */
export interface CompiledFilters {
  /** The filters, normalised (`cesql` spelled `sql`). */
  readonly filters: readonly Filter[];
  /** The compiled tree: an `all` of the array's filters. */
  readonly node: FilterNode;
  /** The predicate: true when every filter passes (always true for an empty array). */
  readonly matches: EventPredicate;
}

/** Outcome of {@link compileFilters}. */
export type CompileFiltersResult =
  | { readonly ok: true; readonly compiled: CompiledFilters; readonly warnings: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** Options of {@link compileFilters}. */
export interface CompileFiltersOptions {
  /** JSON Pointer of the array in the enclosing document, for issue paths (default `/filters`). */
  readonly path?: string;
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

/**
 * Validates and compiles a Subscriptions API `filters` array (ANDed) once. Dialects: `exact`, `prefix`, `suffix`
 * (attribute → string, all must match; a missing attribute never matches), `all`, `any`, `not`, `sql` (CESQL;
 * `cesql` accepted) and Cairn's `cdevents`. Anything invalid comes back as issues, each with its JSON Pointer.
 * @example
 * ```ts
 * const r = compileFilters([{ prefix: { type: "dev.cdevents.service." } }, { sql: "subject LIKE 'prod/%'" }]);
 * if (r.ok) r.compiled.matches({ specversion: "1.0", id: "1", source: "ci", type: "dev.cdevents.service.deployed.0.2.0", subject: "prod/api" }); // true
 * ```
 */
export function compileFilters(filters: unknown, options: CompileFiltersOptions = {}): CompileFiltersResult {
  const ctx: FilterParseContext = { issues: [], warnings: [], functions: options.functions };
  const parsed = parseFilterList(filters, options.path ?? "/filters", ctx);
  if (!parsed || ctx.issues.length > 0) return { ok: false, issues: ctx.issues };
  const node: FilterNode = { kind: "all", children: parsed.map((p) => p.node) };
  const compiled: CompiledFilters = { filters: parsed.map((p) => p.filter), node, matches: compileNode(node) };
  return { ok: true, compiled, warnings: ctx.warnings };
}

/**
 * Compiles a filter tree into a predicate. `negated` is true inside an odd number of `not`s: a leaf that cannot
 * be evaluated then answers true, so that the `not` above turns it into false (see the module documentation).
 */
export function compileNode(node: FilterNode, negated = false): EventPredicate {
  switch (node.kind) {
    case "exact":
    case "prefix":
    case "suffix":
      return guarded(attributeTest(node.kind, node.entries), negated);
    case "all": {
      const children = node.children.map((c) => compileNode(c, negated));
      if (children.length === 1) return children[0] as EventPredicate;
      return (event) => {
        for (const child of children) if (!child(event)) return false;
        return true;
      };
    }
    case "any": {
      const children = node.children.map((c) => compileNode(c, negated));
      if (children.length === 1) return children[0] as EventPredicate;
      return (event) => {
        for (const child of children) if (child(event)) return true;
        return false;
      };
    }
    case "not": {
      const child = compileNode(node.child, !negated);
      return (event) => !child(event);
    }
    case "sql": {
      const expression = node.expression;
      if (!negated) return (event) => matches(expression, event);
      // Only a definite, error-free FALSE counts as false here; anything else (errors, non-Booleans) as true.
      return (event) => {
        const r = evaluate(expression, event);
        return !(r.value === false && r.errors.length === 0);
      };
    }
    case "cdevents": {
      const dialect = node.dialect;
      return guarded((event) => matchesCDEvents(dialect, event), negated);
    }
  }
}

function attributeTest(
  kind: "exact" | "prefix" | "suffix",
  entries: readonly (readonly [string, string])[],
): EventPredicate {
  const test =
    kind === "exact"
      ? (text: string, v: string) => text === v
      : kind === "prefix"
        ? (text: string, v: string) => text.startsWith(v)
        : (text: string, v: string) => text.endsWith(v);
  return (event) => {
    for (const [name, v] of entries) {
      const text = attributeText(readAttribute(event, name));
      if (text === undefined || !test(text, v)) return false;
    }
    return true;
  };
}

/** A leaf that answers `negated` when reading the event throws (a hostile getter or proxy). */
function guarded(test: EventPredicate, negated: boolean): EventPredicate {
  return (event) => {
    try {
      return test(event);
    } catch {
      return negated;
    }
  };
}
