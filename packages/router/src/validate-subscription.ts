/**
 * Subscription validation: request bodies and stored subscriptions → a normalised {@link Subscription}, or every
 * problem found, each at its JSON Pointer. Unknown members are refused at every level.
 * @module
 */
import { isUriReference } from "@cairn/cdevents";
import type { FunctionRegistry } from "@cairn/cesql";
import { type FilterParseContext, parseFilterList } from "./filter-parse.ts";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf, rejectUnknown } from "./issues.ts";
import type { Subscription } from "./subscription.ts";
import { readDelivery } from "./validate-delivery.ts";
import { checkSink, readProtocol, readProtocolSettings, readSinkCredential } from "./validate-protocol.ts";

/** Subscription ids: 1–128 characters `A–Z a–z 0–9 . _ ~ -`, starting with a letter or digit (URL-safe as is). */
export const SUBSCRIPTION_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;

/** Outcome of validation: the normalised subscription and non-fatal warnings, or the issues. */
export type SubscriptionResult =
  | { readonly ok: true; readonly subscription: Subscription; readonly warnings: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** Options of the validators. */
export interface ValidateOptions {
  /** CESQL functions available to `sql` filters (default: the built-ins). */
  readonly functions?: FunctionRegistry;
}

const MEMBERS: ReadonlySet<string> = new Set([
  "id",
  "source",
  "types",
  "config",
  "filters",
  "sink",
  "sinkcredential",
  "protocol",
  "protocolsettings",
  "delivery",
]);

/**
 * Validates a complete subscription (with its `id`), e.g. one read back from storage, and normalises it:
 * defaults applied, durations in milliseconds, `cesql` filters spelled `sql`, header names in lower case.
 * @example
 * ```ts
 * const r = validateSubscription({ id: "s1", sink: "https://example.com/hook", protocol: "HTTP",
 *   filters: [{ cdevents: { subject: "service", predicate: "deployed", versions: "0.x" } }],
 *   delivery: { backoffDelay: "PT0.5S" } });
 * if (r.ok) r.subscription.delivery.backoffDelay; // 500
 * else for (const i of r.issues) console.log(i.path, i.code, i.message);
 * ```
 */
export function validateSubscription(input: unknown, options: ValidateOptions = {}): SubscriptionResult {
  return read(input, { kind: "stored" }, options);
}

/**
 * Validates the body of `POST /subscriptions`. The Subscriptions API has the manager assign ids, so an `id` in the
 * body is ignored and `id` (the one the caller generated) is used.
 */
export function validateCreateRequest(input: unknown, id: string, options: ValidateOptions = {}): SubscriptionResult {
  return read(input, { kind: "create", id }, options);
}

/**
 * Validates the body of `PUT /subscriptions/{id}`: `pathId` is the id in the path; an `id` in the body, if any,
 * must equal it (`id_mismatch`).
 */
export function validateUpdateRequest(
  input: unknown,
  pathId: string,
  options: ValidateOptions = {},
): SubscriptionResult {
  return read(input, { kind: "update", id: pathId }, options);
}

type Mode = { readonly kind: "stored" } | { readonly kind: "create" | "update"; readonly id: string };

function read(input: unknown, mode: Mode, options: ValidateOptions): SubscriptionResult {
  if (!isPlainObject(input)) {
    return {
      ok: false,
      issues: [
        { path: "", code: IssueCode.Type, message: `a subscription is a JSON object, not ${jsonTypeOf(input)}` },
      ],
    };
  }
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  rejectUnknown(input, MEMBERS, "", issues);
  const id = readId(input.id, mode, issues);
  const source = readSource(input.source, issues);
  const types = readTypes(input.types, issues);
  const config = readConfig(input.config, issues);
  const ctx: FilterParseContext = { issues, warnings, functions: options.functions };
  const filters = input.filters === undefined ? [] : parseFilterList(input.filters, "/filters", ctx);
  const protocol = readProtocol(input.protocol, "/protocol", issues);
  const sink = protocol === undefined ? undefined : checkSink(input.sink, protocol, "/sink", issues);
  const settings =
    protocol === undefined
      ? undefined
      : readProtocolSettings(input.protocolsettings, protocol, "/protocolsettings", issues);
  const credential =
    input.sinkcredential === undefined
      ? undefined
      : readSinkCredential(input.sinkcredential, "/sinkcredential", issues);
  const delivery = readDelivery(input.delivery, "/delivery", issues);
  if (
    credential !== undefined &&
    settings !== undefined &&
    "headers" in settings &&
    settings.headers?.authorization !== undefined
  ) {
    const message = "an authorization header and a sinkcredential cannot both be set";
    issues.push({ path: "/protocolsettings/headers/authorization", code: IssueCode.Conflict, message });
  }
  if (
    issues.length > 0 ||
    id === undefined ||
    filters === undefined ||
    protocol === undefined ||
    sink === undefined ||
    delivery === undefined
  )
    return { ok: false, issues };
  // Members in the Subscriptions API's order, optional ones only when present.
  const out: Record<string, unknown> = { id };
  if (source !== undefined) out.source = source;
  if (types !== undefined) out.types = types;
  if (config !== undefined) out.config = config;
  out.filters = filters.map((f) => f.filter);
  out.sink = sink;
  if (credential !== undefined) out.sinkcredential = credential;
  out.protocol = protocol;
  if (settings !== undefined) out.protocolsettings = settings;
  out.delivery = delivery;
  const subscription = out as unknown as Subscription;
  return { ok: true, subscription, warnings };
}

function readId(value: unknown, mode: Mode, issues: Issue[]): string | undefined {
  if (mode.kind === "create") return checkId(mode.id, issues);
  if (mode.kind === "update") {
    if (value !== undefined && value !== mode.id) {
      const message = `the body's id ${JSON.stringify(value)} differs from the id in the path ${JSON.stringify(mode.id)}`;
      issues.push({ path: "/id", code: IssueCode.IdMismatch, message });
      return undefined;
    }
    return checkId(mode.id, issues);
  }
  if (value === undefined) {
    issues.push({ path: "/id", code: IssueCode.Required, message: "is required" });
    return undefined;
  }
  return checkId(value, issues);
}

function checkId(value: unknown, issues: Issue[]): string | undefined {
  if (typeof value === "string" && SUBSCRIPTION_ID.test(value)) return value;
  const message =
    typeof value === "string"
      ? `${JSON.stringify(value)} is not a subscription id: 1–128 characters A–Z a–z 0–9 . _ ~ -, starting with a letter or digit`
      : `must be a string, not ${jsonTypeOf(value)}`;
  issues.push({ path: "/id", code: typeof value === "string" ? IssueCode.Format : IssueCode.Type, message });
  return undefined;
}

function readSource(value: unknown, issues: Issue[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    issues.push({ path: "/source", code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(value)}` });
  } else if (value === "") {
    issues.push({ path: "/source", code: IssueCode.Empty, message: "must not be empty" });
  } else if (!isUriReference(value)) {
    issues.push({ path: "/source", code: IssueCode.Format, message: "must be a URI-reference (a CloudEvents source)" });
  } else return value;
  return undefined;
}

function readTypes(value: unknown, issues: Issue[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    issues.push({
      path: "/types",
      code: IssueCode.Type,
      message: `must be an array of strings, not ${jsonTypeOf(value)}`,
    });
    return undefined;
  }
  const before = issues.length;
  value.forEach((t, i) => {
    if (typeof t === "string" && t !== "") return;
    const message = typeof t === "string" ? "must not be empty" : `must be a string, not ${jsonTypeOf(t)}`;
    issues.push({
      path: childPath("/types", i),
      code: typeof t === "string" ? IssueCode.Empty : IssueCode.Type,
      message,
    });
  });
  return issues.length > before ? undefined : [...(value as string[])];
}

function readConfig(value: unknown, issues: Issue[]): Record<string, string | number | boolean> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    issues.push({ path: "/config", code: IssueCode.Type, message: `must be an object, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  const before = issues.length;
  for (const [key, v] of Object.entries(value)) {
    const at = childPath("/config", key);
    if (key === "") issues.push({ path: at, code: IssueCode.Empty, message: "config keys must not be empty" });
    else if (typeof v !== "string" && typeof v !== "boolean" && !(typeof v === "number" && Number.isFinite(v)))
      issues.push({
        path: at,
        code: IssueCode.Type,
        message: `must be a string, number or boolean, not ${jsonTypeOf(v)}`,
      });
  }
  return issues.length > before ? undefined : { ...(value as Record<string, string | number | boolean>) };
}
