/**
 * Index of every declared event version by its exact type string, derived from the catalog once.
 * @module
 */
import type { SchemaObject } from "../schema/shapes.ts";
import { draftFamilies, stableFamilies } from "./catalog.ts";
import { eventSchema } from "./envelope.ts";
import { contentSchema, type Family, typeString, type VersionDecl } from "./family.ts";
import type { Release } from "./releases.ts";

/** One event type in one release. */
export interface EventDef {
  /** Exact type string, e.g. `dev.cdevents.taskrun.started.0.3.0`. */
  readonly type: string;
  /** `subject.predicate`, e.g. `taskrun.started`. */
  readonly name: string;
  /** The family it belongs to. */
  readonly family: Family;
  /** The spec release it belongs to. */
  readonly release: Release;
  /** Event version (the last three parts of the type). */
  readonly version: string;
  /** Its declaration. */
  readonly decl: VersionDecl;
  /** True for types that exist only in the 0.6 draft. */
  readonly draft: boolean;
}

function collect(families: Record<string, Family>, draft: boolean): EventDef[] {
  const defs: EventDef[] = [];
  for (const f of Object.values(families)) {
    for (const [release, decl] of Object.entries(f.versions) as [Release, VersionDecl][]) {
      const type = typeString(f, decl.version);
      defs.push({ type, name: `${f.subject}.${f.predicate}`, family: f, release, version: decl.version, decl, draft });
    }
  }
  return defs;
}

const STABLE = collect(stableFamilies, false);
const DRAFT = collect(draftFamilies, true);
const BY_TYPE = new Map<string, EventDef>([...STABLE, ...DRAFT].map((d) => [d.type, d]));
const BY_NAME = new Map<string, EventDef[]>();
for (const d of [...STABLE, ...DRAFT]) BY_NAME.set(d.name, [...(BY_NAME.get(d.name) ?? []), d]);

/** Every declared event type; drafts only when asked. */
export function eventDefs(options: { drafts?: boolean } = {}): readonly EventDef[] {
  return options.drafts ? [...STABLE, ...DRAFT] : STABLE;
}

/** The definition of an exact type string, drafts included (callers decide whether drafts are allowed). */
export function findEventDef(type: string): EventDef | undefined {
  return BY_TYPE.get(type);
}

/** Every declared version of `subject.predicate`, oldest release first. */
export function familyVersions(name: string): readonly EventDef[] {
  return BY_NAME.get(name) ?? [];
}

/** The definition of a family in a release. */
export function defInRelease(name: string, release: Release): EventDef | undefined {
  return familyVersions(name).find((d) => d.release === release);
}

const SCHEMAS = new WeakMap<EventDef, SchemaObject>();

/** The JSON Schema of an event type, derived from its declaration (cached). */
export function jsonSchemaOf(def: EventDef): SchemaObject {
  let s = SCHEMAS.get(def);
  if (!s) {
    s = eventSchema(def.release, {
      id: `https://cdevents.dev/${def.release}/schema/${def.family.subject}-${def.family.predicate}-event`,
      type: { type: "string", enum: [def.type], default: def.type },
      subjectType: def.family.subjectType,
      optionalSubjectType: def.family.optionalSubjectType === true && def.release !== "0.3.0",
      content: contentSchema(def.decl),
    });
    SCHEMAS.set(def, s);
  }
  return s;
}
