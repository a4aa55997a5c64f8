/**
 * Custom events (`dev.cdeventsx.<tool>-<subject>.<predicate>.<M.m.p>`): the common envelope of each release and
 * the typed forms users get when they register a content schema.
 * @module
 */
import type { SchemaObject } from "./schema/shapes.ts";
import type { CDEventOf } from "./spec/envelope.ts";
import { eventSchema } from "./spec/envelope.ts";
import type { StableRelease } from "./spec/releases.ts";

/** A custom event type string. */
export type CustomType = `dev.cdeventsx.${string}-${string}.${string}.${number}.${number}.${number}`;

/** A custom event of the latest release, with typed content `C`. */
export type CustomCDEvent<T extends string = CustomType, C = { [key: string]: unknown }> = CDEventOf<
  "0.5.1",
  T,
  string,
  C
>;

/** The type pattern Cairn applies (multi-digit versions allowed, unlike the spec's single-digit pattern). */
export const CUSTOM_TYPE_PATTERN =
  "^dev\\.cdeventsx\\.[a-zA-Z0-9]+-[a-zA-Z]+\\.[a-zA-Z]+\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?$";

const ENVELOPES = new Map<StableRelease, SchemaObject>();

/** JSON Schema of the custom-event envelope of a release (0.4.1 or 0.5.1), with open content. */
export function customEnvelopeSchema(release: "0.4.1" | "0.5.1"): SchemaObject {
  const cached = ENVELOPES.get(release);
  if (cached) return cached;
  const s = eventSchema(release, {
    id: `https://cdevents.dev/${release}/schema/custom`,
    type: { type: "string", pattern: CUSTOM_TYPE_PATTERN },
    subjectTypeSchema: { type: "string", pattern: "^[a-zA-Z0-9]+-[a-zA-Z]+$" },
    content: { type: "object", additionalProperties: true },
  });
  ENVELOPES.set(release, s);
  return s;
}

/** The release whose envelope a custom event uses: `specversion` means 0.5 and later, `version` 0.4. */
export function customRelease(context: { readonly [k: string]: unknown }): "0.4.1" | "0.5.1" {
  return Object.hasOwn(context, "version") && !Object.hasOwn(context, "specversion") ? "0.4.1" : "0.5.1";
}
