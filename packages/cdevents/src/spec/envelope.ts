/**
 * The CDEvent envelope (context, subject, custom data) of each release, as static types and as JSON Schema.
 * @module
 */
import type { SchemaObject } from "../schema/shapes.ts";
import { type EmbeddedLink, embeddedLinksShape } from "./links.ts";
import { hasLinks, hasSubjectType, type Release, usesVersionField } from "./releases.ts";

/** Custom data: a JSON object, or a base64 string when `customDataContentType` is not JSON. */
export type CustomData = { [key: string]: unknown } | string;

/** Context members common to every release. */
export interface BaseContext<T extends string> {
  /** Identifier of the event, unique within `source`; `(source, id)` is the deduplication key. */
  id: string;
  /** Where the occurrence happened (a URI reference, e.g. `/ci/tekton` or `https://ci.example.com`). */
  source: string;
  /** The versioned event type, e.g. `dev.cdevents.taskrun.started.0.3.0`. */
  type: T;
  /** When the occurrence happened: an RFC 3339 date-time with a time zone, kept as the producer wrote it. */
  timestamp: string;
}

/** Context members added in 0.4: a stricter schema, the chain and the links. */
export interface LinkedContext {
  /** An additional, stricter JSON Schema the event also satisfies (an absolute URI). */
  schemaUri?: string;
  /** Identifier shared by every event of one chain. */
  chainId?: string;
  /** Links to other events. */
  links?: EmbeddedLink[];
}

/** Context of spec 0.3.0. */
export interface ContextV03<T extends string> extends BaseContext<T> {
  /** The spec release the event follows (named `specversion` from 0.5 on). */
  version: string;
}
/** Context of spec 0.4.1. */
export interface ContextV04<T extends string> extends ContextV03<T>, LinkedContext {}
/** Context of spec 0.5.1 and the 0.6 draft. */
export interface ContextV05<T extends string> extends BaseContext<T>, LinkedContext {
  /** The spec release the event follows, e.g. `0.5.1`. */
  specversion: string;
}

/** The context of release `R`. */
export type ContextOf<R extends Release, T extends string> = R extends "0.3.0"
  ? ContextV03<T>
  : R extends "0.4.1"
    ? ContextV04<T>
    : ContextV05<T>;

/** Subject members common to every release. */
export interface BaseSubject<C> {
  /** Identifier of the subject, unique within its source. Artifact ids are Package URLs. */
  id: string;
  /** Source of the subject when it differs from `context.source`. */
  source?: string;
  /** What the event says about the subject. */
  content: C;
}

/** The subject of release `R`: up to 0.4.1 it names its `type` (e.g. `taskRun`). */
export type SubjectOf<R extends Release, ST extends string, C> = R extends "0.3.0" | "0.4.1"
  ? BaseSubject<C> & { /** The subject type. */ type: ST }
  : BaseSubject<C>;

/** A CDEvent of release `R`, type string `T`, subject type `ST` and content `C`. */
export interface CDEventOf<R extends Release, T extends string, ST extends string, C> {
  /** Metadata of the occurrence. */
  context: ContextOf<R, T>;
  /** What the event is about. */
  subject: SubjectOf<R, ST, C>;
  /** Producer-specific data: an object, or a base64 string for non-JSON content types. */
  customData?: CustomData;
  /** Media type of `customData`; JSON when absent. */
  customDataContentType?: string;
}

const nonEmpty = { type: "string", minLength: 1 } as const;
const sourceSchema = { type: "string", minLength: 1, format: "uri-reference" } as const;

/** JSON Schema of the context of a release, for a given `type` constraint. */
export function contextSchema(release: Release, typeSchema: SchemaObject): SchemaObject {
  const versionKey = usesVersionField(release) ? "version" : "specversion";
  const properties: Record<string, unknown> = {
    [versionKey]: nonEmpty,
    id: nonEmpty,
    source: sourceSchema,
    type: typeSchema,
    timestamp: { type: "string", format: "date-time" },
  };
  if (hasLinks(release)) {
    properties.schemaUri = { type: "string", minLength: 1, format: "uri" };
    properties.chainId = nonEmpty;
    properties.links = embeddedLinksShape(release).schema;
  }
  return {
    type: "object",
    properties,
    required: [versionKey, "id", "source", "type", "timestamp"],
    additionalProperties: false,
  };
}

/** Options of {@link eventSchema}. */
export interface EventSchemaOptions {
  /** The `$id` of the schema. */
  readonly id: string;
  /** `subject.type` value (spec ≤ 0.4.1, and optional in 0.5 `ticket.closed`). */
  readonly subjectType?: string;
  /** JSON Schema of `subject.type` when it is not a single value (custom events). */
  readonly subjectTypeSchema?: SchemaObject;
  /** Accept an optional `subject.type` where the release has none (0.5 `ticket.closed`). */
  readonly optionalSubjectType?: boolean;
  /** JSON Schema of `subject.content`. */
  readonly content: SchemaObject;
  /** JSON Schema of `context.type`. */
  readonly type: SchemaObject;
}

/** JSON Schema of a whole event of a release. */
export function eventSchema(release: Release, o: EventSchemaOptions): SchemaObject {
  const subjectProps: Record<string, unknown> = { id: nonEmpty, source: sourceSchema, content: o.content };
  const required = ["id", "content"];
  if ((o.subjectType !== undefined || o.subjectTypeSchema) && (hasSubjectType(release) || o.optionalSubjectType)) {
    subjectProps.type = o.subjectTypeSchema ?? { type: "string", minLength: 1, enum: [o.subjectType] };
    if (hasSubjectType(release)) required.splice(1, 0, "type");
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: o.id,
    type: "object",
    properties: {
      context: contextSchema(release, o.type),
      subject: { type: "object", properties: subjectProps, required, additionalProperties: false },
      customData: { oneOf: [{ type: "object" }, { type: "string", contentEncoding: "base64" }] },
      customDataContentType: { type: "string" },
    },
    required: ["context", "subject"],
    additionalProperties: false,
  };
}
