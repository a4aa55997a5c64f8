/**
 * Access to the official CDEvents spec files in `../shared/cdevents-spec` (read-only, never copied into the
 * repository). Tests that need them skip when they are absent, except under CI, where they fail.
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Release } from "../src/spec/releases.ts";

/** The shared folder beside the repository (`../shared/`). */
export const SHARED = new URL("../../../../shared/", import.meta.url);

/** Root of the local copies of the spec (`../shared/cdevents-spec/`, relative to the repository root). */
export const SPEC_ROOT = fileURLToPath(new URL("../../../../shared/cdevents-spec/", import.meta.url));

/** Where one release's files live and which of them belong to Cairn's declarations. */
export interface SpecRelease {
  /** Cairn's release key. */
  readonly release: Release;
  /** Folder under {@link SPEC_ROOT}. */
  readonly dir: string;
  /** Folder of the examples inside `dir` (`examples` in 0.3.0, `conformance` later). */
  readonly examples: string;
  /** Number of event types (and examples) Cairn declares for it. */
  readonly count: number;
  /** Keeps only the files of this release that Cairn declares (the draft: approval events only). */
  readonly keep: (file: string) => boolean;
}

/** The releases Cairn declares, with the spec folders they come from. */
export const SPEC_RELEASES: readonly SpecRelease[] = [
  { release: "0.3.0", dir: "v0.3.0", examples: "examples", count: 39, keep: () => true },
  { release: "0.4.1", dir: "v0.4.1", examples: "conformance", count: 45, keep: () => true },
  { release: "0.5.1", dir: "v0.5.1", examples: "conformance", count: 45, keep: () => true },
  {
    release: "0.6.0-draft",
    dir: "main-8917b18",
    examples: "conformance",
    count: 3,
    keep: (f) => f.startsWith("approval"),
  },
];

/** A JSON object read from a spec file. */
export type Json = { [key: string]: unknown };

/** True when the spec files are there. */
export function specAvailable(): boolean {
  return existsSync(SPEC_ROOT);
}

/**
 * Call first in a test that reads spec files: returns false (and marks the test skipped) when they are absent,
 * or fails the test when `CI` is set.
 */
export function needSpec(t: { skip(message?: string): void }): boolean {
  if (specAvailable()) return true;
  const message = `../shared/cdevents-spec not found: expected the official spec files at ${SPEC_ROOT}`;
  if (process.env.CI) assert.fail(`${message} (required when CI is set)`);
  t.skip(message);
  return false;
}

function readJsonFiles(dir: string, keep: (file: string) => boolean): { file: string; json: Json }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && keep(f))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as Json }));
}

/** The official examples of a release Cairn declares (`<subject>_<predicate>.json`). */
export function officialExamples(r: SpecRelease): { file: string; json: Json }[] {
  return readJsonFiles(`${SPEC_ROOT}${r.dir}/${r.examples}`, r.keep);
}

/** The official event schemas of a release Cairn declares (`schemas/<subject><predicate>.json`). */
export function officialSchemas(r: SpecRelease): { file: string; json: Json }[] {
  return readJsonFiles(`${SPEC_ROOT}${r.dir}/schemas`, r.keep);
}

/** The official link schemas of a release (`schemas/links/*.json`; none in 0.3.0). */
export function officialLinkSchemas(r: SpecRelease): Json[] {
  const dir = `${SPEC_ROOT}${r.dir}/schemas/links`;
  return existsSync(dir) ? readJsonFiles(dir, () => true).map((x) => x.json) : [];
}

/** The single `context.type` an official event schema accepts. */
export function schemaType(schema: Json): string {
  const context = (schema.properties as Json).context as Json;
  const type = (context.properties as Json).type as Json;
  const values = type.enum as string[];
  assert.equal(values.length, 1, `${String(schema.$id)}: context.type enum should hold one value`);
  return values[0] as string;
}

/** One official example event file, with its text. */
export interface Example {
  readonly release: Release;
  /** Path under {@link SPEC_ROOT}, e.g. `v0.5.1/conformance/build_finished.json`. */
  readonly file: string;
  readonly text: string;
  readonly json: Json;
}

/**
 * Every official example event of the releases Cairn declares, custom `conformance.json` included (drafts only when
 * asked); empty when the spec files are absent.
 */
export function allExamples(options: { drafts?: boolean } = {}): Example[] {
  if (!specAvailable()) return [];
  const out: Example[] = [];
  for (const r of SPEC_RELEASES) {
    if (r.release === "0.6.0-draft" && !options.drafts) continue;
    const folders = [r.examples, ...(r.release === "0.4.1" || r.release === "0.5.1" ? ["custom"] : [])];
    for (const folder of folders) {
      const dir = `${SPEC_ROOT}${r.dir}/${folder}`;
      const keep = folder === "custom" ? (f: string) => f === "conformance.json" : r.keep;
      for (const file of readdirSync(dir)
        .filter((f) => f.endsWith(".json") && keep(f))
        .sort()) {
        const text = readFileSync(`${dir}/${file}`, "utf8");
        out.push({ release: r.release, file: `${r.dir}/${folder}/${file}`, text, json: JSON.parse(text) as Json });
      }
    }
  }
  return out;
}
