/**
 * Options of the parser and validator, normalised once.
 * @module
 */
import type { JsonSchema } from "./schema/compile.ts";
import type { SchemaFetchOptions } from "./schema-uri.ts";

/**
 * Which versions of a known `subject.predicate` are accepted besides the exact ones Cairn declares. A newer
 * major is always rejected. Defaults: newer patch and minor accepted (validated against the newest known
 * version, unknown members allowed and preserved), older patch accepted, older minor rejected.
 */
export interface CompatPolicy {
  /** Accept `x.y.(z+n)` when `x.y.z` is known. Default true. */
  readonly newerPatch?: boolean;
  /** Accept `x.(y+n).*` when `x.y.*` is the newest known. Default true. */
  readonly newerMinor?: boolean;
  /** Accept `x.y.(z-n)` when `x.y.z` is known. Default true. */
  readonly olderPatch?: boolean;
  /** Accept an older minor that Cairn does not declare (checked against the nearest newer one). Default false. */
  readonly olderMinor?: boolean;
}

/** Options of {@link createCDEvents}. */
export interface CDEventsOptions {
  /** Version compatibility policy. */
  readonly compat?: CompatPolicy;
  /**
   * Unknown `dev.cdevents` subject/predicate: `reject` (default) with an error naming the type, or `accept` as
   * an event of kind `unknown` (envelope checked, content not), so a router can store and forward it.
   */
  readonly unknownTypes?: "reject" | "accept";
  /** Know the draft (0.6.0-draft) approval events. Default false. */
  readonly drafts?: boolean;
  /** Check artifact ids as Package URLs. Default true. */
  readonly purl?: boolean;
  /** Schemas for `schemaUri` values, by URI. */
  readonly schemas?: { readonly [uri: string]: JsonSchema };
  /** Opt-in fetching of unregistered `schemaUri` schemas. When set, a schema that cannot be had is an error. */
  readonly fetchSchemas?: SchemaFetchOptions;
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  readonly compat: Required<CompatPolicy>;
  readonly unknownTypes: "reject" | "accept";
  readonly drafts: boolean;
  readonly purl: boolean;
  readonly fetchSchemas: SchemaFetchOptions | undefined;
}

/** Applies defaults once, at the boundary. */
export function resolveOptions(o: CDEventsOptions = {}): ResolvedOptions {
  return {
    compat: {
      newerPatch: o.compat?.newerPatch ?? true,
      newerMinor: o.compat?.newerMinor ?? true,
      olderPatch: o.compat?.olderPatch ?? true,
      olderMinor: o.compat?.olderMinor ?? false,
    },
    unknownTypes: o.unknownTypes ?? "reject",
    drafts: o.drafts ?? false,
    purl: o.purl ?? true,
    fetchSchemas: o.fetchSchemas,
  };
}
