#!/usr/bin/env -S node --conditions=cairn-compiled --max-semi-space-size=8 --heap-growing-percent=50 --v8-pool-size=0
// `cairn` runs compiled: this file's `dist/bin.js` (built by `npm install`), whose `--conditions=cairn-compiled`
// makes every `@cairn/*` package resolve to its `dist/` too. Node strips TypeScript types with a WebAssembly
// compiler that stays loaded: about 15 MiB in each thread that loads a `.ts` file, 30 MiB for the hub's two.
// The V8 flags above keep `cairn serve` lean under load: by default V8 lets the young generation grow to 128 MiB and
// the old one to several times its live data on a large machine, which more than doubles the hub's resident set
// (docs/benchmarks.md). `--v8-pool-size=0` sizes V8's background threads (GC helpers, compilers) to the machine
// instead of a fixed 4: on a 2-core machine, 4 of them next to the event loop and the SQLite writer thread took the
// cores in bursts and set the delivery tail (docs/benchmarks.md). Running `node [flags] …/bin.ts` directly ignores
// this line, so other values can be chosen.
import { main } from "./main.ts";

// A reader that stops early (`cairn events --jsonl | head`) closes the pipe: that ends the output, it is not an
// error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
