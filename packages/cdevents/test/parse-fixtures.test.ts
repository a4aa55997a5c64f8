/**
 * Cairn's own edge-case fixtures (test/fixtures/parse/*.json): each names an input (an object, or raw `text`),
 * parser options, and the expected verdict. They are language-neutral on purpose, so other SDKs can reuse them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { createCDEvents, type Issue, type JsonSchema, type ParseResult, readCustomData } from "../src/index.ts";

interface Fixture {
  description: string;
  input?: unknown;
  text?: string;
  options?: {
    compat?: Record<string, boolean>;
    unknownTypes?: "reject" | "accept";
    drafts?: boolean;
    purl?: boolean;
    schemas?: Record<string, JsonSchema>;
    customContent?: Record<string, JsonSchema>;
  };
  expect: {
    ok: boolean;
    kind?: string;
    compat?: string;
    release?: string;
    type?: string;
    registered?: boolean;
    schemaUri?: string;
    codes?: string[];
    paths?: string[];
    message?: string;
    preserved?: string[];
    customData?: { kind: string; value?: unknown; text?: string };
  };
}

const dir = new URL("./fixtures/parse/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

function pointer(root: unknown, p: string): unknown {
  let cur = root;
  for (const k of p.split("/").slice(1)) cur = (cur as Record<string, unknown>)?.[k];
  return cur;
}

function run(f: Fixture): ParseResult {
  const { customContent, ...options } = f.options ?? {};
  const kit = createCDEvents(options);
  for (const [type, schema] of Object.entries(customContent ?? {})) kit.registerCustomContent(type, schema);
  return kit.parse((f.text ?? f.input) as string);
}

test("there are fixtures", () => assert.ok(files.length >= 60));

for (const file of files) {
  const f = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Fixture;
  test(`${file.replace(/\.json$/, "")}: ${f.description}`, () => {
    const r = run(f);
    const e = f.expect;
    const show = r.ok ? "" : JSON.stringify(r.issues);
    assert.equal(r.ok, e.ok, show);
    if (!r.ok) {
      const issues: readonly Issue[] = r.issues;
      for (const c of e.codes ?? [])
        assert.ok(
          issues.some((i) => i.code === c),
          `expected code ${c} in ${show}`,
        );
      for (const p of e.paths ?? [])
        assert.ok(
          issues.some((i) => i.path === p),
          `expected path ${p} in ${show}`,
        );
      if (e.message)
        assert.ok(
          issues.some((i) => i.message.includes(e.message as string)),
          `expected "${e.message}" in ${show}`,
        );
      for (const i of issues) assert.ok(i.message.length > 0 && typeof i.path === "string");
      const distinct = new Set(issues.map((i) => JSON.stringify(i)));
      assert.equal(distinct.size, issues.length, `no issue is reported twice: ${show}`);
      return;
    }
    for (const k of ["kind", "compat", "release", "type", "registered", "schemaUri"] as const)
      if (e[k] !== undefined) assert.equal((r as unknown as Record<string, unknown>)[k], e[k], k);
    for (const p of e.preserved ?? []) assert.deepEqual(pointer(r.event, p), pointer(f.input, p), `kept ${p}`);
    if (e.customData) {
      const cd = readCustomData(r.event as { customData?: unknown; customDataContentType?: string });
      assert.equal(cd.kind, e.customData.kind);
      if (cd.kind === "json") assert.deepEqual(cd.value, e.customData.value);
      if (cd.kind === "bytes") assert.equal(new TextDecoder().decode(cd.bytes), e.customData.text);
    }
    if (f.input !== undefined)
      assert.deepEqual(JSON.parse(JSON.stringify(r.event)), f.input, "the event is the input, unchanged");
  });
}
