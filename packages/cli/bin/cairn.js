#!/usr/bin/env -S node --conditions=cairn-compiled --max-semi-space-size=8 --heap-growing-percent=100 --v8-pool-size=0
// The `cairn` command: runs `dist/bin.js`, the compiled `src/bin.ts` that `npm install` builds (scripts/build.ts).
//
// `--conditions=cairn-compiled` makes every `@cairn/*` package resolve to its compiled `dist/` too: Node strips
// TypeScript types with a WebAssembly compiler that stays loaded, about 15 MiB in each thread that loads a `.ts`
// file, 30 MiB for the hub's two (its event loop and its SQLite writer). This file is plain JavaScript for the
// same reason, and because npm links a command before `npm install` builds anything.
//
// The V8 flags keep `cairn serve` lean under load: by default V8 lets the young generation grow to 128 MiB and the
// old one to several times its live data on a large machine, which more than doubles the hub's resident set
// (docs/benchmarks.md). `--v8-pool-size=0` sizes V8's background threads (GC helpers, compilers) to the machine
// instead of a fixed 4: on a 2-core machine, 4 of them next to the event loop and the SQLite writer thread took the
// cores in bursts and set the delivery tail (docs/benchmarks.md). Running `node [flags] src/bin.ts` directly
// ignores this line, so other values can be chosen.
try {
  await import("../dist/bin.js");
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist")) throw e;
  console.error(`cairn is not built (${e.message}): run npm install, or npm run build`);
  process.exitCode = 1;
}
