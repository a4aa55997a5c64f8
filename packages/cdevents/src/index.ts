/**
 * `@cairn/cdevents`: every CDEvent of spec 0.3.0, 0.4.1 and 0.5.1 (and, on request, the 0.6 draft's approval
 * events) — typed, validated, converted between releases, and encoded as CloudEvents. Runs on Node, browsers and
 * edge runtimes (no Node built-ins).
 * @module
 */

export { fromBase64, isBase64, toBase64 } from "./base64.ts";
export {
  type CDEventLike,
  type CloudEvent,
  type ExtensionValue,
  fromCloudEvent,
  type ToCloudEventOptions,
  toCloudEvent,
  type Unwrapped,
} from "./binding/cloudevent.ts";
export {
  type BrokerMode,
  fromKafka,
  fromNats,
  type KafkaInput,
  type KafkaMessage,
  type KafkaOptions,
  type NatsInput,
  type NatsMessage,
  toKafka,
  toNats,
} from "./binding/headers.ts";
export {
  fromHttp,
  type HttpDecodeResult,
  type HttpInput,
  type HttpMessage,
  type HttpMode,
  isUnsupportedMediaType,
  SUPPORTED_HTTP_CONTENT_TYPES,
  type ToHttpOptions,
  toHttp,
  toHttpBatch,
} from "./binding/http.ts";
export type { DecodedEvent, DecodeMode, HeaderInput } from "./binding/message.ts";
export type { Compat } from "./compat.ts";
export { type ConvertOptions, type ConvertResult, convert, type Loss } from "./convert.ts";
export { CUSTOM_TYPE_PATTERN, type CustomCDEvent, type CustomType, customEnvelopeSchema } from "./custom.ts";
export { type CustomDataValue, isJsonContentType, readCustomData, writeCustomData } from "./custom-data.ts";
export { CDEventsError, type CDEventsErrorOptions, ErrorCode, isCDEventsError } from "./errors.ts";
export {
  createDynamicEvent,
  createEvent,
  type Defaults,
  type DynamicEventInit,
  type EventInit,
  isType,
  pinDefaults,
} from "./factory.ts";
export type { ParseInput } from "./input.ts";
export { type Failed, formatIssues, type Issue, IssueCode, type Ok, type Result } from "./issues.ts";
export { type LinkEdges, type LinkOptions, linkEdges, linkFromParent, relation, withLink } from "./links.ts";
export type { CDEventsOptions, CompatPolicy } from "./options.ts";
export {
  type AnyCDEvent,
  CDEvents,
  type CustomOk,
  createCDEvents,
  type HttpEntry,
  type HttpParseResult,
  type LooseEvent,
  type ParseFailed,
  type ParseResult,
  parse,
  type StandardOk,
  type UnknownOk,
  validate,
} from "./parse.ts";
export { type JsonSchema, SchemaCompiler, Validator } from "./schema/compile.ts";
export { precompileAll } from "./schema/event-validators.ts";
export { isDateTime, isPurl, isUri, isUriReference } from "./schema/formats.ts";
export type { SchemaFetchOptions, SchemaUriStatus } from "./schema-uri.ts";
export type { CDEvent, CDEventOfType, CDEventType, DraftCDEvent } from "./spec/catalog.ts";
export type { CDEventOf, ContextV03, ContextV04, ContextV05, CustomData } from "./spec/envelope.ts";
export type {
  EmbeddedLink,
  EmbeddedLinkEnd,
  EmbeddedLinkPath,
  EmbeddedLinkRelation,
  LinkNode,
  LinkType,
  StandaloneLink,
} from "./spec/links.ts";
export { type EventDef, eventDefs, findEventDef, jsonSchemaOf } from "./spec/registry.ts";
export {
  ALL_RELEASES,
  DRAFT_RELEASE,
  LATEST_RELEASE,
  type Release,
  STABLE_RELEASES,
  type StableRelease,
} from "./spec/releases.ts";
export { compareVersions, type ParsedType, parseType, parseVersion, type Version } from "./type-string.ts";
