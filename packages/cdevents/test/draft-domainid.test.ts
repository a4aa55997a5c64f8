/** The 0.6 draft's domain ids in RELATION links, against the spec's own vectors (conformance/formats/domainid.json). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { createCDEvents } from "../src/index.ts";
import { needSpec, SPEC_ROOT } from "./spec-files.ts";

test("every valid domain-id vector is accepted and every invalid one rejected in RELATION targets", (t) => {
  if (!needSpec(t)) return;
  const read = (p: string) => JSON.parse(readFileSync(`${SPEC_ROOT}main-8917b18/${p}`, "utf8"));
  const vectors = read("conformance/formats/domainid.json") as {
    valid: { expected: string }[];
    invalid: { input: string; reason: string }[];
  };
  const base = read("conformance/approval_closed.json");
  const kit = createCDEvents({ drafts: true });
  const withTarget = (domainId: string) => {
    const e = structuredClone(base);
    e.context.links = [{ linkType: "RELATION", linkKind: "ABOUT", target: { domainId } }];
    return kit.parse(e);
  };
  assert.ok(vectors.valid.length >= 7 && vectors.invalid.length >= 7);
  for (const v of vectors.valid) assert.ok(withTarget(v.expected).ok, v.expected);
  for (const v of vectors.invalid) {
    const r = withTarget(v.input);
    assert.ok(!r.ok && r.issues.some((i) => i.path.startsWith("/context/links/0/target")), `${v.input}: ${v.reason}`);
  }
});
