/**
 * Access to the official CDEvents files in ../shared (read-only, never copied into the repo). Tests that need
 * them skip with a clear message where ../shared is absent, and fail in CI.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { TestContext } from "node:test";

/** Root of the shared folder, beside the repository. */
export const SHARED = new URL("../../../../shared/", import.meta.url);
/** The spec folder. */
export const SPEC = new URL("cdevents-spec/", SHARED);

/** True when the spec files are present; otherwise skips the test (or fails it in CI). */
export function needSpec(t: TestContext): boolean {
  if (existsSync(SPEC)) return true;
  if (process.env.CI) throw new Error(`../shared/cdevents-spec not found at ${SPEC.pathname}; CI must have it`);
  t.skip(`../shared/cdevents-spec not found at ${SPEC.pathname}: conformance tests skipped`);
  return false;
}

/** One official example file. */
export interface Example {
  readonly release: "0.3.0" | "0.4.1" | "0.5.1" | "0.6.0-draft";
  readonly file: string;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

const FOLDERS = [
  ["0.3.0", "v0.3.0/examples"],
  ["0.4.1", "v0.4.1/conformance"],
  ["0.4.1", "v0.4.1/custom"],
  ["0.5.1", "v0.5.1/conformance"],
  ["0.5.1", "v0.5.1/custom"],
  ["0.6.0-draft", "main-8917b18/conformance"],
] as const;

/** Every official example event (custom `conformance.json` included; drafts only when asked). */
export function officialExamples(options: { drafts?: boolean } = {}): Example[] {
  const out: Example[] = [];
  if (!existsSync(SPEC)) return out;
  for (const [release, folder] of FOLDERS) {
    if (release === "0.6.0-draft" && !options.drafts) continue;
    const dir = new URL(`${folder}/`, SPEC);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith(".json") || file === "schema.json") continue;
      if (release === "0.6.0-draft" && !file.startsWith("approval_")) continue;
      const text = readFileSync(new URL(file, dir), "utf8");
      out.push({ release, file: `${folder}/${file}`, text, json: JSON.parse(text) });
    }
  }
  return out;
}
