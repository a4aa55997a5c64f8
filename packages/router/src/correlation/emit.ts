/**
 * The event a trigger emits when it fires: a CDEvent of the trigger's `emit.type` (custom types as a 0.5.1
 * custom event; standard types through the SDK's factory, in their own release) whose `customData` carries the
 * correlation key and the contributing events, linked to them by `RELATION` links (`linkKind: "CONTRIBUTOR"`)
 * where the spec release has links (0.4 and later). Its `id` is the firing's idempotency key, so emitting it
 * twice stores it once. Its CloudEvent extensions: `cairntrigger` (the trigger id) and `cairnhops` (one more than
 * the highest hop count of the contributors, as replies; a firing beyond the hop limit is refused, which stops a
 * trigger that feeds on its own output).
 * @module
 */
import {
  CDEventsError,
  type Issue as CDEventsIssue,
  createCDEvents,
  createDynamicEvent,
  findEventDef,
  parseType,
} from "@cairn/cdevents";
import { DEFAULT_MAX_HOPS, HOPS_EXTENSION } from "../replies.ts";
import { type Fire, idempotencyKey } from "./step.ts";
import { DEFAULT_EMIT_TYPE, defaultEmitSource, type Trigger } from "./trigger.ts";

/** The extension naming the trigger that emitted an event. */
export const TRIGGER_EXTENSION = "cairntrigger";
/** `linkKind` of the links from an emitted event to its contributors. */
export const CONTRIBUTOR_LINK_KIND = "CONTRIBUTOR";

/** An emitted event: the CDEvent (a plain JSON object) and the extensions its CloudEvent carries. */
export interface EmittedEvent {
  /** The idempotency key, which is also `context.id`. */
  readonly id: string;
  readonly cdevent: Record<string, unknown>;
  readonly extensions: { readonly cairntrigger: string; readonly cairnhops: number };
}

/** Outcome of {@link buildCorrelationEvent}. */
export type CorrelationEventResult =
  | { readonly ok: true; readonly event: EmittedEvent }
  | {
      readonly ok: false;
      readonly reason: "hops_exceeded" | "invalid_event";
      readonly message: string;
      readonly issues: readonly CDEventsIssue[];
    };

let parser: ReturnType<typeof createCDEvents> | undefined;

/**
 * Builds the event of a firing. The timestamp is the firing's time (the completing event's receive time), so the
 * same firing always builds the same event.
 */
export function buildCorrelationEvent(
  trigger: Trigger,
  fire: Fire,
  maxHops: number = DEFAULT_MAX_HOPS,
): CorrelationEventResult {
  const hops = Math.max(0, ...fire.contributions.map((c) => c.hops ?? 0)) + 1;
  if (hops > maxHops)
    return fail("hops_exceeded", `the event would be hop ${hops}; at most ${maxHops} are allowed`, []);
  const id = idempotencyKey(trigger.id, fire);
  const type = trigger.emit?.type ?? DEFAULT_EMIT_TYPE;
  const parts = {
    id,
    source: trigger.emit?.source ?? defaultEmitSource(trigger.id),
    subject: trigger.emit?.subject ?? fire.key,
    timestamp: new Date(fire.firedAt).toISOString(),
    chainId: sharedChain(fire),
    links: fire.contributions.map((c) => ({
      linkType: "RELATION",
      linkKind: CONTRIBUTOR_LINK_KIND,
      target: { contextId: c.id },
    })),
    customData: {
      trigger: trigger.id,
      key: fire.key,
      windowStart: new Date(fire.windowStart).toISOString(),
      contributions: fire.contributions.map((c) => ({
        dependency: c.dependency,
        source: c.source,
        id: c.id,
        sequence: c.sequence,
      })),
    },
  };
  const built = parseType(type)?.kind === "custom" ? customEvent(type, parts) : standardEvent(type, parts);
  if (!built.ok) return built;
  const extensions = { [TRIGGER_EXTENSION]: trigger.id, [HOPS_EXTENSION]: hops } as EmittedEvent["extensions"];
  return { ok: true, event: { id, cdevent: built.cdevent, extensions } };
}

interface Parts {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly timestamp: string;
  readonly chainId: string | undefined;
  readonly links: readonly Record<string, unknown>[];
  readonly customData: Record<string, unknown>;
}

type Built =
  | { readonly ok: true; readonly cdevent: Record<string, unknown> }
  | Extract<CorrelationEventResult, { ok: false }>;

// A custom event in the latest release's envelope (0.5.1: `specversion`, links, no `subject.type`).
function customEvent(type: string, p: Parts): Built {
  const context: Record<string, unknown> = { specversion: "0.5.1", id: p.id, source: p.source, type };
  context.timestamp = p.timestamp;
  if (p.chainId !== undefined) context.chainId = p.chainId;
  context.links = p.links;
  const cdevent = {
    context,
    subject: { id: p.subject, content: {} },
    customData: p.customData,
    customDataContentType: "application/json",
  };
  parser ??= createCDEvents();
  const r = parser.validate(cdevent);
  return r.ok ? { ok: true, cdevent } : invalid(type, r.issues);
}

// A standard event through the SDK's factory (its release's envelope); links only where the release has them.
function standardEvent(type: string, p: Parts): Built {
  const def = findEventDef(type);
  if (!def || def.draft) return invalid(type, [], "is not a custom type (dev.cdeventsx.…) or a known CDEvents type");
  const linked = def.release !== "0.3.0";
  try {
    const cdevent = createDynamicEvent(type, {
      id: p.id,
      source: p.source,
      timestamp: p.timestamp,
      subject: { id: p.subject, content: {} },
      ...(linked && p.chainId !== undefined ? { chainId: p.chainId } : {}),
      ...(linked ? { links: p.links } : {}),
      customData: p.customData,
      customDataContentType: "application/json",
    } as unknown as Parameters<typeof createDynamicEvent>[1]);
    return { ok: true, cdevent: cdevent as unknown as Record<string, unknown> };
  } catch (e) {
    if (e instanceof CDEventsError) return invalid(type, e.issues ?? []);
    throw e;
  }
}

// The contributors' chain when they all share one: the emitted event continues it.
function sharedChain(fire: Fire): string | undefined {
  const chains = new Set(fire.contributions.map((c) => c.chainId));
  const [only] = chains;
  return chains.size === 1 ? only : undefined;
}

function invalid(type: string, issues: readonly CDEventsIssue[], why?: string): Built {
  const detail = why ?? `does not validate: ${issues.map((i) => `${i.path || "/"} ${i.message}`).join("; ")}`;
  return fail("invalid_event", `the emitted event of type ${type} ${detail}`, issues);
}

function fail(
  reason: "hops_exceeded" | "invalid_event",
  message: string,
  issues: readonly CDEventsIssue[],
): Extract<CorrelationEventResult, { ok: false }> {
  return { ok: false, reason, message, issues };
}
