/**
 * CDEvents spec releases Cairn implements.
 * @module
 */

/** The stable releases, oldest first. */
export const STABLE_RELEASES = ["0.3.0", "0.4.1", "0.5.1"] as const;
/** A stable spec release. */
export type StableRelease = (typeof STABLE_RELEASES)[number];
/** The draft of the spec's main branch (approval events, `domainId` links). Only used when asked for. */
export const DRAFT_RELEASE = "0.6.0-draft";
/** The draft release. */
export type DraftRelease = typeof DRAFT_RELEASE;
/** Any release Cairn knows. */
export type Release = StableRelease | DraftRelease;
/** The newest stable release: what factories produce unless told otherwise. Never a draft. */
export const LATEST_RELEASE: StableRelease = "0.5.1";
/** Every release, oldest first, the draft last. */
export const ALL_RELEASES: readonly Release[] = [...STABLE_RELEASES, DRAFT_RELEASE];

/** Releases whose context names the spec version `version` (later ones say `specversion`). */
export function usesVersionField(r: Release): boolean {
  return r === "0.3.0" || r === "0.4.1";
}

/** Releases whose subject carries `type` (removed in 0.5). */
export function hasSubjectType(r: Release): boolean {
  return r === "0.3.0" || r === "0.4.1";
}

/** Releases with `schemaUri`, `chainId` and `links` in the context. */
export function hasLinks(r: Release): boolean {
  return r !== "0.3.0";
}
