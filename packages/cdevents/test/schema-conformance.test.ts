/**
 * Every official example validates against Cairn's declaration of its type, and the declared types are exactly
 * those of the official schemas.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventValidator } from "../src/schema/event-validators.ts";
import { draftFamilies, stableFamilies } from "../src/spec/catalog.ts";
import { eventDefs, findEventDef } from "../src/spec/registry.ts";
import { DRAFT_RELEASE } from "../src/spec/releases.ts";
import { type Json, needSpec, officialExamples, officialSchemas, SPEC_RELEASES, schemaType } from "./spec-files.ts";

const declared = (release: string) => eventDefs({ drafts: true }).filter((d) => d.release === release);

test("declared type counts per release: 39, 45, 45 and 3 draft", () => {
  for (const r of SPEC_RELEASES) assert.equal(declared(r.release).length, r.count, `types declared for ${r.release}`);
  assert.equal(eventDefs().length, 39 + 45 + 45);
  assert.equal(eventDefs({ drafts: true }).length, 39 + 45 + 45 + 3);
});

test("draft families are approval.* only, in the draft release only, and never stable", () => {
  for (const f of Object.values(draftFamilies)) {
    assert.equal(f.subject, "approval");
    assert.deepEqual(Object.keys(f.versions), [DRAFT_RELEASE]);
  }
  for (const f of Object.values(stableFamilies)) {
    assert.ok(!(DRAFT_RELEASE in f.versions), `${f.subject}.${f.predicate} declares a draft version`);
  }
  for (const d of eventDefs({ drafts: true })) assert.equal(d.draft, d.release === DRAFT_RELEASE, d.type);
  assert.ok(eventDefs().every((d) => !d.draft));
});

for (const r of SPEC_RELEASES) {
  test(`${r.release}: the declared types are exactly the official schemas' context.type values`, (t) => {
    if (!needSpec(t)) return;
    const official = officialSchemas(r).map((s) => schemaType(s.json));
    assert.equal(official.length, r.count, "official schema files");
    const ours = declared(r.release).map((d) => d.type);
    assert.deepEqual([...ours].sort(), [...official].sort());
  });

  test(`${r.release}: every official example validates in strict mode`, (t) => {
    if (!needSpec(t)) return;
    const examples = officialExamples(r);
    assert.equal(examples.length, r.count, "official example files");
    const failures: string[] = [];
    for (const { file, json } of examples) {
      const type = String((json.context as Json | undefined)?.type);
      const def = findEventDef(type);
      if (!def) {
        failures.push(`${file}: ${type} is not declared`);
        continue;
      }
      if (def.release !== r.release) failures.push(`${file}: ${type} is declared for ${def.release}`);
      const issues = eventValidator(def, { mode: "strict" }).issues(json);
      for (const i of issues) failures.push(`${file}: ${i.path} ${i.code}: ${i.message}`);
    }
    assert.deepEqual(failures, []);
  });
}
