import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cairn } from "./helpers.ts";

interface Row {
  type: string;
  name: string;
  version: string;
  release: string;
  draft: boolean;
}

describe("cairn types", () => {
  it("lists every stable type with its release", async () => {
    const r = await cairn(["types"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^dev\.cdevents\.build\.finished\.0\.3\.0 +0\.5\.1$/m);
    assert.match(r.stdout, /^dev\.cdevents\.build\.finished\.0\.1\.1 +0\.3\.0$/m);
    assert.doesNotMatch(r.stdout, /approval/);
  });

  it("--json --release filters by release; --drafts adds the draft types", async () => {
    const rows: Row[] = JSON.parse((await cairn(["types", "--json", "--release", "0.4.1"])).stdout);
    assert.ok(rows.length > 20);
    assert.ok(rows.every((r) => r.release === "0.4.1" && !r.draft));
    assert.deepEqual(Object.keys(rows[0] ?? {}), ["type", "name", "version", "release", "draft"]);
    const drafts: Row[] = JSON.parse((await cairn(["types", "--json", "--drafts"])).stdout);
    assert.ok(drafts.some((r) => r.draft && r.name === "approval.created"));
  });

  it("exits 2 for an unknown release or an argument", async () => {
    assert.equal((await cairn(["types", "--release", "9.9.9"])).code, 2);
    assert.equal((await cairn(["types", "extra"])).code, 2);
  });
});
