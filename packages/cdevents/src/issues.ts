/**
 * Validation results as data: every rejection says what was wrong (`code`, `message`) and where (`path`,
 * a JSON Pointer into the event, or a header / input name prefixed with its kind).
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
  /** The string does not match its format (uri, uri-reference, date-time, purl, …). */
  Format: "format",
  /** The string is shorter than allowed (usually: empty). */
  MinLength: "min_length",
  /** Length, size or range limits other than minLength. */
  Range: "range",
  /** The string does not match the pattern. */
  Pattern: "pattern",
  /** A member that the schema does not declare. */
  UnknownField: "unknown_field",
  /** None, or more than one, of the alternatives matched. */
  Alternatives: "alternatives",
  /** The value matched a schema it must not match (`not`). */
  Not: "not",
  /** The input is not valid JSON. */
  JsonSyntax: "json_syntax",
  /** `context.type` is not a well-formed CDEvents type string. */
  MalformedType: "malformed_type",
  /** `context.type` names a `dev.cdevents` subject/predicate this SDK does not know. */
  UnknownType: "unknown_type",
  /** `context.type` is a known subject/predicate but its version is not accepted by the compatibility policy. */
  UnsupportedVersion: "unsupported_version",
  /** `context.schemaUri` could not be resolved while a resolver was configured. */
  SchemaUnresolved: "schema_unresolved",
  /** The event does not satisfy the schema named by `context.schemaUri`. */
  SchemaUri: "schema_uri",
  /** A CloudEvents attribute disagrees with the CDEvent body, or a transport-level problem. */
  Binding: "binding",
  /** Conversion between spec releases would lose information. */
  Lossy: "lossy",
} as const;

/** One of the {@link IssueCode} values. */
export type IssueCode = (typeof IssueCode)[keyof typeof IssueCode];

/** One problem found in an input. */
export interface Issue {
  /** Stable machine-readable code. */
  readonly code: IssueCode;
  /** JSON Pointer (RFC 6901) of the offending value, e.g. `/subject/content/outcome`; `""` is the whole input. */
  readonly path: string;
  /** Human-readable explanation, naming what was expected. */
  readonly message: string;
}

/** A successful result carrying a value. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** A failed result carrying the issues found. */
export interface Failed {
  readonly ok: false;
  readonly issues: readonly Issue[];
}

/** Result of a validation-like operation. */
export type Result<T> = Ok<T> | Failed;

/** Escapes one JSON Pointer reference token (RFC 6901). */
export function pointerToken(key: string | number): string {
  const s = String(key);
  return s.includes("~") || s.includes("/") ? s.replaceAll("~", "~0").replaceAll("/", "~1") : s;
}

/** Formats issues one per line as `path: message (code)`, for people. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path || "/"}: ${i.message} (${i.code})`).join("\n");
}
