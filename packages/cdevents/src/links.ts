/**
 * Chains and links: start a chain, link a new event to its parent and carry the chain forward, and read the
 * links an event carries.
 * @module
 */
import type { EmbeddedLink, EmbeddedLinkRelation } from "./spec/links.ts";

/** The context members that link helpers read and write. */
interface Linkable {
  context: { id: string; chainId?: string; links?: EmbeddedLink[] };
}

/** Options of {@link linkFromParent}. */
export interface LinkOptions {
  /** Tags to put on the PATH link. */
  readonly tags?: { [tag: string]: unknown };
  /** Also mark the child as the end of the chain (an END link from the parent instead of PATH). */
  readonly end?: boolean;
  /** Chain id to use when the parent has none (default: a new UUID, which starts a chain). */
  readonly newChainId?: () => string;
}

/**
 * The `chainId` and `links` a child event should carry: the parent's chain (or a new one), and a PATH (or END)
 * link from the parent. Spread the result into a factory's init: `createEvent(t, { ...linkFromParent(p), … })`.
 */
export function linkFromParent(
  parent: Linkable,
  options: LinkOptions = {},
): { chainId: string; links: EmbeddedLink[] } {
  const chainId = parent.context.chainId ?? (options.newChainId ?? (() => crypto.randomUUID()))();
  const from = { contextId: parent.context.id };
  const link: EmbeddedLink = options.end
    ? { linkType: "END", from, ...(options.tags ? { tags: options.tags } : {}) }
    : { linkType: "PATH", from, ...(options.tags ? { tags: options.tags } : {}) };
  return { chainId, links: [link] };
}

/** A RELATION link from the carrying event to `target` (e.g. `TRIGGER`, `ARTIFACT`). */
export function relation(
  kind: string,
  target: Linkable | string,
  tags?: { [tag: string]: unknown },
): EmbeddedLinkRelation {
  const contextId = typeof target === "string" ? target : target.context.id;
  return { linkType: "RELATION", linkKind: kind, target: { contextId }, ...(tags ? { tags } : {}) };
}

/** Returns a copy of `event` with `link` appended to `context.links` (the input is not changed). */
export function withLink<E extends Linkable>(event: E, link: EmbeddedLink): E {
  return { ...event, context: { ...event.context, links: [...(event.context.links ?? []), link] } };
}

/** The edges an event's embedded links describe, in the terms of the spec's links.md. */
export interface LinkEdges {
  /** `context.id`s of direct predecessors (PATH, and END with `from`). */
  readonly parents: readonly string[];
  /** True when the event closes its chain (END link). */
  readonly ends: boolean;
  /** Labelled relations to other events. */
  readonly relations: readonly { readonly kind: string; readonly target: string | undefined }[];
}

/** Reads the embedded links of an event. */
export function linkEdges(event: Linkable): LinkEdges {
  const parents: string[] = [];
  const relations: { kind: string; target: string | undefined }[] = [];
  let ends = false;
  for (const l of event.context.links ?? []) {
    if (l.linkType === "RELATION") relations.push({ kind: l.linkKind, target: l.target.contextId });
    else {
      if (l.linkType === "END") ends = true;
      if (l.from?.contextId !== undefined) parents.push(l.from.contextId);
    }
  }
  return { parents, ends, relations };
}
