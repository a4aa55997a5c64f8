import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { cairn, ROOT } from "./helpers.ts";

const COMMANDS = [
  "validate",
  "send",
  "listen",
  "serve",
  "events",
  "tail",
  "subscriptions",
  "deadletters",
  "triggers",
  "convert",
  "types",
];

describe("cairn (top level)", () => {
  it("--help lists every command and exits 0", async () => {
    const r = await cairn(["--help"]);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c} `, "m"));
  });

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}/packages/cli/package.json`, "utf8"));
    const r = await cairn(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `cairn ${version}`);
  });

  for (const c of COMMANDS) {
    it(`${c} --help and help ${c} exit 0 with the command's usage`, async () => {
      for (const args of [
        [c, "--help"],
        [c, "-h"],
        ["help", c],
      ]) {
        const r = await cairn(args);
        assert.equal(r.code, 0, args.join(" "));
        assert.match(r.stdout, new RegExp(`^Usage: cairn ${c} `));
        assert.equal(r.stderr, "");
      }
    });
  }

  it("no command prints the help on stderr and exits 2", async () => {
    const r = await cairn([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: cairn <command>/);
  });

  it("an unknown command or top-level option exits 2 with one clear line", async () => {
    for (const args of [["frobnicate"], ["--frobnicate"], ["help", "frobnicate"]]) {
      const r = await cairn(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^cairn: unknown (command|option) -*frobnicate\n/);
    }
  });

  it("an unknown flag of a command exits 2 and points to the command's help", async () => {
    const r = await cairn(["validate", "--frobnicate", "x.json"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "cairn: unknown option --frobnicate\nRun 'cairn validate --help' for usage.\n");
  });

  it("a missing option value exits 2", async () => {
    const r = await cairn(["convert", "x.json", "--to"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^cairn: option --to needs a value/);
  });

  it("errors show no stack unless --verbose", async () => {
    const quiet = await cairn(["convert", "--to", "0.5.1", "no-such-file.json"]);
    assert.equal(quiet.code, 1);
    assert.equal(quiet.stderr, "cairn: cannot read no-such-file.json: no such file\n");
    for (const args of [
      ["convert", "--to", "0.5.1", "no-such-file.json", "--verbose"],
      ["--verbose", "convert", "--to", "0.5.1", "no-such-file.json"],
    ]) {
      const verbose = await cairn(args);
      assert.equal(verbose.code, 1);
      assert.match(verbose.stderr, /^cairn: cannot read no-such-file.json: no such file\n/);
      assert.match(verbose.stderr, /\n\s+at /, "a stack trace");
    }
  });
});
