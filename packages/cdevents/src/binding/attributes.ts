/**
 * CloudEvents context attributes and extensions: the rules every binding applies when it reads them from a
 * message (headers or a JSON envelope) and when it writes them.
 * @module
 */
import { CDEventsError, ErrorCode } from "../errors.ts";
import { type Issue, IssueCode, type Result } from "../issues.ts";
import type { CloudEvent, ExtensionValue } from "./cloudevent.ts";
import { parseMediaType } from "./media-type.ts";

/** The context attributes of CloudEvents 1.0 (everything else in a message is an extension). */
export const CONTEXT_ATTRIBUTES: readonly string[] = [
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
];

/** Names that extensions may not take: the context attributes and the JSON format's data members. */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([...CONTEXT_ATTRIBUTES, "data", "data_base64"]);

/** Why an extension attribute is unacceptable, or `undefined` when it is fine. */
export function extensionProblem(name: string, value: unknown): string | undefined {
  if (!/^[a-z0-9]+$/.test(name)) return `extension name ${JSON.stringify(name)} must be lower-case letters and digits`;
  if (RESERVED_ATTRIBUTES.has(name)) return `extension name ${JSON.stringify(name)} is a reserved attribute`;
  if (typeof value === "string" || typeof value === "boolean") return undefined;
  // CloudEvents Integer is a signed 32-bit integer; there is no floating-point type.
  if (typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return undefined;
  return `extension ${JSON.stringify(name)} must be a string, a boolean or a 32-bit integer`;
}

/**
 * Checks what every encoder needs of a CloudEvent (it may have been built by hand): `specversion` 1.0, non-empty
 * `id`, `source`, `type` (and `subject`, `time`, `dataschema` when present), a well-formed `datacontenttype` (it
 * becomes a header verbatim) and valid extensions, so that whatever is encoded decodes again.
 * @throws CDEventsError (`CAIRN_ERR_INVALID_ARGUMENT`) listing the problems.
 */
export function assertEncodable(cloudEvent: CloudEvent): void {
  const issues: Issue[] = [];
  const problem = (path: string, message: string) => issues.push({ code: IssueCode.Binding, path, message });
  if (cloudEvent.specversion !== "1.0") problem("/specversion", 'specversion must be "1.0"');
  for (const name of ["id", "source", "type"] as const) {
    const value: unknown = cloudEvent[name];
    if (typeof value !== "string" || value === "") problem(`/${name}`, "must be a non-empty string");
  }
  for (const name of ["subject", "time", "dataschema"] as const) {
    const value: unknown = cloudEvent[name];
    if (value !== undefined && (typeof value !== "string" || value === ""))
      problem(`/${name}`, "must be a non-empty string");
  }
  const type = cloudEvent.datacontenttype;
  if (type !== undefined && (parseMediaType(type) === undefined || !/^[\u0020-\u007e]*$/.test(type))) {
    problem("/datacontenttype", "must be a media type");
  }
  for (const [name, value] of Object.entries(cloudEvent.extensions)) {
    const reason = extensionProblem(name, value);
    if (reason !== undefined) problem(`extension:${name}`, reason);
  }
  if (issues.length > 0)
    throw new CDEventsError(ErrorCode.InvalidArgument, "cannot encode this CloudEvent", { issues });
}

/** Where a decoder reads attributes from: an envelope's members, or decoded headers. */
export interface AttributeSource {
  /** Raw value of a context attribute; `undefined` or `null` when absent. */
  get(name: string): unknown;
  /** Every other attribute, each to become an extension. */
  readonly extensions: Iterable<readonly [string, unknown]>;
  /** Path of an attribute, for issues (`/id`, `header:ce-id`, …). */
  where(name: string): string;
}

/**
 * Reads and checks the context attributes and extensions of a received CloudEvent: `specversion` must be `1.0`;
 * `id`, `source`, `type` present; every attribute present must be a non-empty string; extensions must have valid
 * names and CloudEvents types (`null` members count as absent). `data` is left to the caller.
 */
export function readAttributes(source: AttributeSource): Result<Omit<CloudEvent, "data">> {
  const issues: Issue[] = [];
  const values = new Map<string, string>();
  for (const name of CONTEXT_ATTRIBUTES) {
    const value = source.get(name);
    const required = name === "specversion" || name === "id" || name === "source" || name === "type";
    if (typeof value === "string" && value !== "") values.set(name, value);
    else if (value !== undefined && value !== null)
      issues.push(issue(source.where(name), "must be a non-empty string"));
    else if (required) issues.push(issue(source.where(name), "missing: a required CloudEvents attribute"));
  }
  const specversion = values.get("specversion");
  if (specversion !== undefined && specversion !== "1.0") {
    issues.push(
      issue(source.where("specversion"), `unsupported CloudEvents specversion ${JSON.stringify(specversion)}`),
    );
  }
  const extensions: Record<string, ExtensionValue> = {};
  for (const [name, value] of source.extensions) {
    if (value === null || value === undefined) continue;
    const reason = extensionProblem(name, value);
    if (reason === undefined) extensions[name] = value as ExtensionValue;
    else issues.push(issue(source.where(name), reason));
  }
  if (issues.length > 0) return { ok: false, issues };
  const optional = Object.fromEntries(
    [...values].filter(([name]) => !["specversion", "id", "source", "type"].includes(name)),
  );
  const [id = "", sourceAttr = "", type = ""] = ["id", "source", "type"].map((n) => values.get(n));
  return { ok: true, value: { specversion: "1.0", id, source: sourceAttr, type, ...optional, extensions } };
}

function issue(path: string, message: string): Issue {
  return { code: IssueCode.Binding, path, message };
}
