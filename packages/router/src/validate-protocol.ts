/**
 * Validation of where and how a subscription delivers: `sink`, `protocol`, `protocolsettings` and
 * `sinkcredential`.
 * @module
 */
import { isDateTime } from "@cairn/cdevents";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf, rejectUnknown } from "./issues.ts";
import {
  type HttpSettings,
  type NatsSettings,
  PROTOCOLS,
  type Protocol,
  type SinkCredential,
  SPEC_PROTOCOLS,
} from "./subscription.ts";

/** Longest sink URL accepted. */
export const MAX_URL_LENGTH = 4096;

const SINK_SCHEMES: Readonly<Record<Protocol, readonly string[]>> = {
  HTTP: ["http:", "https:"],
  NATS: ["nats:", "tls:", "ws:", "wss:"],
};

/** Header names (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header values Cairn accepts: printable ASCII, space and tab (no CR, LF or NUL; no non-ASCII). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** Headers the router sets itself, or that the HTTP client owns. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "host",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "prefer",
]);
const NATS_SUBJECT = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/;

/** Reads `protocol`: required, one of the Subscriptions API's identifiers, and one Cairn delivers to. */
export function readProtocol(value: unknown, path: string, issues: Issue[]): Protocol | undefined {
  if (value === undefined) {
    issues.push({ path, code: IssueCode.Required, message: `is required: ${PROTOCOLS.join(" or ")}` });
    return undefined;
  }
  if (typeof value === "string" && (PROTOCOLS as readonly string[]).includes(value)) return value as Protocol;
  if (typeof value === "string" && (SPEC_PROTOCOLS as readonly string[]).includes(value)) {
    const message = `protocol ${value} is not supported by this router; supported: ${PROTOCOLS.join(", ")}`;
    issues.push({ path, code: IssueCode.UnsupportedProtocol, message });
    return undefined;
  }
  const message = `must be one of ${SPEC_PROTOCOLS.join(", ")} (case-sensitive), not ${JSON.stringify(value)}`;
  issues.push({ path, code: IssueCode.Enum, message });
  return undefined;
}

/** Checks an absolute URL with one of `schemes`; returns it unchanged (as written) when valid. */
export function checkUrl(
  value: unknown,
  schemes: readonly string[],
  path: string,
  issues: Issue[],
): string | undefined {
  if (value === undefined) {
    issues.push({ path, code: IssueCode.Required, message: "is required" });
    return undefined;
  }
  if (typeof value !== "string") {
    issues.push({ path, code: IssueCode.Type, message: `must be a URL (a string), not ${jsonTypeOf(value)}` });
    return undefined;
  }
  if (value.length > MAX_URL_LENGTH) {
    issues.push({ path, code: IssueCode.Range, message: `must be at most ${MAX_URL_LENGTH} characters` });
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const want = schemes.map((s) => s.slice(0, -1)).join(", ");
  if (url === undefined || !schemes.includes(url.protocol) || url.host === "" || /\s/.test(value)) {
    issues.push({ path, code: IssueCode.Format, message: `${JSON.stringify(value)} is not an absolute ${want} URL` });
    return undefined;
  }
  return value;
}

/** Checks an absolute `http` or `https` URL. */
export function checkHttpUrl(value: unknown, path: string, issues: Issue[]): string | undefined {
  return checkUrl(value, SINK_SCHEMES.HTTP, path, issues);
}

/** Checks the sink for a protocol. */
export function checkSink(value: unknown, protocol: Protocol, path: string, issues: Issue[]): string | undefined {
  return checkUrl(value, SINK_SCHEMES[protocol], path, issues);
}

/** Reads `protocolsettings` for a protocol. Undefined when absent (HTTP) or refused. */
export function readProtocolSettings(
  value: unknown,
  protocol: Protocol,
  path: string,
  issues: Issue[],
): HttpSettings | NatsSettings | undefined {
  if (value === undefined) {
    if (protocol === "NATS")
      issues.push({ path, code: IssueCode.Required, message: 'is required for NATS: {"subject": …}' });
    return undefined;
  }
  if (!isPlainObject(value)) {
    issues.push({ path, code: IssueCode.Type, message: `must be an object, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  return protocol === "HTTP" ? readHttpSettings(value, path, issues) : readNatsSettings(value, path, issues);
}

function readHttpSettings(value: Record<string, unknown>, path: string, issues: Issue[]): HttpSettings | undefined {
  const before = issues.length;
  rejectUnknown(value, new Set(["headers", "method"]), path, issues);
  const out: { headers?: Record<string, string>; method?: "POST" | "PUT" } = {};
  if (value.method !== undefined) {
    if (value.method === "POST" || value.method === "PUT") out.method = value.method;
    else
      issues.push({
        path: childPath(path, "method"),
        code: IssueCode.Enum,
        message: `must be POST or PUT, not ${JSON.stringify(value.method)}`,
      });
  }
  if (value.headers !== undefined) {
    const headers = readHeaders(value.headers, childPath(path, "headers"), issues);
    if (headers) out.headers = headers;
  }
  return issues.length > before ? undefined : out;
}

function readHeaders(value: unknown, path: string, issues: Issue[]): Record<string, string> | undefined {
  if (!isPlainObject(value)) {
    issues.push({
      path,
      code: IssueCode.Type,
      message: `must be an object of header name → value, not ${jsonTypeOf(value)}`,
    });
    return undefined;
  }
  const out: Record<string, string> = {};
  const before = issues.length;
  for (const [name, v] of Object.entries(value)) {
    const at = childPath(path, name);
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name))
      issues.push({ path: at, code: IssueCode.Format, message: `"${name}" is not a header name` });
    else if (RESERVED_HEADERS.has(lower) || lower.startsWith("ce-") || lower.startsWith("cairn-")) {
      const message = `"${name}" is set by the router (content-type, prefer, ce-* and cairn-* headers and the hop-by-hop headers cannot be overridden)`;
      issues.push({ path: at, code: IssueCode.ReservedHeader, message });
    } else if (typeof v !== "string")
      issues.push({ path: at, code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(v)}` });
    else if (!HEADER_VALUE.test(v)) {
      const message = "a header value is printable ASCII, space and tab (no line breaks, no non-ASCII characters)";
      issues.push({ path: at, code: IssueCode.Format, message });
    } else if (Object.hasOwn(out, lower)) {
      const message = `header "${lower}" is given twice (header names are case-insensitive)`;
      issues.push({ path: at, code: IssueCode.Conflict, message });
    } else out[lower] = v;
  }
  return issues.length > before ? undefined : out;
}

function readNatsSettings(value: Record<string, unknown>, path: string, issues: Issue[]): NatsSettings | undefined {
  const before = issues.length;
  rejectUnknown(value, new Set(["subject"]), path, issues);
  const at = childPath(path, "subject");
  const subject = value.subject;
  if (subject === undefined) issues.push({ path: at, code: IssueCode.Required, message: "is required for NATS" });
  else if (typeof subject !== "string")
    issues.push({ path: at, code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(subject)}` });
  else if (!NATS_SUBJECT.test(subject)) {
    const message = "a NATS subject is dot-separated non-empty tokens without whitespace or wildcards (* >)";
    issues.push({ path: at, code: IssueCode.Format, message });
  }
  return issues.length > before || typeof subject !== "string" ? undefined : { subject };
}

const CREDENTIAL_MEMBERS: Readonly<Record<SinkCredential["credentialtype"], readonly string[]>> = {
  PLAIN: ["identifier", "secret"],
  ACCESSTOKEN: ["accesstoken", "accesstokenexpiresutc", "accesstokentype"],
  REFRESHTOKEN: ["accesstoken", "accesstokenexpiresutc", "accesstokentype", "refreshtoken", "refreshtokenendpoint"],
};
const OPTIONAL_CREDENTIAL_MEMBERS: ReadonlySet<string> = new Set(["accesstokentype"]);
const TOKEN_TYPE = /^[A-Za-z0-9._~+/-]+$/;
const TOKEN = /^[\x21-\x7e]+$/;

/** Reads `sinkcredential` (Subscriptions API §3.2.3; member names as in its OpenAPI document). */
export function readSinkCredential(value: unknown, path: string, issues: Issue[]): SinkCredential | undefined {
  if (!isPlainObject(value)) {
    issues.push({ path, code: IssueCode.Type, message: `must be an object, not ${jsonTypeOf(value)}` });
    return undefined;
  }
  const type = value.credentialtype;
  const typeAt = childPath(path, "credentialtype");
  if (type !== "PLAIN" && type !== "ACCESSTOKEN" && type !== "REFRESHTOKEN") {
    const message = `must be PLAIN, ACCESSTOKEN or REFRESHTOKEN, not ${JSON.stringify(type)}`;
    issues.push({ path: typeAt, code: type === undefined ? IssueCode.Required : IssueCode.Enum, message });
    return undefined;
  }
  const before = issues.length;
  const members = CREDENTIAL_MEMBERS[type];
  rejectUnknown(value, new Set(["credentialtype", ...members]), path, issues);
  const out: Record<string, string> = { credentialtype: type };
  for (const key of members) {
    const v = value[key];
    const at = childPath(path, key);
    if (v === undefined) {
      if (!OPTIONAL_CREDENTIAL_MEMBERS.has(key))
        issues.push({ path: at, code: IssueCode.Required, message: `is required for ${type}` });
      continue;
    }
    if (typeof v !== "string" || v === "") {
      issues.push({ path: at, code: IssueCode.Type, message: `must be a non-empty string, not ${jsonTypeOf(v)}` });
      continue;
    }
    const problem = credentialProblem(key, v);
    if (problem) issues.push({ path: at, code: IssueCode.Format, message: problem });
    else out[key] = v;
  }
  return issues.length > before ? undefined : (out as unknown as SinkCredential);
}

function credentialProblem(key: string, v: string): string | undefined {
  switch (key) {
    case "identifier":
      return v.includes(":") ? "must not contain ':' (it is sent as HTTP Basic user-id)" : undefined;
    case "accesstoken":
    case "refreshtoken":
      return TOKEN.test(v) ? undefined : "must be printable ASCII without spaces";
    case "accesstokentype":
      return TOKEN_TYPE.test(v) ? undefined : "must be a token type such as bearer";
    case "accesstokenexpiresutc":
      return isDateTime(v) ? undefined : "must be an RFC 3339 date-time";
    case "refreshtokenendpoint": {
      const sink: Issue[] = [];
      return checkHttpUrl(v, "", sink) === undefined ? "must be an absolute http or https URL" : undefined;
    }
    default:
      return undefined;
  }
}
