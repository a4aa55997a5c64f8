/**
 * The correlation state machine, pure and deterministic. For one trigger and one correlation key:
 *
 * - a **window** opens at the key's first matching event (its time is the window start) and closes `within`
 *   later: an event is inside when its time is before `windowStart + within`;
 * - each matching event is recorded under the dependencies it matches, by their `select` rule (`first` keeps the
 *   first, `latest` the latest, `all` every one up to {@link MAX_SELECTED});
 * - after each event the condition is evaluated over "this dependency has an event in the window"; when it holds,
 *   the trigger **fires once** for (trigger, key, window) with the selected events, and the key's state is
 *   cleared — a later event opens a new window;
 * - an event arriving after the window closed finds the state **expired**: it is discarded, and the event opens
 *   a new window.
 *
 * Times are the hub's receive times of the events, not wall-clock time at processing, so replaying the log after
 * a crash takes the same decisions. A time before the window start (a clock stepping back) counts as inside.
 * @module
 */
import type { EventAttributes } from "../attributes.ts";
import type { CompiledTrigger } from "./compile-trigger.ts";
import { evaluateCondition } from "./condition.ts";
import { readKey } from "./correlation-key.ts";
import { sha256Hex } from "./sha256.ts";

/** Most events `select: "all"` keeps per dependency and window; later ones are not kept (the state stays bounded). */
export const MAX_SELECTED = 100;

/** One event as it contributes to a join. */
export interface Contribution {
  /** Its position in the hub's log. */
  readonly sequence: number;
  /** `context.source` / CloudEvent `source`. */
  readonly source: string;
  /** `context.id` / CloudEvent `id`. */
  readonly id: string;
  /** Its time (epoch ms): when the hub received it. */
  readonly time: number;
  /** Its `cairnhops` (loop protection), when above 0. */
  readonly hops?: number;
  /** Its `context.chainId`, when it has one. */
  readonly chainId?: string;
}

/** The events recorded for one dependency in the current window. */
export interface Arrived {
  readonly dependency: string;
  readonly events: readonly Contribution[];
}

/** The state of one (trigger, key): an open window and what arrived in it. A plain JSON value. */
export interface CorrelationState {
  readonly key: string;
  /** Epoch ms; the window closes at `windowStart + within`. */
  readonly windowStart: number;
  /** Per dependency with at least one event, in order of first arrival. */
  readonly arrived: readonly Arrived[];
}

/** A selected event and the dependency it was selected for. */
export interface FiredContribution extends Contribution {
  readonly dependency: string;
}

/** A firing: once per (trigger, key, window). */
export interface Fire {
  readonly key: string;
  readonly windowStart: number;
  /** When the condition became true: the time of the event that completed it. */
  readonly firedAt: number;
  /** The selected events, by dependency in declaration order, each dependency's in arrival order. */
  readonly contributions: readonly FiredContribution[];
}

/** Outcome of {@link step}: the key's new state (null: none, cleared or never opened) and a firing, if any. */
export interface StepResult {
  readonly state: CorrelationState | null;
  readonly fire?: Fire;
}

/** An event as the correlation engine sees it. */
export interface CorrelationEvent {
  readonly sequence: number;
  /** The CloudEvent attributes and extensions as top-level keys. */
  readonly attributes: EventAttributes;
  /** The CDEvent, parsed on demand (only JSON Pointer keys need it). */
  readonly cdevent: () => unknown;
  /** When the hub received it, epoch ms. */
  readonly time: number;
  /** `context.chainId`, when known. */
  readonly chainId?: string | null;
}

/** An event arriving at one key of a trigger, for the dependencies it matches there. */
export interface Arrival {
  readonly key: string;
  /** Names of the matched dependencies (at least one), in declaration order. */
  readonly dependencies: readonly string[];
  readonly contribution: Contribution;
}

/**
 * The arrivals of an event at a trigger: the dependencies whose filters it passes, grouped by the key each of
 * them reads (a dependency may override `correlateBy`, so one event can arrive at several keys). Dependencies
 * whose key the event lacks are skipped.
 */
export function correlate(trigger: CompiledTrigger, event: CorrelationEvent): Arrival[] {
  const byKey = new Map<string, string[]>();
  for (const d of trigger.dependencies) {
    if (!d.matches(event.attributes)) continue;
    const key = readKey(d.correlateBy, event.attributes, event.cdevent);
    if (key === undefined) continue;
    const names = byKey.get(key);
    if (names) names.push(d.name);
    else byKey.set(key, [d.name]);
  }
  if (byKey.size === 0) return [];
  const contribution = contributionOf(event);
  return [...byKey].map(([key, dependencies]) => ({ key, dependencies, contribution }));
}

function contributionOf(event: CorrelationEvent): Contribution {
  const a = event.attributes;
  const hops = hopsOf(a.cairnhops);
  return {
    sequence: event.sequence,
    source: String(a.source),
    id: String(a.id),
    time: event.time,
    ...(hops > 0 ? { hops } : {}),
    ...(typeof event.chainId === "string" && event.chainId !== "" ? { chainId: event.chainId } : {}),
  };
}

function hopsOf(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  return 0;
}

/**
 * Advances one key's state by an arrival at time `now` (the event's time). Returns the new state and, when the
 * condition became true inside the window, the firing (the state is then cleared).
 */
export function step(
  trigger: CompiledTrigger,
  state: CorrelationState | null,
  arrival: Arrival,
  now: number,
): StepResult {
  const open = state !== null && now < state.windowStart + trigger.within ? state : null;
  const arrived = new Map((open?.arrived ?? []).map((a) => [a.dependency, a.events] as const));
  for (const name of arrival.dependencies) {
    const dependency = trigger.dependencies.find((d) => d.name === name);
    if (!dependency) continue;
    const before = arrived.get(name) ?? [];
    arrived.set(name, select(dependency.select, before, arrival.contribution));
  }
  const windowStart = open?.windowStart ?? now;
  const has = (name: string) => (arrived.get(name)?.length ?? 0) > 0;
  if (!evaluateCondition(trigger.condition, has)) {
    const list = [...arrived].map(([dependency, events]) => ({ dependency, events }));
    return { state: { key: arrival.key, windowStart, arrived: list } };
  }
  const contributions = trigger.dependencies.flatMap((d) =>
    (arrived.get(d.name) ?? []).map((c) => ({ dependency: d.name, ...c })),
  );
  return { state: null, fire: { key: arrival.key, windowStart, firedAt: now, contributions } };
}

function select(rule: "first" | "latest" | "all", before: readonly Contribution[], c: Contribution): Contribution[] {
  if (rule === "latest") return [c];
  if (rule === "first") return before.length > 0 ? [...before] : [c];
  return before.length >= MAX_SELECTED ? [...before] : [...before, c];
}

/** True when a stored state's window has closed by `now` (it can be deleted). */
export function expired(trigger: Pick<CompiledTrigger, "within">, state: CorrelationState, now: number): boolean {
  return now >= state.windowStart + trigger.within;
}

/**
 * The idempotency key of a firing: SHA-256 (hex) of the trigger id, the key, the window start and the contributing
 * events' `(source, id)`. It is the emitted event's `id` and the primary key of the hub's `fired` table, so a
 * firing recorded twice (a crash between "fire" and "clear", two replicas) is emitted once.
 */
export function idempotencyKey(triggerId: string, fire: Fire): string {
  const contributors = fire.contributions.map((c) => [c.dependency, c.source, c.id]);
  return sha256Hex(JSON.stringify(["cairn-correlation/1", triggerId, fire.key, fire.windowStart, contributors]));
}
