/**
 * The grammar of CDEvents type strings.
 *
 * - Standard: `dev.cdevents.<subject>.<predicate>.<M>.<m>.<p>[-<pre>]`, subject and predicate lowercase letters.
 * - Custom: `dev.cdeventsx.<tool>-<subject>.<predicate>.<M>.<m>.<p>[-<pre>]`, tool letters and digits, subject
 *   and predicate letters. Cairn accepts multi-digit version numbers (`0.10.0`), which the spec's custom
 *   schema pattern happens to reject; see docs/sdk.md.
 * - Anything else is malformed: Cairn does not treat arbitrary strings as custom events.
 * @module
 */

/** A parsed semantic version. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release label such as `draft`, or `""`. */
  readonly pre: string;
}

/** A parsed type string. */
export type ParsedType =
  | {
      readonly kind: "standard";
      readonly subject: string;
      readonly predicate: string;
      readonly version: Version;
      readonly name: string;
    }
  | {
      readonly kind: "custom";
      readonly tool: string;
      readonly subject: string;
      readonly predicate: string;
      readonly version: Version;
      readonly name: string;
    };

const VERSION = "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?";
const STANDARD = new RegExp(`^dev\\.cdevents\\.([a-z]+)\\.([a-z]+)\\.${VERSION}$`);
const CUSTOM = new RegExp(`^dev\\.cdeventsx\\.([a-zA-Z0-9]+)-([a-zA-Z]+)\\.([a-zA-Z]+)\\.${VERSION}$`);

const version = (m: RegExpExecArray, at: number): Version => ({
  major: Number(m[at]),
  minor: Number(m[at + 1]),
  patch: Number(m[at + 2]),
  pre: m[at + 3] ?? "",
});

/** Parses a type string; `undefined` when it is not a well-formed CDEvents or custom type. */
export function parseType(type: string): ParsedType | undefined {
  const s = STANDARD.exec(type);
  if (s) {
    const [, subject = "", predicate = ""] = s;
    return { kind: "standard", subject, predicate, version: version(s, 3), name: `${subject}.${predicate}` };
  }
  const c = CUSTOM.exec(type);
  if (c) {
    const [, tool = "", subject = "", predicate = ""] = c;
    return {
      kind: "custom",
      tool,
      subject,
      predicate,
      version: version(c, 4),
      name: `${tool}-${subject}.${predicate}`,
    };
  }
  return undefined;
}

/** Parses `M.m.p[-pre]`. */
export function parseVersion(v: string): Version | undefined {
  const m = new RegExp(`^${VERSION}$`).exec(v);
  return m ? version(m, 1) : undefined;
}

/** Compares two versions (pre-releases sort before their release). */
export function compareVersions(a: Version, b: Version): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.pre === b.pre ? 0 : a.pre === "" ? 1 : b.pre === "" ? -1 : a.pre < b.pre ? -1 : 1)
  );
}

/** Explains why a string is not a valid type, for error messages. */
export function explainMalformedType(type: string): string {
  if (!type.startsWith("dev.cdevents.") && !type.startsWith("dev.cdeventsx."))
    return `"${type}" is not a CDEvents type: it must start with "dev.cdevents." (standard) or "dev.cdeventsx." (custom)`;
  if (type.startsWith("dev.cdeventsx."))
    return `"${type}" is not a valid custom type: expected dev.cdeventsx.<tool>-<subject>.<predicate>.<major>.<minor>.<patch>`;
  return `"${type}" is not a valid CDEvents type: expected dev.cdevents.<subject>.<predicate>.<major>.<minor>.<patch> (lowercase letters, numeric version)`;
}
