/**
 * CloudEvents HTTP protocol binding 1.0.2 for CDEvents: binary, structured and batch modes, plus bare CDEvent JSON.
 * Works on plain header records and string bodies, so it runs in browsers, edge runtimes and Node alike.
 * @module
 */
import type { Issue } from "../issues.ts";
import { assertEncodable } from "./attributes.ts";
import { type CDEventLike, type CloudEvent, type ToCloudEventOptions, toCloudEvent } from "./cloudevent.ts";
import { dataText, toEnvelope } from "./envelope.ts";
import type { JsonObject } from "./json.ts";
import { APPLICATION_JSON, CLOUDEVENTS_BATCH_JSON, CLOUDEVENTS_JSON, contentKind } from "./media-type.ts";
import {
  type BatchOutcome,
  type DecodedEvent,
  decodeBatch,
  decodeBinary,
  decodeStructured,
  decodeUntyped,
  type HeaderInput,
  hasAttributeHeaders,
  headerAttributes,
  readHeaders,
  unsupportedContentType,
} from "./message.ts";
import { percentDecode, percentEncode } from "./percent.ts";

/** CloudEvents content mode of an outgoing message. */
export type HttpMode = "binary" | "structured";

/** An HTTP message to send: lower-case header names, a JSON body. */
export interface HttpMessage {
  /** Header names are lower case. */
  readonly headers: Record<string, string>;
  /** UTF-8 JSON text. */
  readonly body: string;
}

/** Options of {@link toHttp}: the content mode (default `binary`) and the CloudEvent options. */
export interface ToHttpOptions extends ToCloudEventOptions {
  /** `binary` puts the attributes in `ce-*` headers; `structured` sends an `application/cloudevents+json` envelope. */
  readonly mode?: HttpMode;
}

/** A received HTTP message. */
export interface HttpInput {
  /** A `Headers` object, a plain record in any case, or Node's `IncomingHttpHeaders`. */
  readonly headers: HeaderInput;
  /** The body as text or bytes (UTF-8). */
  readonly body: string | Uint8Array;
}

/**
 * Outcome of {@link fromHttp}. Assignable to `Result<readonly DecodedEvent[]>`; unlike it, a failure still carries
 * the entries that decoded, so a batch with some bad entries can commit the good ones.
 */
export interface HttpDecodeResult {
  /** True when every entry decoded and the message itself was acceptable. */
  readonly ok: boolean;
  /** Decoded events: one for binary, structured and bare messages, the good entries of a batch. */
  readonly value: readonly DecodedEvent[];
  /** Every issue; batch entry issues have paths starting with `/<index>`. Empty when `ok`. */
  readonly issues: readonly Issue[];
  /** Indices of the batch entries that failed; `[0]` when a single event failed, `[]` for a whole-message failure. */
  readonly failed: readonly number[];
}

/** Media types {@link fromHttp} accepts. */
export const SUPPORTED_HTTP_CONTENT_TYPES: readonly string[] = [
  CLOUDEVENTS_JSON,
  CLOUDEVENTS_BATCH_JSON,
  APPLICATION_JSON,
];

/** The content type of a CDEvent in binary mode, as {@link toHttp} sends it. */
export const JSON_UTF8 = "application/json; charset=utf-8";

/** The issue path of content-type problems; {@link isUnsupportedMediaType} keys on it. */
export const CONTENT_TYPE_PATH = "header:content-type";

/**
 * Encodes a CDEvent as an HTTP message. Binary mode: `ce-specversion`, `ce-id`, `ce-source`, `ce-type`,
 * `ce-subject`, `ce-time` (always), `ce-dataschema` and `ce-<extension>` headers, percent-encoded per HTTP binding
 * §3.1.3.2, and `content-type: application/json; charset=utf-8`. Structured mode: one JSON format envelope.
 * @throws CDEventsError (`CAIRN_ERR_INVALID_ARGUMENT`) when the CDEvent lacks a member the binding needs.
 */
export function toHttp(cdevent: CDEventLike | JsonObject, options: ToHttpOptions = {}): HttpMessage {
  const cloudEvent = toCloudEvent(cdevent, options);
  if (options.mode === "structured") return encodeHttp(cloudEvent, "structured");
  // The charset parameter is meaningless for JSON (RFC 8259 §11) but helps receivers that default text to
  // ISO-8859-1; the spec's own binary example uses it.
  return encodeHttp({ ...cloudEvent, datacontenttype: JSON_UTF8 }, "binary");
}

/** Encodes several CDEvents as one `application/cloudevents-batch+json` message. */
export function toHttpBatch(
  cdevents: readonly (CDEventLike | JsonObject)[],
  options: ToCloudEventOptions = {},
): HttpMessage {
  return encodeHttpBatch(cdevents.map((e) => toCloudEvent(e, options)));
}

/**
 * Encodes a CloudEvent (e.g. one decoded by {@link fromHttp}) as an HTTP message. `content-type` is the
 * `datacontenttype` verbatim (absent when it is), so binary ⇄ structured conversion of a decoded CloudEvent is
 * lossless, except that extension values become strings in binary mode (headers carry no type).
 */
export function encodeHttp(cloudEvent: CloudEvent, mode: HttpMode): HttpMessage {
  if (mode === "structured") {
    const headers = { "content-type": `${CLOUDEVENTS_JSON}; charset=utf-8` };
    return { headers, body: JSON.stringify(toEnvelope(cloudEvent)) };
  }
  assertEncodable(cloudEvent);
  const type = cloudEvent.datacontenttype;
  const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
  for (const [name, value] of headerAttributes(cloudEvent)) headers[`ce-${name}`] = percentEncode(String(value));
  return { headers, body: dataText(cloudEvent.data) };
}

/** Encodes CloudEvents as one `application/cloudevents-batch+json` message. */
export function encodeHttpBatch(cloudEvents: readonly CloudEvent[]): HttpMessage {
  const body = `[${cloudEvents.map((e) => JSON.stringify(toEnvelope(e))).join(",")}]`;
  return { headers: { "content-type": `${CLOUDEVENTS_BATCH_JSON}; charset=utf-8` }, body };
}

/**
 * Decodes an HTTP message carrying CDEvents. The content type (matched case-insensitively, parameters allowed)
 * picks the mode: `application/cloudevents+json` structured, `application/cloudevents-batch+json` batch, JSON with
 * `ce-*` headers binary, JSON without them a bare CDEvent (or an envelope sent as plain JSON). Other types give a
 * {@link CONTENT_TYPE_PATH} issue (see {@link isUnsupportedMediaType}). Binary header values are percent-decoded.
 */
export function fromHttp(message: HttpInput): HttpDecodeResult {
  const headers = readHeaders(message.headers);
  if (!headers.ok) return rejected(headers.issues, []);
  const rawType = headers.value.get("content-type");
  const content = contentKind(rawType);
  const binary = hasAttributeHeaders(headers.value, "ce-");
  switch (content.kind) {
    case "unsupported":
      return unsupported(rawType, content.reason);
    case "batch":
      return batch(decodeBatch(message.body));
    case "structured":
      return single(decodeStructured(message.body));
    case "absent":
      if (!binary) return unsupported(rawType, "a CDEvent without ce-* headers needs a JSON content type");
  }
  if (!binary) return single(decodeUntyped(message.body));
  const parts = { headers: headers.value, prefix: "ce-", decode: percentDecode, body: message.body };
  return single(decodeBinary({ ...parts, datacontenttype: rawType, contentTypeHeader: "content-type" }));
}

/** True when the issues say the content type is unsupported: an HTTP server answers 415. */
export function isUnsupportedMediaType(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.path === CONTENT_TYPE_PATH);
}

function unsupported(raw: string | undefined, reason: string): HttpDecodeResult {
  return rejected(unsupportedContentType(raw, reason, CONTENT_TYPE_PATH, SUPPORTED_HTTP_CONTENT_TYPES).issues, []);
}

function batch(outcome: BatchOutcome): HttpDecodeResult {
  if (outcome.issues.length === 0) return accepted(outcome.events);
  return { ok: false, value: outcome.events, issues: outcome.issues, failed: outcome.failed };
}

function single(result: { ok: true; value: DecodedEvent } | { ok: false; issues: readonly Issue[] }) {
  return result.ok ? accepted([result.value]) : rejected(result.issues, [0]);
}

function accepted(events: readonly DecodedEvent[]): HttpDecodeResult {
  return { ok: true, value: events, issues: [], failed: [] };
}

function rejected(issues: readonly Issue[], failed: readonly number[]): HttpDecodeResult {
  return { ok: false, value: [], issues, failed };
}
