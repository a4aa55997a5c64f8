/**
 * Choosing the declared event version an incoming type is checked against, per the compatibility policy.
 * @module
 */
import { type Issue, IssueCode } from "./issues.ts";
import type { ResolvedOptions } from "./options.ts";
import { type EventDef, familyVersions } from "./spec/registry.ts";
import { compareVersions, parseVersion, type Version } from "./type-string.ts";

/** How an event's type relates to the declared version it was checked against. */
export type Compat = "exact" | "newer-patch" | "newer-minor" | "older-patch" | "older-minor";

/** The outcome of matching a type against the declarations. */
export type Match =
  | { readonly def: EventDef; readonly compat: Compat }
  | { readonly issue: Issue }
  | { readonly unknown: true };

const TYPE_PATH = "/context/type";
const ver = (d: EventDef) => parseVersion(d.version) as Version;

/** Finds the declaration a `dev.cdevents` type is checked against. */
export function matchStandard(type: string, name: string, version: Version, o: ResolvedOptions): Match {
  const all = familyVersions(name);
  const defs = all.filter((d) => o.drafts || !d.draft);
  if (defs.length === 0) {
    if (all.length > 0)
      return {
        issue: {
          code: IssueCode.UnknownType,
          path: TYPE_PATH,
          message: `${type} is a draft (0.6.0-draft) event type; enable drafts to accept it`,
        },
      };
    return { unknown: true };
  }
  const exact = defs.find((d) => d.type === type);
  if (exact) return { def: exact, compat: "exact" };
  const known = defs.map((d) => d.version).join(", ");
  const reject = (why: string): Match => ({
    issue: {
      code: IssueCode.UnsupportedVersion,
      path: TYPE_PATH,
      message: `${type}: ${why}; known versions of ${name}: ${known}`,
    },
  });
  const sameMajor = defs.filter((d) => ver(d).major === version.major).sort((a, b) => compareVersions(ver(a), ver(b)));
  if (sameMajor.length === 0) return reject(`major version ${version.major} is not supported`);
  const sameMinor = sameMajor.find((d) => ver(d).minor === version.minor);
  if (sameMinor) {
    const newer = compareVersions(version, ver(sameMinor)) > 0;
    if (newer ? o.compat.newerPatch : o.compat.olderPatch)
      return { def: sameMinor, compat: newer ? "newer-patch" : "older-patch" };
    return reject(`${newer ? "newer" : "older"} patch versions are not accepted by the compatibility policy`);
  }
  const newest = sameMajor[sameMajor.length - 1] as EventDef;
  if (compareVersions(version, ver(newest)) > 0) {
    return o.compat.newerMinor
      ? { def: newest, compat: "newer-minor" }
      : reject("newer minor versions are not accepted by the compatibility policy");
  }
  const nearest = sameMajor.find((d) => compareVersions(ver(d), version) > 0) as EventDef;
  return o.compat.olderMinor
    ? { def: nearest, compat: "older-minor" }
    : reject("this older minor version is not declared and older minors are not accepted by the compatibility policy");
}
