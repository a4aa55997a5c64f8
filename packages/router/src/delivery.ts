/**
 * Building the outgoing request for one delivery of a stored event, from what the hub stores: the CloudEvent's
 * attributes as JSON text (context attributes and extensions, no data) and the CDEvent's verbatim JSON text. The
 * CDEvent is never re-serialised: binary mode sends it byte for byte as the body, structured mode splices it into
 * the envelope as `data`. Attributes are forwarded unchanged (`id`, `source`, `time` included).
 *
 * Headers Cairn adds (see docs/router.md, "Delivery requests"):
 *
 * - `cairn-delivery-id: <subscriptionId>/<sequence>` — stable across retries of the same event to the same
 *   subscription (the sequence is the event's position in the hub's store), so consumers can deduplicate;
 * - `cairn-delivery-attempt: <n>` — 1 for the first attempt, `n + 1` for retry `n`;
 * - `prefer: reply` — only when the subscription's `responseMode` is `replyIfCloudEvent`.
 * @module
 */
import { toBase64 } from "@cairn/cdevents";
import { ATTRIBUTE_NAME } from "./attributes.ts";
import { RouterError, RouterErrorCode } from "./errors.ts";
import { isPlainObject } from "./issues.ts";
import type { DeliveryFormat, SinkCredential, Subscription } from "./subscription.ts";

/** Header carrying the stable delivery id. */
export const DELIVERY_ID_HEADER = "cairn-delivery-id";
/** Header carrying the attempt number (from 1). */
export const DELIVERY_ATTEMPT_HEADER = "cairn-delivery-attempt";
/** The structured-mode media type Cairn sends. */
export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8";

/** A CloudEvents attribute value as stored (the CloudEvents type system's canonical JSON forms). */
export type AttributeValue = string | number | boolean;

/** An event as the hub stores it. */
export interface StoredEvent {
  /** The CloudEvent's attributes and extensions as a JSON object text, without `data`. */
  readonly attributes: string;
  /** The CDEvent exactly as received (JSON text). */
  readonly body: string;
  /** The event's position in the store (a non-negative integer). */
  readonly sequence: number;
}

/** An HTTP request to send. Header names are lower case. */
export interface DeliveryRequest {
  readonly method: "POST" | "PUT";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** UTF-8 text. */
  readonly body: string;
}

/** Options of {@link buildDeliveryRequest}. */
export interface DeliveryRequestOptions {
  /** The attempt number, from 1. */
  readonly attempt: number;
  /** Extension attributes to add to (or replace in) the event, e.g. dead-letter metadata. */
  readonly extensions?: Readonly<Record<string, AttributeValue>>;
}

/** The stable delivery id: `<subscriptionId>/<sequence>` (subscription ids contain no `/`). */
export function deliveryId(subscriptionId: string, sequence: number): string {
  return `${subscriptionId}/${sequence}`;
}

/**
 * The HTTP request delivering a stored event to an HTTP subscription: method and custom headers from
 * `protocolsettings`, `authorization` from `sinkcredential` (PLAIN as Basic, tokens as `<type> <token>`), the
 * CloudEvent in the subscription's `format`, and Cairn's delivery headers.
 * @throws RouterError `CAIRN_ERR_ROUTER_UNSUPPORTED_PROTOCOL` for a NATS subscription;
 * `CAIRN_ERR_ROUTER_INVALID_STORED_EVENT` when the attributes text is not a JSON object of CloudEvents attributes;
 * `CAIRN_ERR_ROUTER_INVALID_ARGUMENT` for an attempt or sequence that is not a positive/non-negative integer.
 */
export function buildDeliveryRequest(
  subscription: Subscription,
  event: StoredEvent,
  options: DeliveryRequestOptions,
): DeliveryRequest {
  if (subscription.protocol !== "HTTP") {
    const message = `subscription ${subscription.id} delivers over ${subscription.protocol}, not HTTP`;
    throw new RouterError(RouterErrorCode.UnsupportedProtocol, message);
  }
  const settings = subscription.protocolsettings;
  const headers: Record<string, string> = { ...settings?.headers };
  if (subscription.sinkcredential) headers.authorization = authorization(subscription.sinkcredential);
  const attributes = withExtensions(parseStoredAttributes(event.attributes), options.extensions);
  const encoded = encodeEvent(attributes, event.body, subscription.delivery.format);
  Object.assign(headers, encoded.headers, deliveryHeaders(subscription, event.sequence, options.attempt));
  return { method: settings?.method ?? "POST", url: subscription.sink, headers, body: encoded.body };
}

/** A NATS message to publish (the shape of the SDK's `NatsMessage`, plus the subject). */
export interface NatsDelivery {
  readonly subject: string;
  /** Header names are lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** UTF-8 text. */
  readonly data: string;
}

/**
 * The NATS message delivering a stored event to a NATS subscription (NATS protocol binding): binary mode puts
 * every attribute, `datacontenttype` included, in a percent-encoded `ce-<name>` header (NATS differs from HTTP
 * there); structured mode sends the JSON envelope with `content-type: application/cloudevents+json`. Plus
 * `cairn-delivery-id` and `cairn-delivery-attempt` (no `prefer`: a publish has no reply body).
 * @throws RouterError as {@link buildDeliveryRequest} does, with `CAIRN_ERR_ROUTER_UNSUPPORTED_PROTOCOL` for an
 * HTTP subscription.
 */
export function buildNatsMessage(
  subscription: Subscription,
  event: StoredEvent,
  options: DeliveryRequestOptions,
): NatsDelivery {
  if (subscription.protocol !== "NATS") {
    const message = `subscription ${subscription.id} delivers over ${subscription.protocol}, not NATS`;
    throw new RouterError(RouterErrorCode.UnsupportedProtocol, message);
  }
  const attributes = withExtensions(parseStoredAttributes(event.attributes), options.extensions);
  const format = subscription.delivery.format;
  const encoded = encodeEvent(attributes, event.body, format);
  const headers: Record<string, string> = { ...encoded.headers };
  if (format === "binary") {
    delete headers["content-type"];
    const type = attributes.datacontenttype;
    headers["ce-datacontenttype"] = percentEncode(typeof type === "string" ? type : "application/json");
  }
  const { prefer: _prefer, ...cairn } = deliveryHeaders(subscription, event.sequence, options.attempt);
  return { subject: subscription.protocolsettings.subject, headers: { ...headers, ...cairn }, data: encoded.body };
}

/** Cairn's delivery headers: `cairn-delivery-id`, `cairn-delivery-attempt` and, for replies, `prefer: reply`. */
export function deliveryHeaders(subscription: Subscription, sequence: number, attempt: number): Record<string, string> {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RouterError(RouterErrorCode.InvalidArgument, `attempt must be an integer ≥ 1, not ${attempt}`);
  if (!Number.isSafeInteger(sequence) || sequence < 0)
    throw new RouterError(RouterErrorCode.InvalidArgument, `sequence must be a non-negative integer, not ${sequence}`);
  const headers: Record<string, string> = {
    [DELIVERY_ID_HEADER]: deliveryId(subscription.id, sequence),
    [DELIVERY_ATTEMPT_HEADER]: String(attempt),
  };
  if (subscription.delivery.responseMode === "replyIfCloudEvent") headers.prefer = "reply";
  return headers;
}

/** An encoded CloudEvent: headers (lower case) and body. */
export interface EncodedEvent {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Encodes attributes and verbatim data for the CloudEvents HTTP binding. Binary: every attribute but
 * `datacontenttype` as a percent-encoded `ce-<name>` header, `content-type` = `datacontenttype` (default
 * `application/json`), body = `data` unchanged. Structured: `{...attributes, "data": <data>}` with the data text
 * spliced in unchanged (it must be JSON, as a stored CDEvent is).
 */
export function encodeEvent(
  attributes: Readonly<Record<string, AttributeValue>>,
  data: string,
  format: DeliveryFormat,
): EncodedEvent {
  if (format === "structured") {
    const head = JSON.stringify(attributes);
    const body = head === "{}" ? `{"data":${data}}` : `${head.slice(0, -1)},"data":${data}}`;
    return { headers: { "content-type": STRUCTURED_CONTENT_TYPE }, body };
  }
  const contentType = attributes.datacontenttype;
  const headers: Record<string, string> = {
    "content-type": typeof contentType === "string" ? contentType : "application/json",
  };
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== "datacontenttype") headers[`ce-${name}`] = percentEncode(String(value));
  }
  return { headers, body: data };
}

const utf8 = new TextEncoder();

/**
 * Percent-encodes a header value as the CloudEvents HTTP binding §3.1.3.2 requires: space, `"`, `%` and every
 * character outside U+0021–U+007E become `%XX` escapes of their UTF-8 bytes (upper-case hex). A lone surrogate,
 * which has no UTF-8 form, is sent as U+FFFD.
 */
export function percentEncode(value: string): string {
  if (/^[\u0021\u0023\u0024\u0026-\u007e]*$/.test(value)) return value;
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && code !== 0x22 && code !== 0x25) out += ch;
    else for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Parses stored attributes text: a JSON object of CloudEvents attributes (names of lower-case letters and digits;
 * values strings, numbers or booleans; `null` means absent) with `specversion`, `id`, `source` and `type`.
 * `data` and `data_base64`, should they be present, are dropped.
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_STORED_EVENT`) otherwise.
 */
export function parseStoredAttributes(text: string): Record<string, AttributeValue> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidStored("the attributes are not JSON", e);
  }
  if (!isPlainObject(value)) throw invalidStored("the attributes are not a JSON object");
  const out: Record<string, AttributeValue> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name === "data" || name === "data_base64" || v === null) continue;
    if (!ATTRIBUTE_NAME.test(name)) throw invalidStored(`"${name}" is not a CloudEvents attribute name`);
    if (typeof v !== "string" && typeof v !== "boolean" && !(typeof v === "number" && Number.isFinite(v)))
      throw invalidStored(`attribute "${name}" is not a string, number or boolean`);
    out[name] = v;
  }
  for (const name of ["specversion", "id", "source", "type"])
    if (typeof out[name] !== "string") throw invalidStored(`the required attribute "${name}" is missing`);
  return out;
}

function invalidStored(message: string, cause?: unknown): RouterError {
  return new RouterError(RouterErrorCode.InvalidStoredEvent, message, cause === undefined ? {} : { cause });
}

/** CloudEvents context attributes (and `data`): never set through extensions, so the router cannot alter them. */
const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
  "data",
]);

/**
 * `attributes` with `extensions` added or replaced.
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_ARGUMENT`) for a name that is not an extension name (context
 * attributes such as `id` and `time` are never changed by the router).
 */
export function withExtensions(
  attributes: Readonly<Record<string, AttributeValue>>,
  extensions: Readonly<Record<string, AttributeValue>> | undefined,
): Record<string, AttributeValue> {
  if (extensions === undefined) return { ...attributes };
  for (const name of Object.keys(extensions))
    if (!ATTRIBUTE_NAME.test(name) || CONTEXT_ATTRIBUTES.has(name))
      throw new RouterError(RouterErrorCode.InvalidArgument, `"${name}" is not a CloudEvents extension name`);
  return { ...attributes, ...extensions };
}

/** The `authorization` header value for a sink credential. */
export function authorization(credential: SinkCredential): string {
  if (credential.credentialtype === "PLAIN")
    return `Basic ${toBase64(utf8.encode(`${credential.identifier}:${credential.secret}`))}`;
  const type = credential.accesstokentype ?? "bearer";
  return `${type.toLowerCase() === "bearer" ? "Bearer" : type} ${credential.accesstoken}`;
}
