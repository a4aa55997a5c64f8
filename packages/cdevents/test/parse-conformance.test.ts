/**
 * Conformance: every official example of ../shared parses through the one entry point, validates, and
 * re-serialises to an equal JSON value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createCDEvents } from "../src/index.ts";
import { allExamples, needSpec } from "./spec-files.ts";

test("every official example parses, validates and re-serialises to an equal JSON value", (t) => {
  if (!needSpec(t)) return;
  const kit = createCDEvents({ drafts: true });
  const examples = allExamples({ drafts: true });
  assert.equal(examples.length, 39 + 45 + 1 + 45 + 1 + 3);
  for (const ex of examples) {
    const r = kit.parse(ex.text);
    assert.ok(r.ok, `${ex.file}: ${JSON.stringify(!r.ok && r.issues)}`);
    assert.equal(r.kind, ex.file.includes("/custom/") ? "custom" : "exact", ex.file);
    assert.equal(r.release, ex.file.includes("v0.4.1/custom") ? "0.4.1" : ex.release, ex.file);
    assert.deepEqual(JSON.parse(JSON.stringify(r.event)), ex.json, ex.file);
    const expected = ex.release === "0.3.0" ? "absent" : "unchecked";
    assert.equal(r.schemaUri, expected, `${ex.file}: its schemaUri does not resolve and nothing fetches`);
  }
});

test("with permissive schemas registered for their schemaUri, the examples are fully checked", (t) => {
  if (!needSpec(t)) return;
  const open = { type: "object", additionalProperties: true };
  const kit = createCDEvents({
    schemas: { "https://myorg.com/schema/custom": open, "https://myorg.com/schema/mytool": open },
  });
  for (const ex of allExamples()) {
    const r = kit.parse(ex.json);
    assert.ok(r.ok && r.schemaUri === (ex.release === "0.3.0" ? "absent" : "checked"), ex.file);
  }
});

test("a fetcher that cannot reach the examples' schemaUri makes them errors, as the spec requires", async (t) => {
  if (!needSpec(t)) return;
  const kit = createCDEvents({
    fetchSchemas: { allow: ["https://myorg.com/"], fetch: () => Promise.reject(new Error("unreachable")) },
  });
  const [first] = allExamples().filter((e) => e.release === "0.5.1");
  const r = await kit.parseAsync(first?.json ?? {});
  assert.ok(!r.ok && r.issues[0]?.code === "schema_unresolved");
});
