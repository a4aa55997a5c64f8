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
  /** Raw value of an attribute; `undefined` or `null` when absent. */
  get(name: string): unknown;
  /**
   * The names of the attributes present. Those that are neither context attributes nor `data`/`data_base64` become
   * extensions.
   */
  readonly names: Iterable<string>;
  /** Path of an attribute, for issues (`/id`, `header:ce-id`, …). */
  where(name: string): string;
}

const REQUIRED_ATTRIBUTES: ReadonlySet<string> = new Set(["specversion", "id", "source", "type"]);

/**
 * Reads and checks the context attributes and extensions of a received CloudEvent: `specversion` must be `1.0`;
 * `id`, `source`, `type` present; every attribute present must be a non-empty string; extensions must have valid
 * names and CloudEvents types (`null` members count as absent). `data` is left to the caller.
 */
export function readAttributes(source: AttributeSource): Result<Omit<CloudEvent, "data">> {
  // Built in place, in the order the CloudEvent's members always have: this runs once per entry of every batch.
  const out: Record<string, unknown> = { specversion: "1.0", id: "", source: "", type: "" };
  const issues: Issue[] = [];
  let specversion: string | undefined;
  for (const name of CONTEXT_ATTRIBUTES) {
    const value = source.get(name);
    if (typeof value === "string" && value !== "") {
      if (name === "specversion") specversion = value;
      else out[name] = value;
    } else if (value !== undefined && value !== null)
      issues.push(issue(source.where(name), "must be a non-empty string"));
    else if (REQUIRED_ATTRIBUTES.has(name))
      issues.push(issue(source.where(name), "missing: a required CloudEvents attribute"));
  }
  if (specversion !== undefined && specversion !== "1.0") {
    issues.push(
      issue(source.where("specversion"), `unsupported CloudEvents specversion ${JSON.stringify(specversion)}`),
    );
  }
  const extensions: Record<string, ExtensionValue> = {};
  for (const name of source.names) {
    if (RESERVED_ATTRIBUTES.has(name)) continue;
    const value = source.get(name);
    if (value === null || value === undefined) continue;
    const reason = extensionProblem(name, value);
    if (reason === undefined) extensions[name] = value as ExtensionValue;
    else issues.push(issue(source.where(name), reason));
  }
  if (issues.length > 0) return { ok: false, issues };
  out.extensions = extensions;
  return { ok: true, value: out as unknown as Omit<CloudEvent, "data"> };
}

function issue(path: string, message: string): Issue {
  return { code: IssueCode.Binding, path, message };
}
