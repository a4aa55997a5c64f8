/**
 * The official CESQL v1.0.0 test kit, unchanged: every case of every file is its own subtest, and every one must
 * pass. The totals are checked against the files (counted independently of the YAML reader) and against the
 * kit's known size, so that no case can be skipped silently.
 * @module
 */
import assert from "node:assert/strict";
import test from "node:test";
import { compile, evaluate, matches } from "../src/index.ts";
import { loadTck, needTck, type TckCase } from "./tck-files.ts";

/** The kit of CESQL v1.0.0: 18 files, 275 cases. A different count means the kit changed and needs a look. */
const EXPECTED_FILES = 18;
const EXPECTED_CASES = 275;

/**
 * The event of cases that give none: "any valid event can be passed" (the kit's README). A full one, with every
 * optional context attribute and no extension, so that `missing`, `myext` and the like are absent.
 */
const DEFAULT_EVENT: Readonly<Record<string, unknown>> = {
  specversion: "1.0",
  id: "tck-default-event",
  source: "https://example.com/tck",
  type: "com.example.tck",
  subject: "tck-subject",
  time: "2018-04-26T14:48:09+02:00",
  datacontenttype: "application/json",
  dataschema: "https://example.com/tck/schema.json",
};

function inputEvent(c: TckCase): Record<string, unknown> {
  return { ...(c.event ?? DEFAULT_EVENT), ...c.eventOverrides };
}

function runCase(c: TckCase): void {
  const compiled = compile(c.expression);
  if (c.error === "parse") {
    assert.equal(compiled.ok, false, `expected a parse error for ${c.expression}`);
    if (!compiled.ok) assert.equal(compiled.error.kind, "parse");
    return;
  }
  assert.ok(compiled.ok, `parse failed: ${compiled.ok ? "" : JSON.stringify(compiled.error)}`);
  const event = inputEvent(c);
  const { value, errors } = evaluate(compiled.expression, event);
  if (c.result !== undefined) assert.strictEqual(value, c.result, `value of ${c.expression}`);
  if (c.error === undefined) assert.deepEqual(errors, [], `no error expected for ${c.expression}`);
  else {
    assert.ok(errors.length > 0, `expected a ${c.error} error for ${c.expression}`);
    for (const e of errors) assert.equal(e.kind, c.error, `error kinds of ${c.expression}: ${JSON.stringify(errors)}`);
  }
  // The filter verdict agrees with the complete evaluation.
  assert.equal(matches(compiled.expression, event), value === true && errors.length === 0);
}

test("CESQL test kit (cesql-tck)", async (t) => {
  if (!needTck(t)) return;
  const files = loadTck();
  const total = files.reduce((n, f) => n + f.cases.length, 0);
  let ran = 0;
  for (const file of files) {
    await t.test(`${file.file}: ${file.name}`, async (t) => {
      for (const c of file.cases) {
        await t.test(c.name, () => {
          ran++;
          runCase(c);
        });
      }
    });
  }
  await t.test("every case of every file ran", () => {
    for (const f of files) assert.equal(f.cases.length, f.declared, `${f.file}: cases read vs "- name:" entries`);
    assert.equal(files.length, EXPECTED_FILES, "files in the kit");
    assert.equal(total, EXPECTED_CASES, "cases in the kit");
    assert.equal(ran, total, "cases run");
  });
});
