/**
 * Conversion between spec releases 0.3.0, 0.4.1 and 0.5.1, in both directions, one release step at a time.
 * What changes is derived from the declarations: the event version (type string), `version` ↔ `specversion`,
 * `subject.type`, and the content changes each release declares (member renames such as `url` → `uri`, value
 * renames such as `pass` → `success`). Whatever the target release cannot hold (members it lacks, values its
 * schema rejects, 0.4 context members going to 0.3) is a loss: refused unless `allowLoss`, then dropped and listed.
 * @module
 */

import type { ParseInput } from "./input.ts";
import { type Issue, IssueCode } from "./issues.ts";
import { CDEvents } from "./parse.ts";
import { eventValidator } from "./schema/event-validators.ts";
import type { ContentChange } from "./spec/family.ts";
import { defInRelease, type EventDef } from "./spec/registry.ts";
import { hasLinks, hasSubjectType, STABLE_RELEASES, type StableRelease, usesVersionField } from "./spec/releases.ts";

/** Options of {@link convert}. */
export interface ConvertOptions {
  /** Target release. */
  readonly to: StableRelease;
  /** Drop what the target cannot hold instead of refusing. Default false. */
  readonly allowLoss?: boolean;
}

/** Something the conversion dropped (or would drop). */
export interface Loss {
  /** JSON Pointer in the source event. */
  readonly path: string;
  /** What is lost and why. */
  readonly message: string;
}

/** Result of {@link convert}. */
export type ConvertResult =
  | {
      readonly ok: true;
      readonly event: Record<string, unknown>;
      readonly from: StableRelease;
      readonly lost: readonly Loss[];
    }
  | { readonly ok: false; readonly issues: readonly Issue[] };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const strict = new CDEvents({ compat: { newerMinor: false, newerPatch: false, olderPatch: false } });

/** Converts an event of a stable release to another stable release. The input is not modified. */
export function convert(event: ParseInput, options: ConvertOptions): ConvertResult {
  const parsed = strict.parse(event);
  if (!parsed.ok) return parsed;
  if (parsed.kind !== "exact" || parsed.release === "0.6.0-draft")
    return fail(
      "/context/type",
      IssueCode.UnsupportedVersion,
      `only events of an exact 0.3.0, 0.4.1 or 0.5.1 type can be converted (got ${parsed.kind} ${String(parsed.event.context.type)})`,
    );
  let current = structuredClone(parsed.event) as unknown as Json;
  let from = parsed.release as StableRelease;
  const source = from;
  const lost: Loss[] = [];
  const name = String((current.context as Json).type)
    .split(".")
    .slice(2, 4)
    .join(".");
  while (from !== options.to) {
    const step = STABLE_RELEASES.indexOf(from) < STABLE_RELEASES.indexOf(options.to) ? 1 : -1;
    const to = STABLE_RELEASES[STABLE_RELEASES.indexOf(from) + step] as StableRelease;
    const target = defInRelease(name, to);
    const origin = defInRelease(name, from) as EventDef;
    if (!target)
      return fail(
        "/context/type",
        IssueCode.Lossy,
        `${name} does not exist in spec ${to}; it cannot be converted to ${options.to}`,
      );
    const r = stepTo(current, origin, target, options.allowLoss === true);
    if (!r.ok) return r;
    lost.push(...r.lost);
    current = r.event;
    from = to;
  }
  return { ok: true, event: current, from: source, lost };
}

function fail(path: string, code: Issue["code"], message: string): ConvertResult {
  return { ok: false, issues: [{ code, path, message }] };
}

/** Converts across one release boundary. */
function stepTo(event: Json, origin: EventDef, target: EventDef, allowLoss: boolean): ConvertResult {
  const upgrade = releaseIndex(target) > releaseIndex(origin);
  const context = { ...(event.context as Json) };
  const subject = { ...(event.subject as Json) };
  const lost: Loss[] = [];
  delete context.version;
  delete context.specversion;
  const ordered: Json = usesVersionField(target.release)
    ? { version: target.release }
    : { specversion: target.release };
  Object.assign(ordered, context, { type: target.type });
  if (!hasLinks(target.release)) {
    for (const k of ["schemaUri", "chainId", "links"]) {
      if (ordered[k] === undefined) continue;
      lost.push({ path: `/context/${k}`, message: `spec ${target.release} has no context.${k}` });
      delete ordered[k];
    }
  }
  if (hasSubjectType(target.release)) subject.type = target.family.subjectType;
  else delete subject.type;
  const change = upgrade ? target.decl.change : invert(origin.decl.change);
  subject.content = applyChange(structuredClone(subject.content) as Json, change);
  const { content, ...rest } = subject;
  const out: Json = { ...event, context: ordered, subject: { ...rest, content } };
  return dropInvalid(out, target, lost, allowLoss);
}

function releaseIndex(d: EventDef): number {
  return STABLE_RELEASES.indexOf(d.release as StableRelease);
}

/** The change that undoes `c` (renames and value maps reversed). */
function invert(c: ContentChange | undefined): ContentChange | undefined {
  if (!c) return undefined;
  const rename = Object.fromEntries(Object.entries(c.rename ?? {}).map(([a, b]) => [b, a]));
  const values: Record<string, Record<string, string>> = {};
  for (const [oldPath, map] of Object.entries(c.values ?? {})) {
    const newPath = c.rename?.[oldPath] ?? oldPath;
    values[newPath] = Object.fromEntries(Object.entries(map).map(([a, b]) => [b, a]));
  }
  return { rename, values };
}

function applyChange(content: Json, change: ContentChange | undefined): Json {
  if (!change) return content;
  for (const [path, map] of Object.entries(change.values ?? {})) {
    const { parent, key } = locate(content, path);
    const v = parent?.[key];
    if (parent && typeof v === "string" && map[v] !== undefined) parent[key] = map[v];
  }
  for (const [oldPath, newPath] of Object.entries(change.rename ?? {})) {
    const { parent, key } = locate(content, oldPath);
    if (!parent || !(key in parent)) continue;
    const value = parent[key];
    delete parent[key];
    const dest = locate(content, newPath);
    if (dest.parent) dest.parent[dest.key] = value;
  }
  return content;
}

function locate(root: Json, dotted: string): { parent: Json | undefined; key: string } {
  const parts = dotted.split(".");
  const key = parts.pop() as string;
  let parent: unknown = root;
  for (const p of parts) parent = isObj(parent) ? parent[p] : undefined;
  return { parent: isObj(parent) ? parent : undefined, key };
}

/** Validates against the target; values it rejects are losses (dropped when allowed, refused otherwise). */
function dropInvalid(event: Json, target: EventDef, lost: Loss[], allowLoss: boolean): ConvertResult {
  const validator = eventValidator(target);
  const issues = validator.issues(event);
  const blocking: Issue[] = [];
  for (const issue of issues) {
    if (issue.code === IssueCode.Required || !issue.path.startsWith("/subject/content/")) blocking.push(issue);
    else lost.push({ path: issue.path, message: `spec ${target.release} cannot hold this value: ${issue.message}` });
  }
  if (blocking.length > 0)
    return {
      ok: false,
      issues: blocking.map((i) => ({
        ...i,
        code: IssueCode.Lossy,
        message: `cannot convert to ${target.type}: ${i.path} ${i.message}`,
      })),
    };
  if (lost.length > 0 && !allowLoss)
    return {
      ok: false,
      issues: lost.map((l) => ({
        code: IssueCode.Lossy,
        path: l.path,
        message: `${l.message}`,
      })),
    };
  for (const l of lost) removeAt(event, l.path);
  const after = validator.issues(event);
  if (after.length > 0) return { ok: false, issues: after.map((i) => ({ ...i, code: IssueCode.Lossy })) };
  return { ok: true, event, from: target.release as StableRelease, lost };
}

function removeAt(root: Json, pointer: string): void {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  const key = parts.pop() as string;
  let cur: unknown = root;
  for (const p of parts) cur = isObj(cur) ? cur[p] : Array.isArray(cur) ? cur[Number(p)] : undefined;
  if (isObj(cur)) delete cur[key];
}
