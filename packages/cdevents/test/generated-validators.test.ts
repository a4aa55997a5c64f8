/**
 * The generated predicates (src/generated/validators.generated.ts) are derived from the declarations; this test
 * regenerates them in memory and fails when the committed file is stale. Their agreement with the compiled
 * closures is checked over every mutant of the differential test.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { GENERATED_FILE, generateValidatorsModule } from "../scripts/generate-validators.ts";
import { STRICT_PREDICATES } from "../src/generated/validators.generated.ts";
import { eventDefs } from "../src/spec/registry.ts";

test("the generated validators are up to date (run scripts/generate-validators.ts after changing a declaration)", () => {
  assert.equal(readFileSync(GENERATED_FILE, "utf8"), generateValidatorsModule());
});

test("every declared type, drafts included, has a generated predicate, and nothing else does", () => {
  assert.deepEqual(
    Object.keys(STRICT_PREDICATES).sort(),
    eventDefs({ drafts: true })
      .map((d) => d.type)
      .sort(),
  );
});
