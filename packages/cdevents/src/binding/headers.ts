/**
 * CloudEvents bindings for header-carrying brokers: Kafka (Kafka protocol binding 1.0.2: `ce_` headers, UTF-8
 * values, `content-type` for `datacontenttype`, optional key mapping) and NATS (structured mode per NATS binding
 * 1.0.1/1.0.2; binary mode per the binding's 1.0.3 working draft for NATS ≥ 2.2: `ce-` headers, percent-encoded
 * values, `datacontenttype` as `ce-datacontenttype`). Neither defines a batch mode.
 * @module
 */
import { IssueCode, type Result } from "../issues.ts";
import { assertEncodable } from "./attributes.ts";
import { type CDEventLike, type CloudEvent, type ToCloudEventOptions, toCloudEvent } from "./cloudevent.ts";
import { dataText, toEnvelope } from "./envelope.ts";
import { fail, type JsonObject } from "./json.ts";
import { APPLICATION_JSON, CLOUDEVENTS_JSON, contentKind } from "./media-type.ts";
import {
  type DecodedEvent,
  decodeBinary,
  decodeStructured,
  decodeUntyped,
  type HeaderInput,
  hasAttributeHeaders,
  headerAttributes,
  readHeaders,
  unsupportedContentType,
} from "./message.ts";
import { type DecodedHeader, percentDecode, percentEncode } from "./percent.ts";

/** Content mode of an outgoing Kafka or NATS message. */
export type BrokerMode = "binary" | "structured";

/** A Kafka record to produce. */
export interface KafkaMessage {
  /** Record key: the `key` option, else the `partitionkey` extension, else absent. */
  readonly key?: string;
  /** Header names are lower case; values are UTF-8 strings. */
  readonly headers: Record<string, string>;
  /** UTF-8 JSON text. */
  readonly value: string;
}

/** Options of {@link toKafka} and {@link encodeKafka}. */
export interface KafkaOptions {
  /** Content mode; default `binary`. */
  readonly mode?: BrokerMode;
  /** Record key chosen by the application; it wins over `partitionkey` (binding §3.1). */
  readonly key?: string;
}

/** A consumed Kafka record, as clients deliver it. */
export interface KafkaInput {
  /** Record key; not used for decoding (the binding forbids a key mapper from changing the CloudEvent). */
  readonly key?: string | Uint8Array | null;
  /** Record headers; values may be strings or bytes. */
  readonly headers?: HeaderInput;
  /** Record value; `null` is a tombstone and carries no CDEvent. */
  readonly value: string | Uint8Array | null;
}

/** Encodes a CDEvent as a Kafka record (binary mode by default). */
export function toKafka(
  cdevent: CDEventLike | JsonObject,
  options: ToCloudEventOptions & KafkaOptions = {},
): KafkaMessage {
  return encodeKafka(toCloudEvent(cdevent, options), options);
}

/**
 * Encodes a CloudEvent as a Kafka record. Binary: `ce_<attribute>` headers (values unencoded: Kafka headers are
 * UTF-8 bytes), `content-type` = `datacontenttype`, the CDEvent as the value. Structured: `content-type:
 * application/cloudevents+json; charset=UTF-8` and the envelope as the value. The key is the `key` option, else the
 * `partitionkey` extension as-is (the partitionkey stays in the event too).
 */
export function encodeKafka(cloudEvent: CloudEvent, options: KafkaOptions = {}): KafkaMessage {
  const partitionkey = cloudEvent.extensions.partitionkey;
  const key = options.key ?? (partitionkey === undefined ? undefined : String(partitionkey));
  const keyed = key === undefined ? {} : { key };
  if (options.mode === "structured") {
    const headers = { "content-type": `${CLOUDEVENTS_JSON}; charset=UTF-8` };
    return { ...keyed, headers, value: JSON.stringify(toEnvelope(cloudEvent)) };
  }
  assertEncodable(cloudEvent);
  const headers: Record<string, string> = {};
  for (const [name, value] of headerAttributes(cloudEvent)) headers[`ce_${name}`] = String(value);
  if (cloudEvent.datacontenttype !== undefined) headers["content-type"] = cloudEvent.datacontenttype;
  return { ...keyed, headers, value: dataText(cloudEvent.data) };
}

/**
 * Decodes a Kafka record: structured when `content-type` is a CloudEvents type (matched case-insensitively),
 * binary when `ce_*` headers are present, otherwise a JSON body (a bare CDEvent, or an envelope without headers as
 * Kafka before 0.11 sends it).
 */
export function fromKafka(record: KafkaInput): Result<DecodedEvent> {
  const headers = readHeaders(record.headers);
  if (!headers.ok) return headers;
  if (record.value === null) return fail(IssueCode.Binding, "", "the record has no value (a tombstone): no CDEvent");
  const rawType = headers.value.get("content-type");
  const early = gate(rawType, "header:content-type", record.value);
  if (early !== undefined) return early;
  if (!hasAttributeHeaders(headers.value, "ce_")) return decodeUntyped(record.value);
  const decode = (raw: string): DecodedHeader => ({ ok: true, value: raw }); // Kafka values are plain UTF-8
  const parts = { headers: headers.value, prefix: "ce_", decode, body: record.value };
  return decodeBinary({ ...parts, datacontenttype: rawType, contentTypeHeader: "content-type" });
}

/** A NATS message to publish. */
export interface NatsMessage {
  /** Header names as the binding writes them (`ce-id`, `Content-Type`). */
  readonly headers: Record<string, string>;
  /** UTF-8 JSON text. */
  readonly data: string;
}

/** A received NATS message. */
export interface NatsInput {
  /** Message headers (NATS ≥ 2.2), any case; absent for older servers. */
  readonly headers?: HeaderInput;
  /** Payload as text or bytes. */
  readonly data: string | Uint8Array;
}

/** Encodes a CDEvent as a NATS message (binary mode by default). */
export function toNats(
  cdevent: CDEventLike | JsonObject,
  options: ToCloudEventOptions & { readonly mode?: BrokerMode } = {},
): NatsMessage {
  return encodeNats(toCloudEvent(cdevent, options), options.mode ?? "binary");
}

/**
 * Encodes a CloudEvent as a NATS message. Binary: every attribute, `datacontenttype` included, as a `ce-` header
 * percent-encoded like HTTP; the CDEvent as payload. Structured: `Content-Type: application/cloudevents+json;
 * charset=utf-8` and the envelope as payload.
 */
export function encodeNats(cloudEvent: CloudEvent, mode: BrokerMode): NatsMessage {
  if (mode === "structured") {
    const headers = { "Content-Type": `${CLOUDEVENTS_JSON}; charset=utf-8` };
    return { headers, data: JSON.stringify(toEnvelope(cloudEvent)) };
  }
  assertEncodable(cloudEvent);
  const headers: Record<string, string> = {};
  for (const [name, value] of headerAttributes(cloudEvent)) headers[`ce-${name}`] = percentEncode(String(value));
  if (cloudEvent.datacontenttype !== undefined) {
    headers["ce-datacontenttype"] = percentEncode(cloudEvent.datacontenttype);
  }
  return { headers, data: dataText(cloudEvent.data) };
}

/**
 * Decodes a NATS message: structured when a `Content-Type` header names a CloudEvents type, binary when `ce-`
 * headers are present (values percent-decoded), otherwise a JSON payload (an envelope from a server older than 2.2,
 * or a bare CDEvent).
 */
export function fromNats(message: NatsInput): Result<DecodedEvent> {
  const headers = readHeaders(message.headers);
  if (!headers.ok) return headers;
  const early = gate(headers.value.get("content-type"), "header:content-type", message.data);
  if (early !== undefined) return early;
  if (!hasAttributeHeaders(headers.value, "ce-")) return decodeUntyped(message.data);
  const raw = headers.value.get("ce-datacontenttype");
  const datacontenttype = raw === undefined ? undefined : percentDecode(raw);
  if (datacontenttype?.ok === false)
    return fail(IssueCode.Binding, "header:ce-datacontenttype", datacontenttype.reason);
  const parts = { headers: headers.value, prefix: "ce-", decode: percentDecode, body: message.data };
  return decodeBinary({ ...parts, datacontenttype: datacontenttype?.value, contentTypeHeader: "ce-datacontenttype" });
}

const SUPPORTED = [CLOUDEVENTS_JSON, APPLICATION_JSON];

// Structured messages are decoded here; unsupported types fail; `undefined` means: go on by the headers.
function gate(raw: string | undefined, path: string, body: string | Uint8Array): Result<DecodedEvent> | undefined {
  const content = contentKind(raw);
  if (content.kind === "structured") return decodeStructured(body);
  if (content.kind === "batch") return unsupportedContentType(raw, "this binding has no batch mode", path, SUPPORTED);
  if (content.kind === "unsupported") return unsupportedContentType(raw, content.reason, path, SUPPORTED);
  return undefined;
}
