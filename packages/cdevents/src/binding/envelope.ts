/**
 * The CloudEvents JSON event format (structured mode): one JSON object holding the context attributes, the
 * extensions as top-level members, and the CDEvent in `data`.
 * @module
 */

import { fromBase64 } from "../base64.ts";
import { CDEventsError, ErrorCode } from "../errors.ts";
import { type Issue, IssueCode, pointerToken, type Result } from "../issues.ts";
import { assertEncodable, readAttributes } from "./attributes.ts";
import { type CloudEvent, fromCloudEvent, type Unwrapped } from "./cloudevent.ts";
import { bodyText, isJsonObject, type JsonObject, parseJson } from "./json.ts";

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
  const where = (name: string) => `${prefix}/${pointerToken(name)}`;
  const attributes = readAttributes({ get: (name) => value[name], names: Object.keys(value), where });
  const issues: Issue[] = attributes.ok ? [] : [...attributes.issues];
  const data = envelopeData(value, prefix, issues);
  if (!attributes.ok || issues.length > 0) return { ok: false, issues };
  // The attributes object is new: `data` joins it in place rather than through a copy.
  const cloudEvent = attributes.value as CloudEvent;
  (cloudEvent as { data?: unknown }).data = data.value;
  return fromCloudEvent(cloudEvent, { attribute: where, data: data.path });
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
