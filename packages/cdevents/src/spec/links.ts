/**
 * Links between events (spec 0.4 and later): the embedded links an event carries in `context.links`, and the
 * standalone link objects sent on their own.
 * @module
 */
import { type Infer, nonEmpty, obj, openObj, raw, req, type Shape, str } from "../schema/shapes.ts";
import type { Release } from "./releases.ts";

/** Link types. */
export const LinkType = { Start: "START", Path: "PATH", End: "END", Relation: "RELATION" } as const;
/** One of {@link LinkType}. */
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

/** Free-form tags of a link (the schema does not check value types). */
export type LinkTags = { [tag: string]: unknown };

/** A node a link points at: another event (`contextId`) or, from the 0.6 draft on, a `domainId`. Open object. */
export interface LinkNode {
  /** `context.id` of the event this node stands for. */
  contextId?: string;
  /** A `cdevents:v0:…` identifier of a resource outside CDEvents (0.6 draft only). */
  domainId?: string;
  [extra: string]: unknown;
}

const tags = raw<LinkTags>({ type: "object", additionalProperties: true });

/**
 * The draft's domain id, `cdevents:v0:<provider>:<provider-id>:<namespace>:<groups>:<type>:<resource id>`: eight
 * segments, only type and resource id non-empty, groups without a leading or trailing `/`.
 */
export const DOMAIN_ID_PATTERN = "^cdevents:v0:[^:]*:[^:]*:[^:]*:([^:/]([^:]*[^:/])?)?:[^:]+:.+$";

/**
 * Link node shapes: `contextId` required until 0.5.1; `contextId` or `domainId` in the draft, where RELATION
 * nodes check the domain-id pattern and the other nodes only require a URI reference (as the draft does).
 */
function nodeShape(release: Release, optionalId: boolean, relation = false): Shape<LinkNode> {
  if (release === "0.6.0-draft") {
    return raw<LinkNode>({
      type: "object",
      properties: {
        contextId: { type: "string", minLength: 1 },
        domainId: { type: "string", format: "uri-reference", ...(relation ? { pattern: DOMAIN_ID_PATTERN } : {}) },
      },
      anyOf: [{ required: ["contextId"] }, { required: ["domainId"] }],
    });
  }
  return openObj(optionalId ? { contextId: nonEmpty() } : { contextId: req(nonEmpty()) }) as Shape<LinkNode>;
}

/** Embedded PATH link: the event `from` is the direct predecessor of the carrying event. */
export interface EmbeddedLinkPath {
  linkType: "PATH";
  /** The parent event. */
  from: LinkNode;
  tags?: LinkTags;
}

/** Embedded END link: the carrying event closes the chain. */
export interface EmbeddedLinkEnd {
  linkType: "END";
  /** The parent event, if any. */
  from?: LinkNode;
  tags?: LinkTags;
}

/** Embedded RELATION link: a labelled edge from the carrying event to `target`. */
export interface EmbeddedLinkRelation {
  linkType: "RELATION";
  /** The kind of relation, e.g. `TRIGGER`, `ARTIFACT`, `causedBy`. */
  linkKind: string;
  /** The related event. */
  target: LinkNode;
  tags?: LinkTags;
}

/** An embedded link (`context.links[]`). */
export type EmbeddedLink = EmbeddedLinkPath | EmbeddedLinkEnd | EmbeddedLinkRelation;

/** The `context.links` shape of a release. */
export function embeddedLinksShape(release: Release): Shape<EmbeddedLink[]> {
  const node = nodeShape(release, false);
  const kind = (t: LinkType) => req(raw<string>({ type: "string", enum: [t] }));
  const branches = [
    obj({ linkType: kind("END"), from: node, tags }),
    obj({ linkType: kind("PATH"), from: req(node), tags }),
    obj({ linkType: kind("RELATION"), linkKind: req(nonEmpty()), target: req(nodeShape(release, true, true)), tags }),
  ];
  return raw<EmbeddedLink[]>({ type: "array", items: { oneOf: branches.map((b) => b.schema) } });
}

/** The standalone link shapes of a release (`linkstart`, `linkpath`, `linkend`, `linkrelation`). */
export function standaloneLinkShapes(release: Release) {
  const node = req(nodeShape(release, false));
  const related = req(nodeShape(release, false, true));
  const common = {
    chainId: req(nonEmpty()),
    timestamp: req(str({ format: "date-time" })),
    tags,
  };
  const kind = <T extends LinkType>(t: T) => req(raw<T>({ type: "string", enum: [t] }));
  return {
    START: obj({ ...common, linkType: kind("START"), start: node }),
    PATH: obj({ ...common, linkType: kind("PATH"), from: node, to: node }),
    END: obj({ ...common, linkType: kind("END"), from: node, end: node }),
    RELATION: obj({
      ...common,
      linkType: kind("RELATION"),
      linkKind: req(nonEmpty()),
      source: related,
      target: related,
    }),
  };
}

/** A standalone link object. */
export type StandaloneLink = Infer<ReturnType<typeof standaloneLinkShapes>[LinkType]>;
