/**
 * Access to the official CESQL test kit in `../shared/cloudevents-spec/cesql-tck` (read-only, never copied into the
 * repository). Tests that need it skip when it is absent, except under CI, where they fail.
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** The test kit's folder (`../shared/cloudevents-spec/cesql-tck/`, relative to the repository root). */
export const TCK_DIR = fileURLToPath(new URL("../../../../shared/cloudevents-spec/cesql-tck/", import.meta.url));

/** One test case, as the kit's README defines it. */
export interface TckCase {
  readonly name: string;
  readonly expression: string;
  readonly result?: string | number | boolean;
  readonly error?: string;
  readonly event?: Record<string, unknown>;
  readonly eventOverrides?: Record<string, unknown>;
}

/** One file of the kit. */
export interface TckFile {
  readonly file: string;
  readonly name: string;
  readonly cases: readonly TckCase[];
  /** Cases counted in the raw text (`- name:` entries), independently of the YAML reader. */
  readonly declared: number;
}

/** True when the kit is there. */
export function tckAvailable(): boolean {
  return existsSync(TCK_DIR);
}

/**
 * Call first in a test that reads the kit: returns false (and marks the test skipped) when it is absent, or fails
 * the test when `CI` is set.
 */
export function needTck(t: { skip(message?: string): void }): boolean {
  if (tckAvailable()) return true;
  const message = `../shared/cloudevents-spec/cesql-tck not found: expected the CESQL test kit at ${TCK_DIR}`;
  if (process.env.CI) assert.fail(`${message} (required when CI is set)`);
  t.skip(message);
  return false;
}

const ERROR_KINDS = new Set(["parse", "math", "cast", "missingAttribute", "missingFunction", "functionEvaluation"]);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Checks one case's shape, so that a malformed or renamed field fails loudly instead of skipping a check. */
function toCase(raw: unknown, where: string): TckCase {
  assert.ok(isRecord(raw), `${where}: a case must be a mapping`);
  const known = new Set(["name", "expression", "result", "error", "event", "eventOverrides"]);
  for (const key of Object.keys(raw)) assert.ok(known.has(key), `${where}: unknown field ${key}`);
  assert.equal(typeof raw.name, "string", `${where}: name`);
  assert.equal(typeof raw.expression, "string", `${where}: expression`);
  if (raw.result !== undefined)
    assert.ok(["string", "number", "boolean"].includes(typeof raw.result), `${where}: result`);
  if (raw.error !== undefined) assert.ok(ERROR_KINDS.has(String(raw.error)), `${where}: error ${String(raw.error)}`);
  if (raw.event !== undefined) assert.ok(isRecord(raw.event), `${where}: event`);
  if (raw.eventOverrides !== undefined) assert.ok(isRecord(raw.eventOverrides), `${where}: eventOverrides`);
  return raw as unknown as TckCase;
}

/** The `tests` of a kit file read with one YAML schema. */
function readTests(text: string, schema: "core" | "failsafe", file: string): { name: unknown; tests: unknown[] } {
  const doc: unknown = parseYaml(text, { schema });
  assert.ok(isRecord(doc) && Array.isArray(doc.tests), `${file}: name and tests`);
  return { name: doc.name, tests: doc.tests };
}

/**
 * Every file of the kit, sorted by file name. Read twice: with the core schema for typed results and events
 * (`result: 10` is an Integer), and with the failsafe schema for names and expressions, which must stay the text
 * as written (`expression: TRUE` is the expression `TRUE`, not a YAML boolean).
 */
export function loadTck(): TckFile[] {
  return readdirSync(TCK_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const text = readFileSync(`${TCK_DIR}${file}`, "utf8");
      const typed = readTests(text, "core", file);
      const verbatim = readTests(text, "failsafe", file);
      const cases = typed.tests.map((c: unknown, i: number) => {
        const asText = verbatim.tests[i];
        assert.ok(isRecord(c) && isRecord(asText), `${file}#${i}: a case must be a mapping`);
        return toCase({ ...c, name: asText.name, expression: asText.expression }, `${file}#${i}`);
      });
      return { file, name: String(verbatim.name), cases, declared: text.match(/^\s*-\s+name:/gm)?.length ?? 0 };
    });
}
