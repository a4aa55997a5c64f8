import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cairn, needSpec, SPEC, tempDir } from "./helpers.ts";

const v05 = () => join(SPEC, "v0.5.1/conformance/build_finished.json");
const v03 = () => join(SPEC, "v0.3.0/examples/build_finished.json");

describe("cairn convert", () => {
  it("converts up (0.3.0 → 0.5.1) without loss, printing 2-space JSON that validates", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["convert", "--to", "0.5.1", v03()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const event = JSON.parse(r.stdout);
    assert.equal(r.stdout, `${JSON.stringify(event, null, 2)}\n`);
    assert.equal(event.context.specversion, "0.5.1");
    assert.equal(event.context.type, "dev.cdevents.build.finished.0.3.0");
    const check = await cairn(["validate", "--json", "-"], r.stdout);
    assert.equal(JSON.parse(check.stdout)[0].release, "0.5.1");
  });

  it("refuses a lossy conversion down, listing what would be lost", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["convert", "--to", "0.3.0", v05()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^cairn: converting .* to 0\.3\.0 would lose information \(pass --allow-loss to drop it\)\n/,
    );
    for (const path of ["/context/schemaUri", "/context/chainId", "/context/links"])
      assert.match(r.stderr, new RegExp(`^ {2}${path}: .*\\(lossy\\)$`, "m"));
  });

  it("--allow-loss converts down and warns about each loss on stderr", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["convert", "--to", "0.3.0", "--allow-loss", v05()]);
    assert.equal(r.code, 0, r.stderr);
    const event = JSON.parse(r.stdout);
    assert.equal(event.context.version, "0.3.0");
    assert.equal(event.context.chainId, undefined);
    const warnings = r.stderr.trim().split("\n");
    assert.equal(warnings.length, 3);
    for (const w of warnings) assert.match(w, /^cairn: warning: dropped \/context\/(schemaUri|chainId|links): /);
  });

  it("reads stdin and writes --out", async (t) => {
    if (!needSpec(t)) return;
    const out = join(tempDir(t), "converted.json");
    const r = await cairn(["convert", "-t", "0.4.1", "-", "--out", out], readFileSync(v03(), "utf8"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(JSON.parse(readFileSync(out, "utf8")).context.version, "0.4.1");
  });

  it("exits 1 for invalid input", async () => {
    const syntax = await cairn(["convert", "--to", "0.5.1", "-"], "{nope");
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /^cairn: cannot convert <stdin> to 0\.5\.1\n {2}\/: invalid JSON at line 1, column 2/);
    const invalid = await cairn(["convert", "--to", "0.5.1", "-"], JSON.stringify({ context: {} }));
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^cairn: cannot convert <stdin> to 0\.5\.1\n {2}\/context\/type: /);
  });

  it("exits 2 on usage errors", async () => {
    for (const args of [
      ["convert", "x.json"],
      ["convert", "--to", "0.6.0", "x.json"],
      ["convert", "--to", "0.5.1"],
      ["convert", "--to", "0.5.1", "a", "b"],
    ]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /\nRun 'cairn convert --help' for usage\.\n$/);
    }
  });
});
