/**
 * Declaring an event family: one subject and predicate (e.g. `taskrun.started`) across the spec releases, with
 * the event version and content in each release and how content changed from the previous release.
 * @module
 */
import { type InferMembers, type Members, objectSchema } from "../schema/shapes.ts";
import type { CDEventOf } from "./envelope.ts";
import type { Release } from "./releases.ts";

/**
 * How content changed from the previous release to this one, so conversion can be derived in both directions.
 * Paths are dotted member paths inside `subject.content` (e.g. `testSuite.url`).
 */
export interface ContentChange {
  /** Members renamed: old path → new path. */
  readonly rename?: { readonly [oldPath: string]: string };
  /** Values renamed per member path: old value → new value (e.g. test outcome `pass` → `success`). */
  readonly values?: { readonly [path: string]: { readonly [oldValue: string]: string } };
}

/** The event version and content of a family in one release. */
export interface VersionDecl<V extends string = string, M extends Members = Members> {
  /** Event version in the type string, e.g. `0.3.0`. */
  readonly version: V;
  /** Content members. */
  readonly content: M;
  /** How content changed since the previous release of this family. */
  readonly change?: ContentChange;
}

/** Declares the version and content of a family in one release. */
export function at<const V extends string, const M extends Members>(
  version: V,
  content: M,
  change?: ContentChange,
): VersionDecl<V, M> {
  return change === undefined ? { version, content } : { version, content, change };
}

/** Per-release declarations of a family. */
export type VersionMap = { readonly [R in Release]?: VersionDecl };

/** A declared event family. */
export interface Family<
  S extends string = string,
  P extends string = string,
  ST extends string = string,
  VM extends VersionMap = VersionMap,
> {
  /** Subject in the type string, lowercase (e.g. `taskrun`). */
  readonly subject: S;
  /** Predicate in the type string (e.g. `started`). */
  readonly predicate: P;
  /** Subject type as written in `subject.type` up to 0.4.1 (e.g. `taskRun`). */
  readonly subjectType: ST;
  /** Declarations per release. */
  readonly versions: VM;
  /** The 0.5 schema of this family still accepts an optional `subject.type` (only `ticket.closed`). */
  readonly optionalSubjectType?: boolean;
}

/** Declares an event family. */
export function family<
  const S extends string,
  const P extends string,
  const ST extends string,
  const VM extends VersionMap,
>(
  subject: S,
  predicate: P,
  subjectType: ST,
  versions: VM,
  options: { optionalSubjectType?: boolean } = {},
): Family<S, P, ST, VM> {
  return {
    subject,
    predicate,
    subjectType,
    versions,
    ...(options.optionalSubjectType ? { optionalSubjectType: true } : {}),
  };
}

/** The type string of a family in a release. */
export function typeString(f: Family, version: string): string {
  return `dev.cdevents.${f.subject}.${f.predicate}.${version}`;
}

/** JSON Schema of a family's content in a release. */
export function contentSchema(decl: VersionDecl) {
  return objectSchema(decl.content, false);
}

/** The union of the event types of one family, one member per release. */
export type EventsOf<F> =
  F extends Family<infer S, infer P, infer ST, infer VM>
    ? {
        [R in keyof VM & Release]: VM[R] extends VersionDecl<infer V, infer M>
          ? CDEventOf<R, `dev.cdevents.${S}.${P}.${V}`, ST, InferMembers<M>>
          : never;
      }[keyof VM & Release]
    : never;
