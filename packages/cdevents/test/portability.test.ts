/**
 * The SDK core runs in browsers and edge runtimes: no Node built-ins. `npm run typecheck` also compiles src/ with
 * only the DOM and ES libraries (packages/cdevents/tsconfig.json, no @types/node), which fails on any Node API.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const SRC = new URL("../src/", import.meta.url);

function files(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(new URL(`${d.name}/`, dir)) : d.name.endsWith(".ts") ? [new URL(d.name, dir)] : [],
  );
}

test("no source file imports a Node built-in or uses Node-only globals", () => {
  const all = files(SRC);
  assert.ok(all.length > 20);
  for (const f of all) {
    const text = readFileSync(f, "utf8");
    assert.doesNotMatch(text, /from\s+["'](node:|fs|path|http|crypto|buffer|stream|os|url|util)["']/, f.pathname);
    assert.doesNotMatch(text, /\brequire\(|\bBuffer\.|\bprocess\.|__dirname/, f.pathname);
  }
});

test("the package imports only itself (no runtime dependencies)", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
  for (const f of files(SRC)) {
    for (const m of readFileSync(f, "utf8").matchAll(/from\s+["']([^"']+)["']/g))
      assert.match(m[1] ?? "", /^\.\.?\//, `${f.pathname}: ${m[1]}`);
  }
});
