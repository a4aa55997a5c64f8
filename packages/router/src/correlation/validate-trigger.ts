/**
 * Trigger validation: a request body or a stored trigger → a normalised {@link Trigger}, or every problem found,
 * each at its JSON Pointer (and, for `conditions`, its position in the text). Unknown members are refused at every
 * level. Filters are validated by the subscription filter compiler, and the sink by the subscription validator
 * (its issue paths rewritten under `/sink`).
 * @module
 */
import { isUriReference } from "@cairn/cdevents";
import type { FunctionRegistry } from "@cairn/cesql";
import { parseDuration } from "../duration.ts";
import { type FilterParseContext, parseFilterList } from "../filter-parse.ts";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf, rejectUnknown } from "../issues.ts";
import type { HttpSubscription } from "../subscription.ts";
import { SUBSCRIPTION_ID, validateSubscription } from "../validate-subscription.ts";
import { conditionError, conditionNames, DEPENDENCY_NAME, parseCondition } from "./condition.ts";
import { parseCorrelateBy } from "./correlation-key.ts";
import { buildCorrelationEvent } from "./emit.ts";
import {
  type EmitAction,
  MAX_DEPENDENCIES,
  SELECTS,
  type Select,
  type Trigger,
  type TriggerDependency,
  type TriggerSink,
} from "./trigger.ts";

/** Trigger ids: the subscription id rule (1–128 URL-safe characters, starting with a letter or digit). */
export const TRIGGER_ID = SUBSCRIPTION_ID;

/** Outcome of {@link validateTrigger}: the normalised trigger and non-fatal warnings, or the issues. */
export type TriggerResult =
  | { readonly ok: true; readonly trigger: Trigger; readonly warnings: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** Options of {@link validateTrigger}. */
export interface ValidateTriggerOptions {
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

const MEMBERS: ReadonlySet<string> = new Set([
  "id",
  "dependencies",
  "correlateBy",
  "conditions",
  "within",
  "emit",
  "sink",
]);
const DEPENDENCY_MEMBERS: ReadonlySet<string> = new Set(["name", "filters", "select", "correlateBy"]);
const EMIT_MEMBERS: ReadonlySet<string> = new Set(["type", "source", "subject"]);
const SINK_MEMBERS: ReadonlySet<string> = new Set(["url", "sinkcredential", "protocolsettings", "delivery"]);

/**
 * Validates a trigger (with its `id`) and normalises it: `within` and sink durations in milliseconds, `select`
 * defaulting to `latest`, filters normalised, the sink's delivery policy with its defaults.
 * @example
 * ```ts
 * const r = validateTrigger({
 *   id: "verified", correlateBy: "/subject/id", within: "PT30M",
 *   dependencies: [
 *     { name: "built", filters: [{ cdevents: { subject: "build", predicate: "finished" } }] },
 *     { name: "tested", filters: [{ cdevents: { subject: "testsuiterun", predicate: "finished" } }] },
 *   ],
 *   emit: { type: "dev.cdeventsx.cairn-release.verified.0.1.0", source: "/cairn/triggers/verified" },
 * });
 * if (!r.ok) for (const i of r.issues) console.log(i.path, i.code, i.message);
 * ```
 */
export function validateTrigger(input: unknown, options: ValidateTriggerOptions = {}): TriggerResult {
  if (!isPlainObject(input))
    return {
      ok: false,
      issues: [{ path: "", code: IssueCode.Type, message: `a trigger is a JSON object, not ${jsonTypeOf(input)}` }],
    };
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  rejectUnknown(input, MEMBERS, "", issues);
  const id = readId(input.id, issues);
  const ctx: FilterParseContext = { issues, warnings, functions: options.functions };
  const dependencies = readDependencies(input.dependencies, ctx);
  const correlateBy =
    input.correlateBy === undefined ? undefined : readCorrelateBy(input.correlateBy, "/correlateBy", issues);
  if (dependencies && input.correlateBy === undefined) {
    const unkeyed = dependencies.findIndex((d) => d.correlateBy === undefined);
    if (unkeyed >= 0) {
      const message = `every dependency needs a correlation key: set correlateBy here or on dependency ${unkeyed}`;
      issues.push({ path: "/correlateBy", code: IssueCode.Required, message });
    }
  }
  const conditions = readConditions(input.conditions, dependencies, issues);
  const within = readWithin(input.within, issues);
  const emit = input.emit === undefined ? undefined : readEmit(input.emit, issues);
  const sink = input.sink === undefined ? undefined : readSink(input.sink, issues);
  if (input.emit === undefined && input.sink === undefined)
    issues.push({ path: "/emit", code: IssueCode.Required, message: "a trigger needs an action: emit, sink or both" });
  if (issues.length > 0 || id === undefined || dependencies === undefined || within === undefined)
    return { ok: false, issues };
  const out: Record<string, unknown> = { id, dependencies };
  if (correlateBy !== undefined) out.correlateBy = correlateBy;
  if (conditions !== undefined) out.conditions = conditions;
  out.within = within;
  if (emit !== undefined) out.emit = emit;
  if (sink !== undefined) out.sink = sink;
  const trigger = out as unknown as Trigger;
  if (emit !== undefined) probeEmit(trigger, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, trigger, warnings };
}

function readId(value: unknown, issues: Issue[]): string | undefined {
  if (typeof value === "string" && TRIGGER_ID.test(value)) return value;
  if (value === undefined) issues.push({ path: "/id", code: IssueCode.Required, message: "is required" });
  else if (typeof value !== "string")
    issues.push({ path: "/id", code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(value)}` });
  else {
    const message = `${JSON.stringify(value)} is not a trigger id: 1–128 characters A–Z a–z 0–9 . _ ~ -, starting with a letter or digit`;
    issues.push({ path: "/id", code: IssueCode.Format, message });
  }
  return undefined;
}

function readDependencies(value: unknown, ctx: FilterParseContext): TriggerDependency[] | undefined {
  const { issues } = ctx;
  if (!Array.isArray(value)) {
    const message = value === undefined ? "is required" : `must be an array of dependencies, not ${jsonTypeOf(value)}`;
    issues.push({ path: "/dependencies", code: value === undefined ? IssueCode.Required : IssueCode.Type, message });
    return undefined;
  }
  if (value.length === 0 || value.length > MAX_DEPENDENCIES) {
    const message = `must hold 1 to ${MAX_DEPENDENCIES} dependencies, not ${value.length}`;
    issues.push({ path: "/dependencies", code: value.length === 0 ? IssueCode.Empty : IssueCode.Range, message });
    return undefined;
  }
  const before = issues.length;
  const names = new Set<string>();
  const out = value.map((d: unknown, i) => readDependency(d, childPath("/dependencies", i), ctx, names));
  return issues.length > before ? undefined : (out as TriggerDependency[]);
}

function readDependency(
  value: unknown,
  path: string,
  ctx: FilterParseContext,
  names: Set<string>,
): TriggerDependency | undefined {
  const { issues } = ctx;
  if (!isPlainObject(value)) {
    issues.push({ path, code: IssueCode.Type, message: `a dependency is an object, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  rejectUnknown(value, DEPENDENCY_MEMBERS, path, issues);
  const name = readName(value.name, childPath(path, "name"), issues, names);
  const filters =
    value.filters === undefined ? undefined : parseFilterList(value.filters, childPath(path, "filters"), ctx);
  if (value.filters === undefined)
    issues.push({
      path: childPath(path, "filters"),
      code: IssueCode.Required,
      message: "is required (at least one filter)",
    });
  else if (Array.isArray(value.filters) && value.filters.length === 0)
    issues.push({ path: childPath(path, "filters"), code: IssueCode.Empty, message: "must hold at least one filter" });
  const select = readSelect(value.select, childPath(path, "select"), issues);
  const correlateBy =
    value.correlateBy === undefined
      ? undefined
      : readCorrelateBy(value.correlateBy, childPath(path, "correlateBy"), issues);
  if (name === undefined || filters === undefined || select === undefined) return undefined;
  const d: Record<string, unknown> = { name, filters: filters.map((f) => f.filter), select };
  if (correlateBy !== undefined) d.correlateBy = correlateBy;
  return d as unknown as TriggerDependency;
}

function readName(value: unknown, path: string, issues: Issue[], names: Set<string>): string | undefined {
  if (typeof value !== "string") {
    const message = value === undefined ? "is required" : `must be a string, not ${jsonTypeOf(value)}`;
    issues.push({ path, code: value === undefined ? IssueCode.Required : IssueCode.Type, message });
    return undefined;
  }
  if (!DEPENDENCY_NAME.test(value)) {
    const message = `${JSON.stringify(value)} is not a dependency name: a letter or _, then letters, digits, _ and -, at most 64`;
    issues.push({ path, code: IssueCode.Format, message });
    return undefined;
  }
  if (names.has(value)) {
    issues.push({ path, code: IssueCode.Conflict, message: `dependency ${value} is declared twice` });
    return undefined;
  }
  names.add(value);
  return value;
}

function readSelect(value: unknown, path: string, issues: Issue[]): Select | undefined {
  if (value === undefined) return "latest";
  if (typeof value === "string" && (SELECTS as readonly string[]).includes(value)) return value as Select;
  issues.push({
    path,
    code: IssueCode.Enum,
    message: `must be one of ${SELECTS.join(", ")}, not ${JSON.stringify(value)}`,
  });
  return undefined;
}

function readCorrelateBy(value: unknown, path: string, issues: Issue[]): string | undefined {
  if (typeof value !== "string") {
    issues.push({
      path,
      code: IssueCode.Type,
      message: `must be an attribute name or a JSON Pointer, not ${jsonTypeOf(value)}`,
    });
    return undefined;
  }
  const parsed = parseCorrelateBy(value);
  if (typeof parsed !== "string") return value;
  issues.push({ path, code: IssueCode.Format, message: parsed });
  return undefined;
}

function readConditions(
  value: unknown,
  dependencies: TriggerDependency[] | undefined,
  issues: Issue[],
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    issues.push({ path: "/conditions", code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  const parsed = parseCondition(value);
  if (!parsed.ok) {
    const { message, offset, line, column } = parsed.error;
    const at = `at line ${line}, column ${column} (offset ${offset})`;
    issues.push({
      path: "/conditions",
      code: IssueCode.ConditionSyntax,
      message: `${message} ${at}`,
      offset,
      line,
      column,
    });
    return undefined;
  }
  if (!dependencies) return value;
  const declared = new Set(dependencies.map((d) => d.name));
  const before = issues.length;
  for (const ref of conditionNames(parsed.condition)) {
    if (declared.has(ref.name)) continue;
    const e = conditionError(value, `names ${ref.name}, which is not a dependency of this trigger`, ref.offset ?? 0);
    const message = `${e.message} at line ${e.line}, column ${e.column} (offset ${e.offset})`;
    issues.push({
      path: "/conditions",
      code: IssueCode.UnknownDependency,
      message,
      offset: e.offset,
      line: e.line,
      column: e.column,
    });
  }
  return issues.length > before ? undefined : value;
}

function readWithin(value: unknown, issues: Issue[]): number | undefined {
  if (value === undefined) {
    issues.push({
      path: "/within",
      code: IssueCode.Required,
      message: "is required: the window, e.g. PT30M or 1800000",
    });
    return undefined;
  }
  const d = parseDuration(value);
  if (!d.ok) {
    const code = d.kind === "type" ? IssueCode.Type : d.kind === "format" ? IssueCode.Format : IssueCode.Range;
    issues.push({ path: "/within", code, message: d.reason });
    return undefined;
  }
  if (d.ms < 1) issues.push({ path: "/within", code: IssueCode.Range, message: "must be at least 1 ms" });
  return d.ms < 1 ? undefined : d.ms;
}

function readEmit(value: unknown, issues: Issue[]): EmitAction | undefined {
  if (!isPlainObject(value)) {
    issues.push({ path: "/emit", code: IssueCode.Type, message: `must be an object, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  const before = issues.length;
  rejectUnknown(value, EMIT_MEMBERS, "/emit", issues);
  const type = nonEmpty(value.type, "/emit/type", issues, true);
  const source = nonEmpty(value.source, "/emit/source", issues, true);
  if (source !== undefined && !isUriReference(source))
    issues.push({
      path: "/emit/source",
      code: IssueCode.Format,
      message: "must be a URI-reference (a CDEvents source)",
    });
  const subject = nonEmpty(value.subject, "/emit/subject", issues, false);
  if (issues.length > before || type === undefined || source === undefined) return undefined;
  return subject === undefined ? { type, source } : { type, source, subject };
}

function nonEmpty(value: unknown, path: string, issues: Issue[], required: boolean): string | undefined {
  if (value === undefined) {
    if (required) issues.push({ path, code: IssueCode.Required, message: "is required" });
  } else if (typeof value !== "string")
    issues.push({ path, code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(value)}` });
  else if (value === "") issues.push({ path, code: IssueCode.Empty, message: "must not be empty" });
  else return value;
  return undefined;
}

// The sink is validated as an HTTP subscription would be; its issues are moved under /sink.
function readSink(value: unknown, issues: Issue[]): TriggerSink | undefined {
  if (!isPlainObject(value)) {
    issues.push({
      path: "/sink",
      code: IssueCode.Type,
      message: `must be an object with a url, not ${jsonTypeOf(value)}`,
    });
    return undefined;
  }
  const before = issues.length;
  rejectUnknown(value, SINK_MEMBERS, "/sink", issues);
  if (value.url === undefined) issues.push({ path: "/sink/url", code: IssueCode.Required, message: "is required" });
  const { url, sinkcredential, protocolsettings, delivery } = value;
  const r = validateSubscription({
    id: "trigger-sink",
    sink: url,
    sinkcredential,
    protocol: "HTTP",
    protocolsettings,
    delivery,
  });
  if (!r.ok)
    for (const i of r.issues)
      if (i.path !== "/sink" || url !== undefined) issues.push({ ...i, path: sinkPath(i.path) });
  if (r.ok && r.subscription.delivery.ordering !== "none")
    issues.push({
      path: "/sink/delivery/ordering",
      code: IssueCode.Enum,
      message: "must be none: each firing is delivered on its own",
    });
  if (!r.ok || issues.length > before) return undefined;
  const s = r.subscription as HttpSubscription;
  const sink: Record<string, unknown> = { url: s.sink };
  if (s.sinkcredential !== undefined) sink.sinkcredential = s.sinkcredential;
  if (s.protocolsettings !== undefined) sink.protocolsettings = s.protocolsettings;
  sink.delivery = s.delivery;
  return sink as unknown as TriggerSink;
}

function sinkPath(path: string): string {
  return path === "/sink" ? "/sink/url" : `/sink${path}`;
}

// Builds the event of a made-up firing, so that an emit.type whose event cannot validate is refused now, not at
// every firing.
function probeEmit(trigger: Trigger, issues: Issue[]): void {
  const contribution = {
    dependency: trigger.dependencies[0]?.name ?? "a",
    sequence: 1,
    source: "/probe",
    id: "probe",
    time: 0,
  };
  const r = buildCorrelationEvent(trigger, { key: "probe", windowStart: 0, firedAt: 0, contributions: [contribution] });
  if (!r.ok) issues.push({ path: "/emit/type", code: IssueCode.InvalidEmit, message: r.message });
}
