/**
 * Filter validation: a request's filter JSON → the normalised {@link Filter} and a compiled {@link FilterNode}
 * tree, in one pass, with every problem reported at its JSON Pointer. Unknown dialects, several dialects in one
 * object, empty attribute maps, bad attribute names and CESQL that does not parse are all refused here, when the
 * subscription is created — never skipped at delivery time.
 * @module
 */
import { type CompiledExpression, compile, type FunctionRegistry } from "@cairn/cesql";
import { ATTRIBUTE_NAME } from "./attributes.ts";
import { type CDEventsDialect, parseCDEventsFilter } from "./cdevents-dialect.ts";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf } from "./issues.ts";
import type { Filter } from "./subscription.ts";

/** A compiled filter: what the predicate and the index work from. */
export type FilterNode =
  | { readonly kind: "exact" | "prefix" | "suffix"; readonly entries: readonly (readonly [string, string])[] }
  | { readonly kind: "all" | "any"; readonly children: readonly FilterNode[] }
  | { readonly kind: "not"; readonly child: FilterNode }
  | { readonly kind: "sql"; readonly expression: CompiledExpression }
  | { readonly kind: "cdevents"; readonly dialect: CDEventsDialect };

/** A filter both ways: as normalised JSON and compiled. */
export interface ParsedFilter {
  readonly filter: Filter;
  readonly node: FilterNode;
}

/** Where parsing reports, and how CESQL is compiled. */
export interface FilterParseContext {
  /** Errors: the filter is refused. */
  readonly issues: Issue[];
  /** Non-fatal findings (CESQL warnings). */
  readonly warnings: Issue[];
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry | undefined;
}

/** Dialects this router implements. `cesql` is Knative's name for `sql`. */
export const DIALECTS: readonly string[] = [
  "exact",
  "prefix",
  "suffix",
  "all",
  "any",
  "not",
  "sql",
  "cesql",
  "cdevents",
];

/** Deepest nesting of `all`/`any`/`not` accepted, so that hostile input cannot exhaust the stack. */
export const MAX_FILTER_DEPTH = 32;

/** Parses a `filters` array. Undefined when anything in it is refused (the issues say what). */
export function parseFilterList(input: unknown, path: string, ctx: FilterParseContext): ParsedFilter[] | undefined {
  if (!Array.isArray(input)) {
    ctx.issues.push({ path, code: IssueCode.Type, message: `must be an array of filters, not ${jsonTypeOf(input)}` });
    return undefined;
  }
  return parseChildren(input, path, ctx, 0);
}

function parseChildren(
  input: readonly unknown[],
  path: string,
  ctx: FilterParseContext,
  depth: number,
): ParsedFilter[] | undefined {
  const out: ParsedFilter[] = [];
  let failed = false;
  input.forEach((item, i) => {
    const parsed = parseFilter(item, childPath(path, i), ctx, depth);
    if (parsed) out.push(parsed);
    else failed = true;
  });
  return failed ? undefined : out;
}

/** Parses one filter object. Undefined when refused. */
export function parseFilter(
  input: unknown,
  path: string,
  ctx: FilterParseContext,
  depth = 0,
): ParsedFilter | undefined {
  if (!isPlainObject(input)) {
    const message = `must be a filter object such as {"exact": {...}}, not ${jsonTypeOf(input)}`;
    ctx.issues.push({ path, code: IssueCode.Type, message });
    return undefined;
  }
  const keys = Object.keys(input);
  const [dialect] = keys;
  if (dialect === undefined || keys.length > 1) {
    const message =
      dialect === undefined
        ? `a filter names exactly one dialect (${DIALECTS.join(", ")}); this one names none`
        : `a filter names exactly one dialect; this one names ${keys.join(", ")} (combine them with "all")`;
    ctx.issues.push({ path, code: IssueCode.DialectCount, message });
    return undefined;
  }
  const at = childPath(path, dialect);
  const value = input[dialect];
  switch (dialect) {
    case "exact":
    case "prefix":
    case "suffix":
      return attributeFilter(dialect, value, at, ctx);
    case "all":
    case "any":
      return nestedList(dialect, value, at, ctx, depth + 1);
    case "not":
      return notFilter(value, at, ctx, depth + 1);
    case "sql":
    case "cesql":
      return sqlFilter(value, at, ctx);
    case "cdevents": {
      const parsed = parseCDEventsFilter(value, at, ctx.issues);
      return parsed && { filter: { cdevents: parsed.filter }, node: { kind: "cdevents", dialect: parsed.dialect } };
    }
    default: {
      const message = `unsupported filter dialect "${dialect}"; supported: ${DIALECTS.join(", ")}`;
      ctx.issues.push({ path: at, code: IssueCode.UnknownDialect, message });
      return undefined;
    }
  }
}

function attributeFilter(
  dialect: "exact" | "prefix" | "suffix",
  value: unknown,
  path: string,
  ctx: FilterParseContext,
): ParsedFilter | undefined {
  if (!isPlainObject(value)) {
    const message = `must be an object of attribute name → string, not ${jsonTypeOf(value)}`;
    ctx.issues.push({ path, code: IssueCode.Type, message });
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    ctx.issues.push({ path, code: IssueCode.Empty, message: `must name at least one attribute` });
    return undefined;
  }
  const before = ctx.issues.length;
  const map: Record<string, string> = {};
  for (const [name, v] of entries) {
    const where = childPath(path, name);
    if (!ATTRIBUTE_NAME.test(name)) {
      const message = `"${name}" is not a CloudEvents attribute name: lower-case letters and digits only`;
      ctx.issues.push({ path: where, code: IssueCode.Format, message });
    } else if (typeof v !== "string") {
      ctx.issues.push({ path: where, code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(v)}` });
    } else if (v === "") {
      ctx.issues.push({ path: where, code: IssueCode.Empty, message: "must not be empty" });
    } else map[name] = v;
  }
  if (ctx.issues.length > before) return undefined;
  const filter: Filter =
    dialect === "exact" ? { exact: map } : dialect === "prefix" ? { prefix: map } : { suffix: map };
  return { filter, node: { kind: dialect, entries: Object.entries(map) } };
}

function nestedList(
  dialect: "all" | "any",
  value: unknown,
  path: string,
  ctx: FilterParseContext,
  depth: number,
): ParsedFilter | undefined {
  if (!Array.isArray(value)) {
    ctx.issues.push({ path, code: IssueCode.Type, message: `must be an array of filters, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  if (value.length === 0) {
    ctx.issues.push({ path, code: IssueCode.Empty, message: "must hold at least one filter" });
    return undefined;
  }
  if (tooDeep(path, ctx, depth)) return undefined;
  const children = parseChildren(value, path, ctx, depth);
  if (!children) return undefined;
  const members = children.map((c) => c.filter);
  const filter: Filter = dialect === "all" ? { all: members } : { any: members };
  return { filter, node: { kind: dialect, children: children.map((c) => c.node) } };
}

function notFilter(value: unknown, path: string, ctx: FilterParseContext, depth: number): ParsedFilter | undefined {
  if (tooDeep(path, ctx, depth)) return undefined;
  const child = parseFilter(value, path, ctx, depth);
  return child && { filter: { not: child.filter }, node: { kind: "not", child: child.node } };
}

function tooDeep(path: string, ctx: FilterParseContext, depth: number): boolean {
  if (depth <= MAX_FILTER_DEPTH) return false;
  ctx.issues.push({ path, code: IssueCode.Range, message: `filters nest at most ${MAX_FILTER_DEPTH} levels deep` });
  return true;
}

function sqlFilter(value: unknown, path: string, ctx: FilterParseContext): ParsedFilter | undefined {
  if (typeof value !== "string") {
    const message = `must be a CESQL expression (a string), not ${jsonTypeOf(value)}`;
    ctx.issues.push({ path, code: IssueCode.Type, message });
    return undefined;
  }
  const result = compile(value, ctx.functions === undefined ? {} : { functions: ctx.functions });
  if (!result.ok) {
    const { offset, line, column } = result.error.position;
    const message = `invalid CESQL: ${result.error.message} at line ${line}, column ${column} (offset ${offset}) [${result.error.code}]`;
    ctx.issues.push({ path, code: IssueCode.SqlSyntax, message, offset, line, column });
    return undefined;
  }
  const expression = result.expression;
  if (expression.type === "integer" || expression.type === "string") {
    const message = `the expression's value is ${expression.type === "integer" ? "an Integer" : "a String"}, never the Boolean TRUE a filter needs`;
    ctx.issues.push({ path, code: IssueCode.SqlNotBoolean, message, offset: 0, line: 1, column: 1 });
    return undefined;
  }
  for (const w of expression.warnings) {
    const where = w.position;
    const at = where ? ` at line ${where.line}, column ${where.column} (offset ${where.offset})` : "";
    const warning: Issue = {
      path,
      code: IssueCode.SqlWarning,
      message: `${w.message}${at} [${w.code}]: evaluation fails whenever it reaches this part`,
      ...(where ? { offset: where.offset, line: where.line, column: where.column } : {}),
    };
    ctx.warnings.push(warning);
  }
  return { filter: { sql: value }, node: { kind: "sql", expression } };
}
