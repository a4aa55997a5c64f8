/**
 * The one entry point for incoming events: JSON text, bytes, a plain object, a CloudEvent or HTTP request parts
 * in; a typed event or issues out. Detects the spec release from `context.type`, applies the compatibility
 * policy, checks custom events and `schemaUri`, and never shares state between calls.
 * @module
 */

import type { CloudEvent } from "./binding/cloudevent.ts";
import { fromHttp, type HttpInput, isUnsupportedMediaType } from "./binding/http.ts";
import type { DecodeMode } from "./binding/message.ts";
import { type Compat, matchStandard } from "./compat.ts";
import { type CustomCDEvent, type CustomType, customEnvelopeSchema, customRelease } from "./custom.ts";
import { checkCustomData } from "./custom-data.ts";
import { CDEventsError, ErrorCode } from "./errors.ts";
import { decodeInput, type ParseInput } from "./input.ts";
import { type Issue, IssueCode } from "./issues.ts";
import { type CDEventsOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { type JsonSchema, SchemaCompiler, type Validator } from "./schema/compile.ts";
import { eventValidator, withAnyType } from "./schema/event-validators.ts";
import { SchemaUriResolver, type SchemaUriStatus } from "./schema-uri.ts";
import type { CDEvent, DraftCDEvent } from "./spec/catalog.ts";
import { type EventDef, findEventDef } from "./spec/registry.ts";
import type { Release } from "./spec/releases.ts";
import { explainMalformedType, parseType } from "./type-string.ts";

/** Any declared event, drafts included. */
export type AnyCDEvent = CDEvent | DraftCDEvent;

/** An event whose `context.type` is a newer or older version than the declared one it was checked against. */
export type LooseEvent<E> = E extends { context: infer C }
  ? Omit<E, "context"> & { context: Omit<C, "type"> & { type: string } }
  : never;

interface OkBase {
  readonly ok: true;
  /** The spec release whose schema the event was checked against. */
  readonly release: Release;
  /** Whether `context.schemaUri` was absent, checked, or not checked (no schema registered, no fetcher). */
  readonly schemaUri: SchemaUriStatus;
  /** Things a person should know that are not errors (e.g. why schemaUri was not checked). */
  readonly notes: readonly string[];
}

/**
 * A declared event. `type` is the declared type it was checked against: compare it to narrow `event`
 * (`if (r.ok && r.type === "dev.cdevents.build.finished.0.3.0") r.event.subject.content.artifactId`).
 */
export type StandardOk<E extends AnyCDEvent = AnyCDEvent> = E extends unknown
  ?
      | (OkBase & {
          readonly kind: "exact";
          readonly type: E["context"]["type"];
          readonly compat: "exact";
          readonly event: E;
        })
      | (OkBase & {
          readonly kind: "compatible";
          readonly type: E["context"]["type"];
          readonly compat: Exclude<Compat, "exact">;
          readonly event: LooseEvent<E>;
        })
  : never;

/** A custom (`dev.cdeventsx`) event; `registered` says whether a content schema was registered for its type. */
export interface CustomOk extends OkBase {
  readonly kind: "custom";
  readonly type: CustomType;
  readonly registered: boolean;
  readonly event: CustomCDEvent;
}

/** An event of an unknown `dev.cdevents` type, accepted because `unknownTypes: "accept"` (envelope checked only). */
export interface UnknownOk extends OkBase {
  readonly kind: "unknown";
  readonly type: null;
  readonly event: {
    context: { type: string; [k: string]: unknown };
    subject: { [k: string]: unknown };
    [k: string]: unknown;
  };
}

/** A rejected input. `type` is `context.type` when it could be read. */
export interface ParseFailed {
  readonly ok: false;
  readonly issues: readonly Issue[];
  readonly type?: string;
}

/** The result of parsing or validating one event. */
export type ParseResult = StandardOk | CustomOk | UnknownOk | ParseFailed;

/** One event of an HTTP message and its verdict. */
export interface HttpEntry {
  /** Position in a batch; 0 for a single event. */
  readonly index: number;
  /** How it arrived; null when the message or entry could not be decoded. */
  readonly mode: DecodeMode | null;
  /** The CloudEvent as received (implied for bare CDEvents); null when it could not be decoded. */
  readonly cloudEvent: CloudEvent | null;
  /** The parse result of its CDEvent, or the decoding issues. */
  readonly result: ParseResult;
}

/** The result of {@link CDEvents.parseHttp}. */
export interface HttpParseResult {
  /** True when the message was acceptable and every event in it is valid. */
  readonly ok: boolean;
  /** One entry per event, in message order (a whole-message decoding failure is one failed entry). */
  readonly entries: readonly HttpEntry[];
  /** Issues with the message as a whole when no entry could be formed (an unsupported content type). */
  readonly issues: readonly Issue[];
  /** True when the content type is not one CDEvents travel in (an HTTP server answers 415). */
  readonly unsupportedMediaType: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const failed = (issues: readonly Issue[], type?: unknown): ParseFailed =>
  typeof type === "string" ? { ok: false, issues, type } : { ok: false, issues };

interface Checked {
  readonly result: ParseResult;
  /** Set when the event names a schemaUri that is neither registered nor cached and a fetcher could get it. */
  readonly fetch?: string;
}

/**
 * A configured parser/validator. Options are normalised once here; every parse builds fresh objects and
 * shares nothing mutable with the next.
 */
export class CDEvents {
  readonly options: ResolvedOptions;
  readonly #compiler: SchemaCompiler;
  readonly #schemas: SchemaUriResolver;
  readonly #custom = new Map<string, Validator>();
  readonly #envelopes = new Map<string, Validator>();

  constructor(options: CDEventsOptions = {}) {
    this.options = resolveOptions(options);
    this.#compiler = new SchemaCompiler({ purl: this.options.purl });
    this.#schemas = new SchemaUriResolver(this.#compiler, this.options.fetchSchemas);
    for (const [uri, schema] of Object.entries(options.schemas ?? {})) this.#schemas.register(uri, schema);
  }

  /** Registers a schema for a `schemaUri` value. */
  registerSchema(uri: string, schema: JsonSchema): void {
    this.#schemas.register(uri, schema);
  }

  /**
   * Registers the content schema of a custom type, so its `subject.content` is checked. The envelope is always
   * checked against the release's custom-event schema.
   */
  registerCustomContent(type: string, content: JsonSchema): void {
    const parsed = parseType(type);
    if (parsed?.kind !== "custom") throw new CDEventsError(ErrorCode.InvalidArgument, explainMalformedType(type));
    this.#custom.set(type, this.#compiler.compile(content));
  }

  /** Parses one event. Never fetches: an unregistered `schemaUri` is reported, see {@link parseAsync}. */
  parse(input: ParseInput): ParseResult {
    const decoded = decodeInput(input);
    if (!decoded.ok) return failed(decoded.issues);
    const { result, fetch } = this.#check(decoded.value);
    if (fetch === undefined) return result;
    return failed(
      [
        {
          code: IssueCode.SchemaUnresolved,
          path: "/context/schemaUri",
          message: `schemaUri ${fetch} is not cached; parseAsync() fetches it`,
        },
      ],
      (decoded.value as { context: { type: string } }).context.type,
    );
  }

  /** Parses one event, fetching its `schemaUri` schema when a fetcher is configured and it is not yet cached. */
  async parseAsync(input: ParseInput): Promise<ParseResult> {
    const decoded = decodeInput(input);
    if (!decoded.ok) return failed(decoded.issues);
    const first = this.#check(decoded.value);
    if (first.fetch === undefined) return first.result;
    try {
      await this.#schemas.load(first.fetch);
    } catch (e) {
      const type = (decoded.value as { context: { type: string } }).context.type;
      return failed(
        [{ code: IssueCode.SchemaUnresolved, path: "/context/schemaUri", message: (e as Error).message }],
        type,
      );
    }
    return this.#check(decoded.value).result;
  }

  /**
   * Parses every event of an HTTP message (binary, structured, batch or bare). Message-level problems (e.g. an
   * unsupported content type: `unsupportedMediaType`) fail the whole message; in a batch each entry has its own
   * result, so the good ones can be kept.
   */
  parseHttp(message: HttpInput): HttpParseResult {
    const decoded = fromHttp(message);
    if (!decoded.ok && isUnsupportedMediaType(decoded.issues))
      return { ok: false, entries: [], issues: decoded.issues, unsupportedMediaType: true };
    const entries: HttpEntry[] = decoded.value.map((d) => ({
      index: d.index,
      mode: d.mode,
      cloudEvent: d.cloudEvent,
      result: this.parse(d.cdevent),
    }));
    // A message that failed as a whole (bad JSON, missing ce-id) is one failed entry at index 0; a batch entry's
    // issues carry its index as their first path segment.
    const whole = decoded.value.length === 0 && decoded.failed.length <= 1;
    const failures = whole
      ? [{ index: 0, issues: decoded.issues }]
      : decoded.failed.map((index) => ({
          index,
          issues: decoded.issues.filter((i) => i.path === `/${index}` || i.path.startsWith(`/${index}/`)),
        }));
    if (!decoded.ok)
      for (const f of failures)
        entries.push({ index: f.index, mode: null, cloudEvent: null, result: failed(f.issues) });
    entries.sort((x, y) => x.index - y.index);
    return {
      ok: entries.every((e) => e.result.ok),
      entries,
      issues: [],
      unsupportedMediaType: false,
    };
  }

  /** Validates an event object (same as {@link parse} on an object). */
  validate(event: unknown): ParseResult {
    return this.parse(event as ParseInput);
  }

  #check(value: unknown): Checked {
    if (!isObj(value))
      return {
        result: failed([
          { code: IssueCode.Type, path: "", message: "a CDEvent must be a JSON object with context and subject" },
        ]),
      };
    const context = value.context;
    const type = isObj(context) ? context.type : undefined;
    if (typeof type !== "string") {
      const issue: Issue = !isObj(context)
        ? {
            code: context === undefined ? IssueCode.Required : IssueCode.Type,
            path: "/context",
            message: context === undefined ? "is required" : "must be an object",
          }
        : {
            code: type === undefined ? IssueCode.Required : IssueCode.Type,
            path: "/context/type",
            message: type === undefined ? "is required" : "must be a string",
          };
      return { result: failed([issue]) };
    }
    const exact = findEventDef(type);
    if (exact && (this.options.drafts || !exact.draft))
      return this.#checkStandard(value, context as Record<string, unknown>, type, { def: exact, compat: "exact" });
    const parsed = parseType(type);
    if (!parsed)
      return {
        result: failed(
          [{ code: IssueCode.MalformedType, path: "/context/type", message: explainMalformedType(type) }],
          type,
        ),
      };
    if (parsed.kind === "custom") return this.#checkCustom(value, context as Record<string, unknown>, type);
    const match = matchStandard(type, parsed.name, parsed.version, this.options);
    if ("issue" in match) return { result: failed([match.issue], type) };
    if ("unknown" in match) {
      if (this.options.unknownTypes === "accept")
        return this.#checkUnknown(value, context as Record<string, unknown>, type);
      return {
        result: failed(
          [
            {
              code: IssueCode.UnknownType,
              path: "/context/type",
              message: `unknown CDEvents type ${type}: no ${parsed.name} event in spec 0.3.0, 0.4.1 or 0.5.1${this.options.drafts ? " or the 0.6 draft" : ""}`,
            },
          ],
          type,
        ),
      };
    }
    return this.#checkStandard(value, context as Record<string, unknown>, type, match);
  }

  #checkStandard(
    value: Record<string, unknown>,
    context: Record<string, unknown>,
    type: string,
    match: { readonly def: EventDef; readonly compat: Compat },
  ): Checked {
    const mode = match.compat === "exact" || match.compat.startsWith("older") ? "strict" : "lenient";
    const issues = eventValidator(match.def, {
      mode,
      purl: this.options.purl,
      exactType: match.compat === "exact",
    }).issues(value);
    checkCustomData(value, issues);
    if (issues.length > 0) return { result: failed(issues, type) };
    const { def, compat } = match;
    const kind = compat === "exact" ? "exact" : "compatible";
    return this.#finish(value, context, (schemaUri, notes) => {
      const r = { ok: true, kind, type: def.type, compat, release: def.release, event: value, schemaUri, notes };
      return r as unknown as ParseResult;
    });
  }

  #checkCustom(value: Record<string, unknown>, context: Record<string, unknown>, type: string): Checked {
    const release = customRelease(context);
    const issues = this.#envelope(release, false).issues(value);
    const content = this.#custom.get(type);
    if (content && isObj(value.subject))
      issues.push(...content.issues((value.subject as Record<string, unknown>).content, "/subject/content"));
    checkCustomData(value, issues);
    if (issues.length > 0) return { result: failed(issues, type) };
    const registered = content !== undefined;
    return this.#finish(value, context, (schemaUri, notes) => {
      const r = { ok: true, kind: "custom", type, release, registered, event: value, schemaUri, notes };
      return r as unknown as ParseResult;
    });
  }

  #checkUnknown(value: Record<string, unknown>, context: Record<string, unknown>, type: string): Checked {
    const release = customRelease(context);
    const issues = this.#envelope(release, true).issues(value);
    if (issues.length > 0) return { result: failed(issues, type) };
    return this.#finish(value, context, (schemaUri, notes) => {
      const r = { ok: true, kind: "unknown", type: null, release, event: value, schemaUri, notes };
      return r as unknown as ParseResult;
    });
  }

  /** The compiled custom-event envelope of a release; for unknown types, open to any type and any members. */
  #envelope(release: "0.4.1" | "0.5.1", unknown: boolean): Validator {
    const key = `${release}|${unknown}`;
    let v = this.#envelopes.get(key);
    if (!v) {
      const schema = customEnvelopeSchema(release);
      v = unknown
        ? this.#compiler.compile(withAnyType(schema), { mode: "lenient" })
        : this.#compiler.compile(schema, { mode: "strict" });
      this.#envelopes.set(key, v);
    }
    return v;
  }

  /** Checks `schemaUri` and builds the successful result once its status is known. */
  #finish(
    value: Record<string, unknown>,
    context: Record<string, unknown>,
    make: (schemaUri: SchemaUriStatus, notes: readonly string[]) => ParseResult,
  ): Checked {
    const uri = context.schemaUri;
    if (typeof uri !== "string") return { result: make("absent", NO_NOTES) };
    const v = this.#schemas.get(uri);
    if (v) {
      const issues = v.issues(value).map((i) => ({ ...i, message: `schemaUri ${uri}: ${i.message}` }));
      if (issues.length > 0) return { result: failed(issues, context.type) };
      return { result: make("checked", NO_NOTES) };
    }
    if (this.#schemas.canFetch) return { result: make("unchecked", NO_NOTES), fetch: uri };
    const note = `schemaUri ${uri} was not checked: no schema is registered for it and schema fetching is off`;
    return { result: make("unchecked", [note]) };
  }
}

const NO_NOTES: readonly string[] = Object.freeze([]);

/** Creates a configured parser/validator. */
export function createCDEvents(options: CDEventsOptions = {}): CDEvents {
  return new CDEvents(options);
}

let defaultInstance: CDEvents | undefined;
const instance = () => {
  defaultInstance ??= new CDEvents();
  return defaultInstance;
};

/** Parses one event with the default options (stable releases, offline, purl checks on). */
export function parse(input: ParseInput): ParseResult {
  return instance().parse(input);
}

/** Validates one event object with the default options. */
export function validate(event: unknown): ParseResult {
  return instance().validate(event);
}
