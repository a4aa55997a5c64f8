/**
 * Compiles what `cairn` runs to JavaScript: each runtime package's `src/` into its `dist/` (see its
 * `tsconfig.build.json`), and the bench's server children into `bench/dist/`. `npm install` runs it (`prepare`),
 * and so does `npm run typecheck`, which the tests run: the compiled CLI the tests start is never stale.
 *
 * Why compiled: Node strips TypeScript types with a WebAssembly compiler that stays loaded in every thread that
 * loads a `.ts` file, about 15 MiB each; the hub has two (the event loop and the SQLite writer).
 * @module
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";

const PROJECTS = ["packages/cdevents", "packages/cesql", "packages/router", "packages/hub", "packages/cli", "bench"];
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

function compile(project: string): Promise<void> {
  // A file removed from src/ must not live on in dist/.
  rmSync(`${project}/dist`, { recursive: true, force: true });
  const child = spawn(process.execPath, [tsc, "-p", `${project}/tsconfig.build.json`], { stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`tsc failed for ${project} (exit ${code})`)),
    );
  });
}

const results = await Promise.allSettled(PROJECTS.map(compile));
const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
for (const f of failed) console.error(f.reason instanceof Error ? f.reason.message : String(f.reason));
if (failed.length > 0) process.exit(1);
