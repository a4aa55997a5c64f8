/**
 * Validation results as data: every problem says what (`code`, `message`) and where (`path`, a JSON Pointer into
 * the input). Filter expression problems also say where in the expression text (`offset`, `line`, `column`).
 * @module
 */

/** Stable issue codes. Codes never change meaning; messages may be reworded. */
export const IssueCode = {
  /** A required member is missing. */
  Required: "required",
  /** The value has the wrong JSON type. */
  Type: "type",
  /** The value is not one of the allowed values. */
  Enum: "enum",
  /** The string does not have the expected format (URI, duration, header name, attribute name, …). */
  Format: "format",
  /** A number, length or count outside its allowed range. */
  Range: "range",
  /** A string, array or object that must not be empty is. */
  Empty: "empty",
  /** A member the schema does not declare. */
  UnknownField: "unknown_field",
  /** A filter object names a dialect this router does not implement. */
  UnknownDialect: "unknown_dialect",
  /** A filter object names more than one dialect, or none. */
  DialectCount: "dialect_count",
  /** A CESQL expression does not parse; the issue carries the position. */
  SqlSyntax: "sql_syntax",
  /** A CESQL expression whose result can never be the Boolean `true` (its static type is Integer or String). */
  SqlNotBoolean: "sql_not_boolean",
  /** A non-fatal CESQL finding (an unknown function, a constant error such as `1 / 0`); reported as a warning. */
  SqlWarning: "sql_warning",
  /** A version range of the `cdevents` dialect does not parse; the issue carries the position. */
  VersionRange: "version_range",
  /** A protocol the Subscriptions API defines but this router does not deliver to. */
  UnsupportedProtocol: "unsupported_protocol",
  /** A custom header the router sets itself (`ce-*`, `content-type`, `cairn-*`, …). */
  ReservedHeader: "reserved_header",
  /** Two members that must not both be set, or values that contradict each other. */
  Conflict: "conflict",
  /** The `id` of an update body differs from the id in the request path. */
  IdMismatch: "id_mismatch",
  /** A trigger's `conditions` does not parse; the issue carries the position. */
  ConditionSyntax: "condition_syntax",
  /** A trigger's `conditions` names a dependency the trigger does not declare; the issue carries the position. */
  UnknownDependency: "unknown_dependency",
  /** A trigger's emitted event would not be a valid CDEvent (its `emit.type` with the rest). */
  InvalidEmit: "invalid_emit",
} as const;

/** One of the {@link IssueCode} values. */
export type IssueCode = (typeof IssueCode)[keyof typeof IssueCode];

/** One problem found in an input. */
export interface Issue {
  /** JSON Pointer (RFC 6901) of the offending value, e.g. `/filters/0/sql`; `""` is the whole input. */
  readonly path: string;
  /** Stable machine-readable code. */
  readonly code: IssueCode;
  /** Human-readable explanation, naming what was expected (and where in an expression, for expressions). */
  readonly message: string;
  /** For expression problems: offset in the expression text, in UTF-16 code units from 0. */
  readonly offset?: number;
  /** For expression problems: line in the expression text, from 1. */
  readonly line?: number;
  /** For expression problems: column in the expression text, from 1 (UTF-16 code units). */
  readonly column?: number;
}

/** Escapes one JSON Pointer reference token (RFC 6901). */
export function pointerToken(key: string | number): string {
  const s = String(key);
  return s.includes("~") || s.includes("/") ? s.replaceAll("~", "~0").replaceAll("/", "~1") : s;
}

/** `base` followed by one reference token. */
export function childPath(base: string, key: string | number): string {
  return `${base}/${pointerToken(key)}`;
}

/** Builds an issue. */
export function issue(path: string, code: IssueCode, message: string): Issue {
  return { path, code, message };
}

/** A plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON type of a value, for messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * Reports every member of `value` not in `allowed` as {@link IssueCode.UnknownField}. Returns the number reported.
 */
export function rejectUnknown(
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
  issues: Issue[],
): number {
  let n = 0;
  for (const key of Object.keys(value)) {
    if (allowed.has(key)) continue;
    const names = [...allowed].join(", ");
    issues.push(issue(childPath(path, key), IssueCode.UnknownField, `unknown member "${key}"; allowed: ${names}`));
    n++;
  }
  return n;
}
