/**
 * The Cairn `cdevents` filter dialect: `{ "cdevents": { "subject": "service", "predicate": "deployed",
 * "versions": "0.x" } }` matches `dev.cdevents.service.deployed.<version>` for every version in the range, so a
 * subscription survives event version bumps that break `exact` type filters.
 * @module
 */
import { parseType } from "@cairn/cdevents";
import { type EventAttributes, readAttribute } from "./attributes.ts";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf, rejectUnknown } from "./issues.ts";
import type { CDEventsFilter } from "./subscription.ts";
import { parseVersionRange, satisfies, type VersionRange } from "./version-range.ts";

/** A compiled `cdevents` filter. */
export interface CDEventsDialect {
  /** Standard subject (`service`), or custom `<tool>-<subject>`; undefined: any standard subject. */
  readonly subject: string | undefined;
  readonly predicate: string | undefined;
  readonly range: VersionRange | undefined;
  /** True when `subject` names a custom (`dev.cdeventsx`) event. */
  readonly custom: boolean;
}

const MEMBERS: ReadonlySet<string> = new Set(["subject", "predicate", "versions"]);
const STANDARD_SUBJECT = /^[a-z]+$/;
const CUSTOM_SUBJECT = /^[a-zA-Z0-9]+-[a-zA-Z]+$/;
const STANDARD_PREDICATE = /^[a-z]+$/;
const CUSTOM_PREDICATE = /^[a-zA-Z]+$/;

/** Validates a `cdevents` filter body; issues go to `issues`. */
export function parseCDEventsFilter(
  value: unknown,
  path: string,
  issues: Issue[],
): { filter: CDEventsFilter; dialect: CDEventsDialect } | undefined {
  if (!isPlainObject(value)) {
    issues.push({
      path,
      code: IssueCode.Type,
      message: `must be an object with subject, predicate and/or versions, not ${jsonTypeOf(value)}`,
    });
    return undefined;
  }
  const before = issues.length;
  rejectUnknown(value, MEMBERS, path, issues);
  const subject = optionalString(value, "subject", path, issues);
  const custom = subject?.includes("-") === true;
  if (subject !== undefined && !(custom ? CUSTOM_SUBJECT : STANDARD_SUBJECT).test(subject)) {
    const message = custom
      ? "a custom subject is <tool>-<subject>: letters and digits, a hyphen, then letters"
      : "a CDEvents subject is lower-case letters (e.g. service, pipelinerun), or <tool>-<subject> for a custom event";
    issues.push({ path: childPath(path, "subject"), code: IssueCode.Format, message });
  }
  const predicate = optionalString(value, "predicate", path, issues);
  if (predicate !== undefined && !(custom ? CUSTOM_PREDICATE : STANDARD_PREDICATE).test(predicate)) {
    const message = `a CDEvents predicate is ${custom ? "" : "lower-case "}letters (e.g. deployed, finished)`;
    issues.push({ path: childPath(path, "predicate"), code: IssueCode.Format, message });
  }
  const versions = optionalString(value, "versions", path, issues);
  let range: VersionRange | undefined;
  if (versions !== undefined) {
    const parsed = parseVersionRange(versions);
    if (parsed.ok) range = parsed.range;
    else
      issues.push({
        path: childPath(path, "versions"),
        code: IssueCode.VersionRange,
        message: `${parsed.message} at column ${parsed.offset + 1} (offset ${parsed.offset}) of ${JSON.stringify(versions)}`,
        offset: parsed.offset,
        line: 1,
        column: parsed.offset + 1,
      });
  }
  if (issues.length > before) return undefined;
  const filter: CDEventsFilter = {
    ...(subject === undefined ? {} : { subject }),
    ...(predicate === undefined ? {} : { predicate }),
    ...(versions === undefined ? {} : { versions }),
  };
  return { filter, dialect: { subject, predicate, range, custom } };
}

function optionalString(
  value: Record<string, unknown>,
  key: string,
  path: string,
  issues: Issue[],
): string | undefined {
  const v = value[key];
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  issues.push({ path: childPath(path, key), code: IssueCode.Type, message: `must be a string, not ${jsonTypeOf(v)}` });
  return undefined;
}

/** True when the event's `type` is a CDEvents type the filter accepts. A missing or foreign type never matches. */
export function matchesCDEvents(dialect: CDEventsDialect, event: EventAttributes): boolean {
  const type = readAttribute(event, "type");
  if (typeof type !== "string") return false;
  const parsed = parseType(type);
  if (parsed === undefined) return false;
  if (dialect.subject === undefined) {
    if (parsed.kind !== "standard") return false;
  } else if (dialect.custom) {
    if (parsed.kind !== "custom" || `${parsed.tool}-${parsed.subject}` !== dialect.subject) return false;
  } else if (parsed.kind !== "standard" || parsed.subject !== dialect.subject) return false;
  if (dialect.predicate !== undefined && parsed.predicate !== dialect.predicate) return false;
  return dialect.range === undefined || satisfies(dialect.range, parsed.version);
}

/** A prefix every `type` the filter accepts starts with: `dev.cdevents.<subject>.<predicate>.` as far as known. */
export function cdeventsTypePrefix(dialect: CDEventsDialect): string {
  if (dialect.subject === undefined) return "dev.cdevents.";
  const head = `${dialect.custom ? "dev.cdeventsx" : "dev.cdevents"}.${dialect.subject}.`;
  return dialect.predicate === undefined ? head : `${head}${dialect.predicate}.`;
}
