/**
 * The correlation trigger model ("when A and B have arrived for the same key within a window, emit C and/or call
 * a sink"), in its normalised form: defaults applied, durations in milliseconds. Validation lives in
 * `validate-trigger.ts`, the join itself in `step.ts`. See docs/router.md, "Correlation triggers".
 * @module
 */
import type { DeliveryPolicy, Filter, HttpSettings, SinkCredential } from "../subscription.ts";

/** Which event of a dependency a firing uses: the first in the window, the latest, or every one. */
export type Select = "first" | "latest" | "all";

/** Select rules. */
export const SELECTS: readonly Select[] = ["first", "latest", "all"];

/** One named dependency: the events it matches and how they are keyed and selected. */
export interface TriggerDependency {
  /** Unique in the trigger; what `conditions` names. */
  readonly name: string;
  /** Subscription filters (every dialect), ANDed; at least one. */
  readonly filters: readonly Filter[];
  /** Which event of this dependency a firing uses (default `latest`, Argo's behaviour). */
  readonly select: Select;
  /** Overrides the trigger's `correlateBy` for this dependency. */
  readonly correlateBy?: string;
}

/** The event a trigger emits when it fires. */
export interface EmitAction {
  /** A CDEvents type: custom (`dev.cdeventsx.<tool>-<subject>.<predicate>.<version>`) or standard. */
  readonly type: string;
  /** `context.source` of the emitted events. */
  readonly source: string;
  /** `subject.id` of the emitted events; absent: the correlation key. */
  readonly subject?: string;
}

/** An HTTP sink the emitted event is delivered to, like a subscription's, with its delivery policy. */
export interface TriggerSink {
  readonly url: string;
  readonly sinkcredential?: SinkCredential;
  readonly protocolsettings?: HttpSettings;
  /** The delivery policy, defaults applied (`ordering` is always `none`: each firing stands alone). */
  readonly delivery: DeliveryPolicy;
}

/** A validated, normalised trigger (a plain JSON value: it survives `JSON.stringify` and revalidation). */
export interface Trigger {
  /** 1–128 characters `A–Z a–z 0–9 . _ ~ -`, starting with a letter or digit. */
  readonly id: string;
  /** 1–32 dependencies. */
  readonly dependencies: readonly TriggerDependency[];
  /** The default correlation key of every dependency: an attribute name or a JSON Pointer into the CDEvent. */
  readonly correlateBy?: string;
  /** Boolean expression over dependency names (`&&`, `||`, `!`, parentheses); absent: every dependency ANDed. */
  readonly conditions?: string;
  /** The window, in ms: it opens at a key's first matching event and closes this much later. */
  readonly within: number;
  /** The event emitted when the trigger fires; absent: the default type and source (see `DEFAULT_EMIT_TYPE`). */
  readonly emit?: EmitAction;
  /** Where the emitted event is delivered. */
  readonly sink?: TriggerSink;
}

/** Most dependencies of one trigger. */
export const MAX_DEPENDENCIES = 32;

/** Type of the events of a trigger without `emit`. */
export const DEFAULT_EMIT_TYPE = "dev.cdeventsx.cairn-trigger.fired.0.1.0";

/** Source of the events of a trigger without `emit`. */
export function defaultEmitSource(triggerId: string): string {
  return `/cairn/triggers/${triggerId}`;
}
