/**
 * Transport-neutral decoding shared by the HTTP, Kafka and NATS bindings: header maps, binary mode from
 * attribute headers, structured mode, bare CDEvent bodies, batches.
 * @module
 */
import { type Issue, IssueCode, pointerToken, type Result } from "../issues.ts";
import { readAttributes } from "./attributes.ts";
import { type CloudEvent, type ExtensionValue, fromCloudEvent, impliedCloudEvent } from "./cloudevent.ts";
import { fromEnvelope } from "./envelope.ts";
import { bodyText, fail, isJsonObject, type JsonObject, parseJson } from "./json.ts";
import type { DecodedHeader } from "./percent.ts";

/** How a CDEvent arrived: CloudEvents binary, structured or batch mode, or a bare CDEvent with no CloudEvent. */
export type DecodeMode = "binary" | "structured" | "batch" | "bare";

/** One CDEvent decoded from a message. */
export interface DecodedEvent {
  /** How it arrived. */
  readonly mode: DecodeMode;
  /** Position in a batch; 0 for a single event. */
  readonly index: number;
  /** The CloudEvent as received (for `bare`, as implied by the CDEvent); `data` is `cdevent`. */
  readonly cloudEvent: CloudEvent;
  /** The CDEvent, parsed but not validated. */
  readonly cdevent: JsonObject;
}

/** A `Headers`-like object (WHATWG `Headers`, `Map`): anything with `get` and `forEach(value, name)`. */
export interface HeadersLike {
  /** Value of a header, or null. */
  get(name: string): string | null | undefined;
  /** Visits every header. */
  forEach(callback: (value: string, name: string) => void): void;
}

/** A header value as transports deliver it: Node gives arrays for repeated headers, Kafka clients give bytes. */
export type HeaderValue = string | readonly string[] | Uint8Array | null | undefined;

/** Headers of a received message: a `Headers` object or a plain record, names in any case. */
export type HeaderInput = HeadersLike | Readonly<Record<string, HeaderValue>>;

// `ignoreBOM`: a header value that starts with U+FEFF keeps it (the decoder would otherwise drop it).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Header map with lower-case names. Repeated values are joined with `", "` (RFC 9110 §5.3); bytes must be UTF-8. */
export function readHeaders(input: HeaderInput | undefined): Result<Map<string, string>> {
  const map = new Map<string, string>();
  if (input === undefined) return { ok: true, value: map };
  if (typeof input.forEach === "function" && typeof input.get === "function") {
    (input as HeadersLike).forEach((value, name) => {
      map.set(name.toLowerCase(), value);
    });
    return { ok: true, value: map };
  }
  for (const [name, value] of Object.entries(input as Readonly<Record<string, HeaderValue>>)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Uint8Array) {
      try {
        map.set(name.toLowerCase(), utf8.decode(value));
      } catch {
        return fail(IssueCode.Binding, `header:${name.toLowerCase()}`, "the header value is not valid UTF-8");
      }
    } else map.set(name.toLowerCase(), typeof value === "string" ? value : value.join(", "));
  }
  return { ok: true, value: map };
}

/** Binary-mode parts gathered by a transport. */
export interface BinaryParts {
  /** Header map with lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
  /** Attribute header prefix: `ce-` (HTTP, NATS) or `ce_` (Kafka). */
  readonly prefix: string;
  /** Decodes one raw header value (percent-decoding for HTTP and NATS). */
  readonly decode: (raw: string) => DecodedHeader;
  /** The `datacontenttype`, from wherever the transport carries it. */
  readonly datacontenttype: string | undefined;
  /** Header that carries `datacontenttype`, for issue paths. */
  readonly contentTypeHeader: string;
  /** The message body: the CDEvent. */
  readonly body: string | Uint8Array;
}

/** True when any header carries a CloudEvents attribute. */
export function hasAttributeHeaders(headers: ReadonlyMap<string, string>, prefix: string): boolean {
  for (const name of headers.keys()) if (name.startsWith(prefix)) return true;
  return false;
}

/** Decodes binary mode: attributes from prefixed headers, the CDEvent from the body. */
export function decodeBinary(parts: BinaryParts): Result<DecodedEvent> {
  const where = (name: string) =>
    name === "datacontenttype" ? `header:${parts.contentTypeHeader}` : `header:${parts.prefix}${name}`;
  const headers = attributeHeaders(parts);
  if (!headers.ok) return headers;
  const get = (name: string) => (name === "datacontenttype" ? parts.datacontenttype : headers.value.get(name));
  const attributes = readAttributes({ get, names: headers.value.keys(), where });
  if (!attributes.ok) return attributes;
  const cloudEvent = { ...attributes.value, data: parts.body };
  return decoded(fromCloudEvent(cloudEvent, { attribute: where, data: "" }), "binary", 0);
}

// The attribute headers of a binary message, prefix removed, values decoded; an undecodable value fails the message.
function attributeHeaders(parts: BinaryParts): Result<Map<string, string>> {
  const issues: Issue[] = [];
  const attributes = new Map<string, string>();
  for (const [header, raw] of parts.headers) {
    if (!header.startsWith(parts.prefix) || header === parts.contentTypeHeader) continue;
    const decoded = parts.decode(raw);
    if (decoded.ok) attributes.set(header.slice(parts.prefix.length), decoded.value);
    else issues.push(binding(`header:${header}`, decoded.reason));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: attributes };
}

/** Decodes a JSON format envelope (structured mode) from a message body. */
export function decodeStructured(body: string | Uint8Array): Result<DecodedEvent> {
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  return decoded(fromEnvelope(parsed.value, ""), "structured", 0);
}

/**
 * Decodes a JSON body without CloudEvents headers. A top-level `specversion` marks a JSON format envelope (sent
 * without its media type, e.g. over a NATS server older than 2.2); a CDEvent never has one, its version lives in
 * `context`. Anything else is a bare CDEvent.
 */
export function decodeUntyped(body: string | Uint8Array): Result<DecodedEvent> {
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (isJsonObject(value) && Object.hasOwn(value, "specversion"))
    return decoded(fromEnvelope(value, ""), "structured", 0);
  if (!isJsonObject(value)) return fail(IssueCode.Binding, "", "must be a JSON object: a CDEvent");
  const implied = impliedCloudEvent(value);
  if (!implied.ok) return implied;
  return { ok: true, value: { mode: "bare", index: 0, cloudEvent: implied.value, cdevent: value } };
}

/** Outcome of decoding a batch: the entries that decoded, the issues of the others and their indices. */
export interface BatchOutcome {
  /** Entries that decoded, in order, each with its `index`. */
  readonly events: DecodedEvent[];
  /** Issues of the failed entries (paths start with `/<index>`), or of the whole body. */
  readonly issues: Issue[];
  /** Indices of the entries that failed. */
  readonly failed: number[];
}

/** Decodes a JSON batch (`application/cloudevents-batch+json`): an array of envelopes, each checked on its own. */
export function decodeBatch(body: string | Uint8Array): BatchOutcome {
  const parsed = parseBody(body);
  if (!parsed.ok) return { events: [], issues: [...parsed.issues], failed: [] };
  if (!Array.isArray(parsed.value)) {
    return { events: [], issues: [binding("", "a batch must be a JSON array of CloudEvents")], failed: [] };
  }
  const outcome: BatchOutcome = { events: [], issues: [], failed: [] };
  parsed.value.forEach((entry: unknown, index) => {
    const result = decoded(fromEnvelope(entry, `/${pointerToken(index)}`), "batch", index);
    if (result.ok) outcome.events.push(result.value);
    else {
      outcome.issues.push(...result.issues);
      outcome.failed.push(index);
    }
  });
  return outcome;
}

/**
 * The failure for an unacceptable content type, at `path` (`header:content-type`); the message names the types
 * the transport accepts. HTTP maps it to 415.
 */
export function unsupportedContentType(
  raw: string | undefined,
  reason: string,
  path: string,
  supported: readonly string[],
): { ok: false; issues: Issue[] } {
  const what = raw === undefined ? "missing content-type" : `unsupported content-type ${JSON.stringify(raw)}`;
  return fail(IssueCode.Binding, path, `${what} (${reason}); supported: ${supported.join(", ")}`);
}

/** Attributes a binary-mode message carries as headers, in the spec's order: all but `datacontenttype`. */
export function headerAttributes(ce: CloudEvent): [string, ExtensionValue][] {
  const entries: [string, ExtensionValue][] = [
    ["specversion", ce.specversion],
    ["id", ce.id],
    ["source", ce.source],
    ["type", ce.type],
  ];
  for (const name of ["subject", "time", "dataschema"] as const) {
    const value = ce[name];
    if (value !== undefined) entries.push([name, value]);
  }
  return [...entries, ...Object.entries(ce.extensions)];
}

function parseBody(body: string | Uint8Array): Result<unknown> {
  const text = bodyText(body, "");
  return text.ok ? parseJson(text.value, "") : text;
}

function decoded(
  result: Result<{ cdevent: JsonObject; cloudEvent: CloudEvent }>,
  mode: DecodeMode,
  index: number,
): Result<DecodedEvent> {
  return result.ok ? { ok: true, value: { mode, index, ...result.value } } : result;
}

function binding(path: string, message: string): Issue {
  return { code: IssueCode.Binding, path, message };
}
