/**
 * Differential test of Cairn's validators against the official schemas: every official example is mutated in
 * many ways (missing required members, wrong JSON types, bad formats, unknown members, wrong enum values, empty
 * strings, custom data, links, `subject.type`), and each mutant must get the same verdict from Cairn's compiled
 * validator and from Ajv 2020 + ajv-formats running the official schema files, except for the deliberate
 * differences listed in {@link DELIBERATE}.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Issue } from "../src/issues.ts";
import { eventValidator } from "../src/schema/event-validators.ts";
import { isPurl } from "../src/schema/formats.ts";
import { type EventDef, findEventDef } from "../src/spec/registry.ts";
import { hasLinks, hasSubjectType, type Release, STABLE_RELEASES } from "../src/spec/releases.ts";
import {
  type Json,
  needSpec,
  officialExamples,
  officialLinkSchemas,
  officialSchemas,
  SPEC_RELEASES,
  type SpecRelease,
  schemaType,
} from "./spec-files.ts";

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** What a mutant changed. */
type Kind =
  | "unchanged"
  | "all-members"
  | "drop-required"
  | "wrong-type"
  | "item-type"
  | "bad-format"
  | "good-format"
  | "extra-field"
  | "enum"
  | "empty-string"
  | "artifact-id"
  | "custom-data"
  | "links"
  | "subject-type";

interface Mutant {
  /** Example file it derives from. */
  readonly file: string;
  readonly def: EventDef;
  readonly kind: Kind;
  /** JSON Pointer of the mutated location. */
  readonly path: string;
  /** Name of the mutated member (last token of `path`). */
  readonly member: string;
  /** The value written there (`undefined` when the member was removed). */
  readonly value: unknown;
  readonly event: unknown;
}

/** A deliberate difference: mutants it applies to are rejected by Cairn and accepted by the official schemas. */
interface Difference {
  readonly reason: string;
  readonly applies: (m: Mutant) => boolean;
  /** Releases whose corpus must contain it (so the list cannot go stale). */
  readonly releases: readonly Release[];
}

const TESTING_SUBJECTS = new Set(["testcaserun", "testsuiterun", "testoutput"]);
const isTesting = (m: Mutant) => TESTING_SUBJECTS.has(m.def.family.subject);
const isSource = (m: Mutant) => m.path === "/context/source" || m.path === "/subject/source";
const STABLE: readonly Release[] = STABLE_RELEASES;

/** Every place where Cairn is knowingly stricter than the official schemas, each with its reason. */
const DELIBERATE: Readonly<Record<string, Difference>> = {
  "artifact id that is not a purl": {
    reason: "the spec types artifact ids as Package URLs; its schemas only check for a string",
    applies: (m) => m.member === "artifactId" && typeof m.value === "string" && m.value !== "" && !isPurl(m.value),
    releases: STABLE,
  },
  "empty build.finished artifactId": {
    reason: "an empty string is not a Package URL; the official schema has no minLength on this one",
    applies: (m) => m.def.name === "build.finished" && m.member === "artifactId" && m.value === "",
    releases: STABLE,
  },
  "testing-event source that is not a URI reference": {
    reason: "the testing schemas omit format uri-reference on context/subject source; Cairn applies it to every event",
    applies: (m) => isTesting(m) && isSource(m) && typeof m.value === "string" && m.value.includes(" "),
    releases: STABLE,
  },
  "empty subject.source in testing events": {
    reason: "the testing schemas omit minLength 1 on subject.source; Cairn applies it to every event",
    applies: (m) => isTesting(m) && m.path === "/subject/source" && m.value === "",
    releases: STABLE,
  },
};

// ---------------------------------------------------------------------------------------------------------------
// JSON helpers

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const token = (k: string | number) => String(k).replaceAll("~", "~0").replaceAll("/", "~1");
const untoken = (t: string) => t.replaceAll("~1", "/").replaceAll("~0", "~");

/** A copy of `doc` with the value at `path` replaced (or removed when `value` is undefined). */
function edit(doc: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(doc);
  const parts = path.split("/").slice(1).map(untoken);
  const last = parts.pop() as string;
  let cur = copy as Record<string, unknown>;
  for (const p of parts) cur = cur[p] as Record<string, unknown>;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

/** The JSON types a schema node allows (from `type`, or from its `anyOf` / `oneOf` branches). */
function typesOf(s: Json): string[] {
  if (typeof s.type === "string") return [s.type];
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  return branches ? [...new Set(branches.flatMap(typesOf))] : [];
}

/** A keyword of a schema node or of its first branch that has it (formats and enums of `anyOf` fields). */
function keyword(s: Json, k: string): unknown {
  if (s[k] !== undefined) return s[k];
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  return branches?.map((b) => b[k]).find((x) => x !== undefined);
}

const jsonType = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? "number" : typeof v;

/** A valid value for an official schema node (every declared member of objects included). */
function synth(s: Json, member: string): unknown {
  if (s.$ref !== undefined) return undefined;
  if (Array.isArray(s.enum)) return s.enum[0];
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (branches) return synth(branches[0] as Json, member);
  if (s.type === "object") return fill({}, s);
  if (s.type === "array") return [synth(s.items as Json, member)];
  if (s.type !== "string") return undefined;
  if (member === "artifactId") return "pkg:generic/cairn@1.0.0";
  if (member === "customDataContentType") return "application/json";
  const format = s.format;
  return format === "uri"
    ? "https://example.com/cairn"
    : format === "uri-reference"
      ? "/cairn/x"
      : format === "date-time"
        ? "2026-01-15T09:30:00Z"
        : "cairn";
}

/** `value` with every member its schema declares and it lacks added (recursively). */
function fill(value: unknown, s: Json): unknown {
  if (!isObj(value) || !isObj(s.properties)) return value;
  const out: Json = { ...value };
  for (const [k, p] of Object.entries(s.properties as Record<string, Json>)) {
    const v = k in out ? fill(out[k], p) : synth(p, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus

const WRONG_TYPES: readonly unknown[] = [42, true, null, "cairn", {}, []];
const FORMAT_CASES: Readonly<Record<string, readonly [Kind, string][]>> = {
  "date-time": [
    ["bad-format", "2023-03-20T14:27:05"],
    ["bad-format", "2023-03-20T14:27:05+24:00"],
    ["bad-format", "2023-02-30T14:27:05Z"],
    ["good-format", "2023-03-20T14:27:05+02:00"],
    ["good-format", "2023-03-20t14:27:05.123z"],
  ],
  uri: [
    ["bad-format", "/relative/path"],
    ["bad-format", "https://example.com/a b"],
    ["good-format", "urn:user:bob"],
  ],
  "uri-reference": [
    ["bad-format", "/a b"],
    ["good-format", "a/b"],
    ["good-format", "https://example.com/x?y=1#z"],
  ],
};

function* objectMutants(s: Json, v: Json, path: string): Generator<[Kind, string, unknown]> {
  for (const r of (s.required as string[] | undefined) ?? []) {
    if (r in v) yield ["drop-required", `${path}/${token(r)}`, undefined];
  }
  yield ["extra-field", `${path}/cairnUnknown`, "x"];
  for (const [k, p] of Object.entries((s.properties as Record<string, Json> | undefined) ?? {})) {
    if (p.$ref !== undefined || !(k in v)) continue;
    const at = `${path}/${token(k)}`;
    yield* memberMutants(p, at, k);
    const x = v[k];
    if (isObj(x) && isObj(p.properties)) yield* objectMutants(p, x, at);
  }
}

function* memberMutants(s: Json, path: string, member: string): Generator<[Kind, string, unknown]> {
  const types = typesOf(s);
  for (const w of WRONG_TYPES) {
    const t = jsonType(w);
    if (!types.includes(t) && !(t === "number" && types.includes("integer"))) yield ["wrong-type", path, w];
  }
  if (types.includes("array")) yield ["item-type", path, [42]];
  if (!types.includes("string")) return;
  yield ["empty-string", path, ""];
  if (keyword(s, "enum") !== undefined) yield ["enum", path, "cairn-not-a-value"];
  const format = keyword(s, "format") as string | undefined;
  for (const [kind, value] of FORMAT_CASES[format ?? ""] ?? []) yield [kind, path, value];
  if (member === "source" && format === undefined) yield ["bad-format", path, "/a b"];
  if (member === "artifactId") {
    yield ["artifact-id", path, "myapp-1.0.0.tgz"];
    yield ["artifact-id", path, "pkg:npm/%40cairn/sdk@1.0.0"];
  }
}

/** Embedded links appended to `context.links`, valid or not depending on the release. */
const LINKS: readonly unknown[] = [
  { linkType: "END" },
  { linkType: "END", from: { contextId: "c1", extra: 1 } },
  { linkType: "PATH", from: { contextId: "c1" }, tags: { a: 1, b: { c: [] } } },
  { linkType: "RELATION", linkKind: "ARTIFACT", target: {} },
  { linkType: "RELATION", linkKind: "ARTIFACT", target: { contextId: "c1", extra: true } },
  { linkType: "PATH", from: { domainId: "cdevents:v0:github::xibz:cdevents-spec:pr:42" } },
  { linkType: "START", start: { contextId: "c1" } },
  { linkType: "PATH" },
  { linkType: "PATH", from: {} },
  { linkType: "PATH", from: { contextId: "" } },
  { linkType: "PATH", from: "c1" },
  { linkType: "RELATION", target: { contextId: "c1" } },
  { linkType: "RELATION", linkKind: "", target: { contextId: "c1" } },
  { linkType: "RELATION", linkKind: "ARTIFACT" },
  { linkType: "END", cairnUnknown: 1 },
  { linkType: "PATH", from: { contextId: "c1" }, timestamp: "2026-01-15T09:30:00Z" },
  { linkType: "END", tags: "x" },
  { linkType: "OTHER" },
  { from: { contextId: "c1" } },
  42,
];

function* linkMutants(release: Release, event: Json): Generator<[Kind, string, unknown]> {
  const context = event.context as Json;
  if (!hasLinks(release)) {
    yield ["links", "/context/links", []];
    return;
  }
  const links = Array.isArray(context.links) ? context.links : [];
  yield ["links", "/context/links", []];
  yield ["links", "/context/links", "x"];
  yield ["links", "/context/links", {}];
  for (const l of LINKS) yield ["links", `/context/links/${links.length}`, l];
  for (const [i, l] of links.entries()) {
    if (!isObj(l)) continue;
    for (const [k, x] of Object.entries(l)) {
      yield ["links", `/context/links/${i}/${token(k)}`, undefined];
      if (isObj(x))
        for (const n of Object.keys(x)) yield ["links", `/context/links/${i}/${token(k)}/${token(n)}`, undefined];
    }
  }
}

function* mutants(r: SpecRelease, file: string, example: Json, schema: Json): Generator<Mutant> {
  const def = findEventDef(schemaType(schema));
  assert.ok(def, `${file}: ${schemaType(schema)} is not declared`);
  const make = (kind: Kind, path: string, value: unknown, event: unknown): Mutant => ({
    file,
    def,
    kind,
    path,
    member: untoken(path.slice(path.lastIndexOf("/") + 1)),
    value,
    event,
  });
  yield make("unchanged", "", undefined, example);
  const full = fill(example, schema) as Json;
  yield make("all-members", "", undefined, full);
  const edits: [Kind, string, unknown][] = [
    ...objectMutants(schema, full, ""),
    ...linkMutants(r.release, full),
    ["enum", "/context/type", `dev.cdevents.${def.family.subject}.${def.family.predicate}.99.0.0`],
    ["custom-data", "/customData", "not base64 !"],
    ["custom-data", "/customData", { nested: [1, { a: null }] }],
  ];
  if (!hasSubjectType(r.release)) edits.push(["subject-type", "/subject/type", def.family.subjectType]);
  for (const [kind, path, value] of edits) yield make(kind, path, value, edit(full, path, value));
}

// ---------------------------------------------------------------------------------------------------------------
// The test

/** An issue points at the mutated location when its path is that location, under it or above it. */
const near = (issue: Issue, path: string) =>
  issue.path === path || issue.path.startsWith(`${path}/`) || path.startsWith(`${issue.path}/`);

const show = (v: unknown) => (v === undefined ? "(removed)" : JSON.stringify(v));

for (const r of SPEC_RELEASES) {
  test(`${r.release}: Cairn's validators agree with the official schemas on mutated examples`, (t) => {
    if (!needSpec(t)) return;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const link of officialLinkSchemas(r)) ajv.addSchema(link);
    const schemas = new Map(officialSchemas(r).map((s) => [schemaType(s.json), s.json]));

    const problems: string[] = [];
    const seen = new Map<string, number>(Object.keys(DELIBERATE).map((k) => [k, 0]));
    const kinds = new Set<Kind>();
    let count = 0;
    for (const { file, json } of officialExamples(r)) {
      const type = String((json.context as Json).type);
      const schema = schemas.get(type);
      assert.ok(schema, `${file}: no official schema has type ${type}`);
      const official = ajv.compile(schema);
      for (const m of mutants(r, file, json, schema)) {
        count++;
        kinds.add(m.kind);
        const theirs = official(m.event) === true;
        const validator = eventValidator(m.def);
        const issues = validator.issues(m.event);
        const ours = issues.length === 0;
        const where = `${m.file} ${m.kind} ${m.path || "/"} = ${show(m.value)}`;
        if (validator.test(m.event) !== ours) problems.push(`${where}: test() and issues() disagree`);
        if (validator.closuresOnly.test(m.event) !== ours)
          problems.push(`${where}: the generated predicate and the compiled closures disagree`);
        if (!ours && !issues.some((i) => near(i, m.path)))
          problems.push(`${where}: no issue near the mutation; got ${JSON.stringify(issues)}`);
        const exceptions = Object.entries(DELIBERATE).filter(([, d]) => d.applies(m));
        if (exceptions.length > 0) {
          for (const [name] of exceptions) seen.set(name, (seen.get(name) ?? 0) + 1);
          if (ours || !theirs)
            problems.push(
              `${where}: expected the deliberate difference (Cairn rejects, official accepts); got ours=${ours} official=${theirs}`,
            );
        } else if (ours !== theirs) {
          problems.push(
            `${where}: ours=${ours} official=${theirs}; ours: ${JSON.stringify(issues)}; official: ${JSON.stringify(official.errors)}`,
          );
        }
      }
    }
    assert.deepEqual(problems.slice(0, 25), [], `${problems.length} problems`);

    // The corpus is what it claims to be, and no deliberate difference is stale.
    const expectedKinds: Kind[] = [
      "unchanged",
      "all-members",
      "drop-required",
      "wrong-type",
      "bad-format",
      "good-format",
      "extra-field",
      "enum",
      "empty-string",
      "custom-data",
      "links",
    ];
    if (r.release !== "0.6.0-draft") expectedKinds.push("artifact-id");
    if (r.release === "0.4.1" || r.release === "0.5.1") expectedKinds.push("item-type");
    if (!hasSubjectType(r.release)) expectedKinds.push("subject-type");
    for (const k of expectedKinds) assert.ok(kinds.has(k), `no ${k} mutant`);
    assert.ok(count > r.count * 100, `only ${count} mutants`);
    for (const [name, d] of Object.entries(DELIBERATE)) {
      if (d.releases.includes(r.release))
        assert.ok((seen.get(name) ?? 0) > 0, `deliberate difference never seen: ${name}`);
    }
  });
}
