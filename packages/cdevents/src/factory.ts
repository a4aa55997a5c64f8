/**
 * Building events: factories fill `id` (UUID v4), `timestamp` (now), the spec-version member and `subject.type`,
 * and take everything else from the caller; required members are compile-time errors when missing. Defaults can
 * be pinned (a fixed clock and id source) for reproducible output.
 * @module
 */
import { CDEventsError, ErrorCode } from "./errors.ts";
import { formatIssues } from "./issues.ts";
import { eventValidator } from "./schema/event-validators.ts";
import type { CDEvent, CDEventOfType, CDEventType } from "./spec/catalog.ts";
import type { CustomData } from "./spec/envelope.ts";
import type { EmbeddedLink } from "./spec/links.ts";
import { findEventDef } from "./spec/registry.ts";
import { hasLinks, hasSubjectType, usesVersionField } from "./spec/releases.ts";

/** Where defaults come from; pin them for reproducible events (tests, golden files). */
export interface Defaults {
  /** Returns a new event id. Default: `crypto.randomUUID()`. */
  readonly id?: () => string;
  /** Returns the current time as an RFC 3339 string. Default: `new Date().toISOString()`. */
  readonly now?: () => string;
}

type ContentOf<T extends CDEventType> = CDEventOfType<T>["subject"]["content"];
type IsEmpty<C> = keyof C extends never ? true : false;
type AllOptional<C> = {} extends C ? true : false;

/** What a caller gives to build an event of type `T`. */
export type EventInit<T extends CDEventType> = {
  /** Where the occurrence happened. */
  source: string;
  /** Event id; generated when absent. */
  id?: string;
  /** Occurrence time (RFC 3339 string, kept verbatim, or a Date); now when absent. */
  timestamp?: string | Date;
  /** The subject. */
  subject: { id: string; source?: string } & (IsEmpty<ContentOf<T>> extends true
    ? { content?: ContentOf<T> }
    : AllOptional<ContentOf<T>> extends true
      ? { content?: ContentOf<T> }
      : { content: ContentOf<T> });
  /** Chain id (0.4 and later). */
  chainId?: string;
  /** Additional schema the event satisfies (0.4 and later). */
  schemaUri?: string;
  /** Links (0.4 and later). */
  links?: EmbeddedLink[];
  /** Custom data (an object, or a base64 string). */
  customData?: CustomData;
  /** Media type of custom data. */
  customDataContentType?: string;
};

/** What {@link createEvent} takes when the type is a run-time string. */
export type DynamicEventInit = Omit<EventInit<CDEventType>, "subject"> & {
  subject: { id: string; source?: string; content?: { [member: string]: unknown } };
};

let pinned: Defaults = {};

/** Pins the id and clock used by factories (pass `{}` to restore the defaults). Returns the previous pins. */
export function pinDefaults(d: Defaults): Defaults {
  const previous = pinned;
  pinned = d;
  return previous;
}

const stamp = (t: string | Date | undefined, now: () => string) =>
  t === undefined ? now() : typeof t === "string" ? t : t.toISOString();

/**
 * Builds an event of an exact declared type and validates it; throws {@link CDEventsError}
 * (`CAIRN_ERR_INVALID_EVENT`, with `issues`) when the result is invalid (e.g. a bad URI format).
 * @example
 * const e = createEvent("dev.cdevents.build.finished.0.3.0", { source: "/ci", subject: { id: "b1", content: { artifactId: "pkg:npm/x@1" } } });
 */
export function createEvent<T extends CDEventType>(
  type: T,
  init: EventInit<T>,
  defaults: Defaults = pinned,
): CDEventOfType<T> {
  return createDynamicEvent(type, init as DynamicEventInit, defaults) as CDEventOfType<T>;
}

/**
 * Builds an event whose type is only known at run time (e.g. from a command line), checked the same way as
 * {@link createEvent} but without compile-time checks of the content.
 */
export function createDynamicEvent(type: string, init: DynamicEventInit, defaults: Defaults = pinned): CDEvent {
  const def = findEventDef(type);
  if (!def || def.draft) throw new CDEventsError(ErrorCode.InvalidArgument, `unknown event type ${type}`);
  const id = defaults.id ?? (() => crypto.randomUUID());
  const now = defaults.now ?? (() => new Date().toISOString());
  const context: Record<string, unknown> = usesVersionField(def.release)
    ? { version: def.release }
    : { specversion: def.release };
  Object.assign(context, { id: init.id ?? id(), source: init.source, type, timestamp: stamp(init.timestamp, now) });
  if (hasLinks(def.release)) {
    if (init.schemaUri !== undefined) context.schemaUri = init.schemaUri;
    if (init.chainId !== undefined) context.chainId = init.chainId;
    if (init.links !== undefined) context.links = init.links;
  } else if (init.schemaUri !== undefined || init.chainId !== undefined || init.links !== undefined) {
    throw new CDEventsError(
      ErrorCode.InvalidArgument,
      `${type} belongs to spec ${def.release}, which has no schemaUri, chainId or links`,
    );
  }
  const subject: Record<string, unknown> = { id: init.subject.id };
  if (init.subject.source !== undefined) subject.source = init.subject.source;
  if (hasSubjectType(def.release)) subject.type = def.family.subjectType;
  subject.content = (init.subject as { content?: unknown }).content ?? {};
  const event: Record<string, unknown> = { context, subject };
  if (init.customData !== undefined) event.customData = init.customData;
  if (init.customDataContentType !== undefined) event.customDataContentType = init.customDataContentType;
  const issues = eventValidator(def).issues(event);
  if (issues.length > 0)
    throw new CDEventsError(ErrorCode.InvalidEvent, `invalid ${type}:\n${formatIssues(issues)}`, { issues });
  return event as unknown as CDEvent;
}

/** True when `event` has exactly type `T` (a type guard that narrows the whole event). */
export function isType<T extends CDEventType>(
  event: { context: { type: string } },
  type: T,
): event is CDEventOfType<T> {
  return event.context.type === type;
}

/** Any stable CDEvent (re-exported for convenience). */
export type { CDEvent };
