/**
 * The CDEvents ⇄ CloudEvents mapping (CDEvents binding, spec digest §5): a CDEvent travels as the `data` of a
 * CloudEvent whose `id`, `source`, `type`, `subject` and `time` repeat the CDEvent's context. Transport-neutral;
 * the HTTP, Kafka and NATS bindings build on it.
 * @module
 */
import { CDEventsError, ErrorCode } from "../errors.ts";
import { type Issue, IssueCode, type Result } from "../issues.ts";
import { assertEncodable } from "./attributes.ts";
import { bodyText, fail, isJsonObject, type JsonObject, parseJson } from "./json.ts";
import { APPLICATION_JSON, isJsonMediaType, parseMediaType } from "./media-type.ts";
import { timesAgree } from "./time.ts";

export type { JsonObject } from "./json.ts";

/** Value of a CloudEvents extension attribute (CloudEvents type system: String, Integer, Boolean). */
export type ExtensionValue = string | number | boolean;

/** A CloudEvents 1.0 event. Extension attributes live in `extensions`, never beside the context attributes. */
export interface CloudEvent {
  /** Always `"1.0"`. */
  readonly specversion: "1.0";
  /** Equals `context.id`. */
  readonly id: string;
  /** Equals `context.source`. */
  readonly source: string;
  /** Equals `context.type`, the full versioned type. */
  readonly type: string;
  /** Equals `subject.id`; CDEvents always sets it. May be absent on events received from other producers. */
  readonly subject?: string;
  /** Equals `context.timestamp`, verbatim. Absent only when a received event had none; never invented. */
  readonly time?: string;
  /** Media type of `data`; `application/json` for CDEvents. */
  readonly datacontenttype?: string;
  /** URI of the schema `data` adheres to, e.g. `https://cdevents.dev/0.5.1/schema/taskrun-started-event`. */
  readonly dataschema?: string;
  /** The CDEvent: a parsed object once decoded; a JSON string or UTF-8 bytes are accepted by {@link fromCloudEvent}. */
  readonly data?: unknown;
  /** Extension attributes such as `partitionkey`, by lower-case name. */
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
}

/** The members of a CDEvent the binding reads. Any CDEvent of any release has them. */
export interface CDEventLike {
  /** The event context. */
  readonly context: { readonly id: string; readonly source: string; readonly type: string; readonly timestamp: string };
  /** The event subject. */
  readonly subject: { readonly id: string };
}

/** Options of {@link toCloudEvent}. */
export interface ToCloudEventOptions {
  /** Value of the `dataschema` attribute, usually the schema `$id` of the event type. */
  readonly dataschema?: string;
  /** Extension attributes, e.g. `{ partitionkey: "pipeline-42" }`. Names: lower-case letters and digits. */
  readonly extensions?: Readonly<Record<string, ExtensionValue>>;
}

/**
 * Wraps a CDEvent in a CloudEvent: `id`, `source`, `type` from the context, `subject` from `subject.id` and `time`
 * from `context.timestamp` verbatim (never re-formatted, so microseconds and offsets survive), `datacontenttype`
 * `application/json`, and the CDEvent itself (not a copy) as `data`.
 * @throws CDEventsError (`CAIRN_ERR_INVALID_ARGUMENT`) when a member the binding needs is missing or an extension
 * is invalid.
 */
export function toCloudEvent(cdevent: CDEventLike | JsonObject, options: ToCloudEventOptions = {}): CloudEvent {
  const issues: Issue[] = [];
  const need = (pointer: string): string => {
    const value = pointerGet(cdevent, pointer);
    if (typeof value === "string" && value !== "") return value;
    issues.push({
      code: IssueCode.Binding,
      path: pointer,
      message: "must be a non-empty string to build a CloudEvent",
    });
    return "";
  };
  const [id, source, type, subject, time] = BODY_POINTERS.map(need) as [string, string, string, string, string];
  if (issues.length > 0) {
    throw new CDEventsError(ErrorCode.InvalidArgument, "cannot build a CloudEvent from this CDEvent", { issues });
  }
  const cloudEvent: CloudEvent = {
    specversion: "1.0",
    id,
    source,
    type,
    subject,
    time,
    datacontenttype: APPLICATION_JSON,
    ...(options.dataschema === undefined ? {} : { dataschema: options.dataschema }),
    data: cdevent,
    extensions: { ...options.extensions },
  };
  assertEncodable(cloudEvent); // the options: extension names and types, a non-empty dataschema
  return cloudEvent;
}

/** Where attributes and data of a CloudEvent came from, for issue paths. */
export interface AttributeLocations {
  /** Path of an attribute, e.g. `(n) => "header:ce-" + n`; default `(n) => "/" + n`. */
  readonly attribute?: (name: string) => string;
  /** JSON Pointer of the data (the CDEvent) in the input; default `/data`. */
  readonly data?: string;
}

/** A CDEvent taken out of a CloudEvent, with the CloudEvent whose `data` is now the parsed CDEvent. */
export interface Unwrapped {
  /** The CDEvent as parsed: not validated, unknown members kept. */
  readonly cdevent: JsonObject;
  /** The CloudEvent, `data` replaced by `cdevent`. Attributes are as received (`time` is not invented). */
  readonly cloudEvent: CloudEvent;
}

/**
 * Takes the CDEvent out of a CloudEvent and checks the binding: `data` must be a JSON object (given as an object, a
 * JSON string or UTF-8 bytes) and `id`, `source`, `type`, `subject`, `time` must agree with `context.id`,
 * `context.source`, `context.type`, `subject.id`, `context.timestamp` (issue code `binding`). Attributes absent from
 * the CloudEvent are not checked, nor members absent from the CDEvent: validating the CDEvent is another layer's job.
 * `time` agrees with `timestamp` when both name the same instant, one possibly truncated (see {@link timesAgree}).
 */
export function fromCloudEvent(cloudEvent: CloudEvent, where: AttributeLocations = {}): Result<Unwrapped> {
  const at = where.attribute ?? ((name: string) => `/${name}`);
  const dataPath = where.data ?? "/data";
  const issues: Issue[] = [];
  if (cloudEvent.specversion !== "1.0") {
    issues.push({ code: IssueCode.Binding, path: at("specversion"), message: 'specversion must be "1.0"' });
  }
  const type = cloudEvent.datacontenttype === undefined ? undefined : parseMediaType(cloudEvent.datacontenttype);
  if (cloudEvent.datacontenttype !== undefined && (type === undefined || !isJsonMediaType(type))) {
    const message = `datacontenttype ${JSON.stringify(cloudEvent.datacontenttype)} is not JSON; a CDEvent is JSON`;
    issues.push({ code: IssueCode.Binding, path: at("datacontenttype"), message });
  }
  const data = dataObject(cloudEvent.data, dataPath);
  if (!data.ok) return { ok: false, issues: [...issues, ...data.issues] };
  issues.push(...disagreements(cloudEvent, data.value, at, dataPath));
  if (issues.length > 0) return { ok: false, issues };
  // Data given as the parsed object already is the CDEvent: the CloudEvent needs no copy.
  const unwrapped = cloudEvent.data === data.value ? cloudEvent : { ...cloudEvent, data: data.value };
  return { ok: true, value: { cdevent: data.value, cloudEvent: unwrapped } };
}

/**
 * The CloudEvent a bare CDEvent implies (as {@link toCloudEvent} would build it), for messages that carry a CDEvent
 * without any CloudEvents attributes. `subject` and `time` are left out when the CDEvent lacks them.
 */
export function impliedCloudEvent(cdevent: JsonObject, dataPath = ""): Result<CloudEvent> {
  const issues: Issue[] = [];
  const take = (pointer: string): string | undefined => {
    const value = pointerGet(cdevent, pointer);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const [id, source, type, subject, time] = BODY_POINTERS.map(take);
  for (const [pointer, value] of [CONTEXT_ID, CONTEXT_SOURCE, CONTEXT_TYPE].map((p) => [p, take(p)] as const)) {
    if (value !== undefined) continue;
    const message = "must be a non-empty string: without CloudEvents attributes the CDEvent must name itself";
    issues.push({ code: IssueCode.Binding, path: dataPath + pointer, message });
  }
  if (issues.length > 0 || id === undefined || source === undefined || type === undefined) return { ok: false, issues };
  return {
    ok: true,
    value: {
      specversion: "1.0",
      id,
      source,
      type,
      ...(subject === undefined ? {} : { subject }),
      ...(time === undefined ? {} : { time }),
      datacontenttype: APPLICATION_JSON,
      data: cdevent,
      extensions: {},
    },
  };
}

const CONTEXT_ID = "/context/id";
const CONTEXT_SOURCE = "/context/source";
const CONTEXT_TYPE = "/context/type";
/** Body members of `id`, `source`, `type`, `subject`, `time`, in that order. */
const BODY_POINTERS = [CONTEXT_ID, CONTEXT_SOURCE, CONTEXT_TYPE, "/subject/id", "/context/timestamp"] as const;
const ATTRIBUTES = ["id", "source", "type", "subject", "time"] as const;

function disagreements(ce: CloudEvent, body: JsonObject, at: (name: string) => string, dataPath: string): Issue[] {
  const issues: Issue[] = [];
  ATTRIBUTES.forEach((name, i) => {
    const attribute = ce[name];
    const pointer = BODY_POINTERS[i] ?? "";
    const member = pointerGet(body, pointer);
    if (attribute === undefined || member === undefined) return;
    const agree =
      attribute === member || (name === "time" && typeof member === "string" && timesAgree(attribute, member));
    if (agree) return;
    const message = `CloudEvents ${name} ${JSON.stringify(attribute)} disagrees with ${dataPath}${pointer} ${JSON.stringify(member)}`;
    issues.push({ code: IssueCode.Binding, path: at(name), message });
  });
  return issues;
}

function dataObject(data: unknown, path: string): Result<JsonObject> {
  if (data === undefined || data === null) return fail(IssueCode.Binding, path, "missing: the CDEvent travels in data");
  let value: unknown = data;
  if (typeof data === "string" || data instanceof Uint8Array) {
    const text = bodyText(data, path);
    if (!text.ok) return text;
    const parsed = parseJson(text.value, path);
    if (!parsed.ok) return parsed;
    value = parsed.value;
  }
  if (isJsonObject(value)) return { ok: true, value };
  return fail(IssueCode.Binding, path, "must be a JSON object: the CDEvent");
}

// The member names of each pointer, split once. Only the fixed pointers above are used (so the map stays small,
// and no RFC 6901 unescaping is needed).
const POINTER_KEYS = new Map<string, readonly string[]>();

function pointerKeys(pointer: string): readonly string[] {
  let keys = POINTER_KEYS.get(pointer);
  if (!keys) {
    keys = pointer.split("/").slice(1);
    POINTER_KEYS.set(pointer, keys);
  }
  return keys;
}

// Reads `/a/b` from plain objects.
function pointerGet(root: unknown, pointer: string): unknown {
  let node = root;
  for (const key of pointerKeys(pointer)) {
    if (!isJsonObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
