import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { cairn, examples, needSpec, SPEC, tempDir } from "./helpers.ts";

interface Result {
  input: string;
  ok: boolean;
  type: string | null;
  release: string | null;
  kind: string | null;
  issues: { code: string; path: string; message: string }[];
  notes: string[];
}

const FOLDERS = ["v0.3.0/examples", "v0.4.1/conformance", "v0.4.1/custom", "v0.5.1/conformance", "v0.5.1/custom"];
const example = (name: string) => join(SPEC, "v0.5.1/conformance", name);

/** Writes a mutated copy of an official example into a temp dir and returns its path. */
function mutated(t: TestContext, name: string, change: (e: Record<string, Record<string, unknown>>) => void): string {
  const event = JSON.parse(readFileSync(example(name), "utf8"));
  change(event);
  const file = join(tempDir(t), name);
  writeFileSync(file, JSON.stringify(event));
  return file;
}

describe("cairn validate: official examples", () => {
  for (const folder of FOLDERS) {
    it(`accepts every example of ${folder}`, async (t) => {
      if (!needSpec(t)) return;
      const files = examples(folder);
      assert.ok(files.length > 0);
      const r = await cairn(["validate", "--json", ...files]);
      assert.equal(r.code, 0, r.stdout);
      const results: Result[] = JSON.parse(r.stdout);
      assert.deepEqual(
        results.map((x) => x.input),
        files,
      );
      for (const x of results) {
        assert.equal(x.ok, true, `${x.input}: ${JSON.stringify(x.issues)}`);
        assert.equal(x.release, folder.slice(1, 6));
        assert.equal(x.kind, folder.endsWith("custom") ? "custom" : "exact");
      }
      // Conformance examples name a schemaUri nobody serves: valid, with a note saying it was not checked.
      if (!folder.startsWith("v0.3.0"))
        for (const x of results) assert.match(x.notes.join("\n"), /schemaUri .* was not checked/);
    });
  }

  it("prints ✓ lines with type, release and kind, notes indented", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["validate", example("build_finished.json")]);
    assert.equal(r.code, 0);
    const [first, note] = r.stdout.split("\n");
    assert.equal(first, `✓ ${example("build_finished.json")}  dev.cdevents.build.finished.0.3.0 (0.5.1, exact)`);
    assert.match(note ?? "", /^ {4}note: schemaUri https:\/\/\S+ was not checked/);
  });

  it("accepts the 0.6 draft approval examples with --drafts only", async (t) => {
    if (!needSpec(t)) return;
    const files = examples("main-8917b18/conformance").filter((f) => f.includes("approval_"));
    assert.equal((await cairn(["validate", "--drafts", ...files])).code, 0);
    const without = await cairn(["validate", ...files]);
    assert.equal(without.code, 1);
    assert.match(without.stdout, /^ {2}\/context\/type: .*draft.*\(unknown_type\)$/m);
  });
});

describe("cairn validate: invalid events", () => {
  const cases: [string, (e: Record<string, Record<string, unknown>>) => void, RegExp][] = [
    ["a dropped required field", (e) => delete e.context?.id, /^ {2}\/context\/id: .*\(required\)$/m],
    [
      "a bad timestamp",
      (e) => Object.assign(e.context ?? {}, { timestamp: "yesterday" }),
      /^ {2}\/context\/timestamp: .*\(format\)$/m,
    ],
    [
      "an unknown field",
      (e) => Object.assign(e.subject ?? {}, { colour: "red" }),
      /^ {2}\/subject\/colour: .*\(unknown_field\)$/m,
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`rejects ${what} with exit 1, naming the JSON path`, async (t) => {
      if (!needSpec(t)) return;
      const file = mutated(t, "build_finished.json", change);
      const r = await cairn(["validate", file]);
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        new RegExp(`^✗ ${file.replaceAll(/[.*+?^${}()|[\]\\/]/g, "\\$&")}  dev\\.cdevents\\.build\\.finished`),
      );
      assert.match(r.stdout, expected);
    });
  }

  it("reports JSON syntax errors with their position", async (t) => {
    const file = join(tempDir(t), "broken.json");
    writeFileSync(file, '{"context": {');
    const r = await cairn(["validate", file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\(json_syntax\)/);
  });

  it("--json lists every input in order, unreadable ones included, and exits 1", async (t) => {
    if (!needSpec(t)) return;
    const bad = mutated(t, "build_finished.json", (e) => delete e.context?.id);
    const good = example("build_started.json");
    const missing = join(tempDir(t), "missing.json");
    const r = await cairn(["validate", "--json", good, bad, missing]);
    assert.equal(r.code, 1);
    const results: Result[] = JSON.parse(r.stdout);
    assert.deepEqual(
      results.map((x) => [x.input, x.ok]),
      [
        [good, true],
        [bad, false],
        [missing, false],
      ],
    );
    for (const x of results)
      assert.deepEqual(Object.keys(x), ["input", "ok", "type", "release", "kind", "issues", "notes"]);
    assert.equal(results[1]?.type, "dev.cdevents.build.finished.0.3.0");
    assert.deepEqual(results[1]?.issues[0], { code: "required", path: "/context/id", message: "is required" });
    assert.equal(results[2]?.issues[0]?.code, "read_error");
    assert.equal(r.stderr, `cairn: cannot read ${missing}: no such file\n`);
  });

  it("--jsonl prints one JSON object per line", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["validate", "--jsonl", example("build_started.json"), example("build_queued.json")]);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1] ?? "").type, "dev.cdevents.build.queued.0.3.0");
  });

  it("--quiet prints only failures", async (t) => {
    if (!needSpec(t)) return;
    const bad = mutated(t, "build_finished.json", (e) => delete e.context?.source);
    const r = await cairn(["validate", "--quiet", example("build_started.json"), bad]);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /✓/);
    assert.match(r.stdout, /^✗ .*\n {2}\/context\/source: is required \(required\)\n$/);
    assert.equal((await cairn(["validate", "-q", example("build_started.json")])).stdout, "");
  });
});

describe("cairn validate: inputs", () => {
  it("reads stdin for -", async (t) => {
    if (!needSpec(t)) return;
    const r = await cairn(["validate", "--json", "-"], readFileSync(example("build_started.json"), "utf8"));
    assert.equal(r.code, 0);
    assert.deepEqual(
      JSON.parse(r.stdout).map((x: Result) => [x.input, x.ok]),
      [["<stdin>", true]],
    );
  });

  it("reads .jsonl files one event per line, reporting file:line", async (t) => {
    if (!needSpec(t)) return;
    const file = join(tempDir(t), "events.jsonl");
    const good = JSON.stringify(JSON.parse(readFileSync(example("build_started.json"), "utf8")));
    writeFileSync(file, `${good}\n\n{"context":{}}\r\n${good}\n`);
    const r = await cairn(["validate", "--json", file]);
    assert.equal(r.code, 1);
    assert.deepEqual(
      JSON.parse(r.stdout).map((x: Result) => [x.input, x.ok]),
      [
        [`${file}:1`, true],
        [`${file}:3`, false],
        [`${file}:4`, true],
      ],
    );
  });

  it("--lines reads stdin as JSON Lines", async (t) => {
    if (!needSpec(t)) return;
    const good = JSON.stringify(JSON.parse(readFileSync(example("build_started.json"), "utf8")));
    const r = await cairn(["validate", "--lines", "-"], `${good}\n${good}\n`);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^✓ <stdin>:1 .*\n.*note.*\n✓ <stdin>:2 /);
  });

  it("exits 2 on usage errors", async () => {
    for (const args of [["validate"], ["validate", "-", "-"], ["validate", "--json=yes", "x.json"]]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^cairn: .*\nRun 'cairn validate --help' for usage\.\n$/);
    }
  });
});

describe("cairn validate --schema", () => {
  const custom = () => join(SPEC, "v0.5.1/custom/conformance.json");
  const TYPE = "dev.cdeventsx.mytool-resource.created.0.1.0";
  const content = (required: string[]) => ({
    type: "object",
    properties: { user: { type: "string" }, description: { type: "string" } },
    required,
  });

  it("TYPE=FILE checks the content of a custom type", async (t) => {
    if (!needSpec(t)) return;
    const dir = tempDir(t);
    writeFileSync(join(dir, "ok.json"), JSON.stringify(content(["user"])));
    writeFileSync(join(dir, "strict.json"), JSON.stringify(content(["owner"])));
    assert.equal((await cairn(["validate", "--schema", `${TYPE}=${join(dir, "ok.json")}`, custom()])).code, 0);
    const r = await cairn(["validate", "--schema", `${TYPE}=${join(dir, "strict.json")}`, custom()]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ {2}\/subject\/content\/owner: .*\(required\)$/m);
  });

  it("a bare FILE whose $id is a custom type registers content", async (t) => {
    if (!needSpec(t)) return;
    const file = join(tempDir(t), "content.json");
    writeFileSync(file, JSON.stringify({ $id: TYPE, ...content(["owner"]) }));
    const r = await cairn(["validate", "--json", "--schema", file, custom()]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout)[0].issues[0].path, "/subject/content/owner");
  });

  it("URI=FILE checks context.schemaUri, so no 'not checked' note remains", async (t) => {
    if (!needSpec(t)) return;
    const file = join(tempDir(t), "mytool.json");
    writeFileSync(file, JSON.stringify({ type: "object", required: ["context", "subject"] }));
    const r = await cairn(["validate", "--json", "--schema", `https://myorg.com/schema/mytool=${file}`, custom()]);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(JSON.parse(r.stdout)[0].notes, []);
  });

  it("a schema without $id and without KEY= is a usage error; an unreadable one exit 1", async (t) => {
    const file = join(tempDir(t), "anonymous.json");
    writeFileSync(file, JSON.stringify({ type: "object" }));
    const anonymous = await cairn(["validate", "--schema", file, "x.json"]);
    assert.equal(anonymous.code, 2);
    assert.match(anonymous.stderr, /has no \$id/);
    const missing = await cairn(["validate", "--schema", "dev.cdeventsx.a-b.c.1.0.0=nope.json", "x.json"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cairn: cannot read schema nope\.json: no such file$/m);
  });
});
