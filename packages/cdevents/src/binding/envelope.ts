/**
 * The CloudEvents JSON event format (structured mode): one JSON object holding the context attributes, the
 * extensions as top-level members, and the CDEvent in `data`.
 * @module
 */
import { CDEventsError, ErrorCode } from "../errors.ts";
import { type Issue, IssueCode, type Result } from "../issues.ts";
import {
  assertEncodable,
  type CloudEvent,
  type ExtensionValue,
  extensionProblem,
  fromCloudEvent,
  type Unwrapped,
} from "./cloudevent.ts";
import { bodyText, fromBase64, isJsonObject, type JsonObject, parseJson } from "./json.ts";

/**
 * The JSON format envelope of a CloudEvent: context attributes, then extensions, then `data` as a JSON value.
 * @throws CDEventsError (`CAIRN_ERR_INVALID_ARGUMENT`) when the CloudEvent cannot be encoded.
 */
export function toEnvelope(cloudEvent: CloudEvent): JsonObject {
  assertEncodable(cloudEvent);
  const { specversion, id, source, type, subject, time, datacontenttype, dataschema } = cloudEvent;
  const envelope: JsonObject = { specversion, id, source, type };
  if (subject !== undefined) envelope.subject = subject;
  if (time !== undefined) envelope.time = time;
  if (datacontenttype !== undefined) envelope.datacontenttype = datacontenttype;
  if (dataschema !== undefined) envelope.dataschema = dataschema;
  Object.assign(envelope, cloudEvent.extensions);
  if (cloudEvent.data !== undefined) envelope.data = dataValue(cloudEvent.data);
  return envelope;
}

/**
 * The data of a CloudEvent as JSON text, for binary mode. Text and bytes are taken to be JSON text already and
 * passed through, so a received body is forwarded byte for byte; anything else is serialised.
 */
export function dataText(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return textOrThrow(data);
  return JSON.stringify(data) ?? "";
}

/**
 * Reads one JSON format envelope (already parsed) and unwraps its CDEvent. `prefix` is the JSON Pointer of the
 * envelope in the message (`""`, or `/3` for the fourth entry of a batch); issue paths start with it.
 */
export function fromEnvelope(value: unknown, prefix = ""): Result<Unwrapped> {
  if (!isJsonObject(value)) {
    return { ok: false, issues: [issue(prefix, "must be a CloudEvents JSON format object")] };
  }
  const issues: Issue[] = [];
  const text = (name: string, required: boolean): string | undefined => {
    const member = value[name];
    if (typeof member === "string" && member !== "") return member;
    if (member === undefined || member === null) {
      if (required) issues.push(issue(`${prefix}/${name}`, "missing: a required CloudEvents attribute"));
      return undefined;
    }
    issues.push(issue(`${prefix}/${name}`, "must be a non-empty string"));
    return undefined;
  };
  const specversion = text("specversion", true);
  if (specversion !== undefined && specversion !== "1.0") {
    issues.push(issue(`${prefix}/specversion`, `unsupported CloudEvents specversion ${JSON.stringify(specversion)}`));
  }
  const [id, source, type] = ["id", "source", "type"].map((n) => text(n, true));
  const [subject, time, datacontenttype, dataschema] = ["subject", "time", "datacontenttype", "dataschema"].map((n) =>
    text(n, false),
  );
  const data = envelopeData(value, prefix, issues);
  const extensions = envelopeExtensions(value, prefix, issues);
  if (issues.length > 0 || id === undefined || source === undefined || type === undefined) return { ok: false, issues };
  const cloudEvent: CloudEvent = {
    specversion: "1.0",
    id,
    source,
    type,
    ...(subject === undefined ? {} : { subject }),
    ...(time === undefined ? {} : { time }),
    ...(datacontenttype === undefined ? {} : { datacontenttype }),
    ...(dataschema === undefined ? {} : { dataschema }),
    data: data.value,
    extensions,
  };
  return fromCloudEvent(cloudEvent, { attribute: (name) => `${prefix}/${name}`, data: data.path });
}

/** Known members of an envelope; every other member is an extension. */
const KNOWN = new Set(["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"]);

function envelopeExtensions(envelope: JsonObject, prefix: string, issues: Issue[]): Record<string, ExtensionValue> {
  const extensions: Record<string, ExtensionValue> = {};
  for (const [name, member] of Object.entries(envelope)) {
    if (KNOWN.has(name) || name === "data" || name === "data_base64" || member === null) continue;
    const problem = extensionProblem(name, member);
    if (problem === undefined) extensions[name] = member as ExtensionValue;
    else issues.push(issue(`${prefix}/${name}`, problem));
  }
  return extensions;
}

// `data_base64` is how the JSON format carries binary data; a producer may use it even for JSON.
function envelopeData(envelope: JsonObject, prefix: string, issues: Issue[]): { value: unknown; path: string } {
  const encoded = envelope.data_base64;
  if (encoded === undefined || encoded === null) return { value: envelope.data, path: `${prefix}/data` };
  const path = `${prefix}/data_base64`;
  if (envelope.data !== undefined && envelope.data !== null) {
    issues.push(issue(path, "data and data_base64 are mutually exclusive"));
  }
  const bytes = typeof encoded === "string" ? fromBase64(encoded) : undefined;
  if (bytes === undefined) issues.push(issue(path, "must be a base64 string"));
  return { value: bytes, path };
}

function dataValue(data: unknown): unknown {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) return data;
  const text = typeof data === "string" ? data : textOrThrow(data);
  const parsed = parseJson(text, "/data");
  if (parsed.ok) return parsed.value;
  throw new CDEventsError(ErrorCode.InvalidArgument, "the CloudEvent data is not JSON", { issues: parsed.issues });
}

function textOrThrow(bytes: Uint8Array): string {
  const text = bodyText(bytes, "/data");
  if (text.ok) return text.value;
  throw new CDEventsError(ErrorCode.InvalidArgument, "the CloudEvent data is not UTF-8", { issues: text.issues });
}

function issue(path: string, message: string): Issue {
  return { code: IssueCode.Binding, path, message };
}
