/**
 * `npm run bench [-- <suite>…]` (or `node bench/run.ts [<suite>…]`): describes the machine, then runs the benchmark
 * suites (all, or those named: `sdk`, `ingest`, `cesql`) and prints Markdown tables, a summary and the raw numbers.
 *
 * Environment: `BENCH_TIME_MS` — minimum sampling time per contender in ms (default 2000), `BENCH_ROUNDS` — rounds
 * (default 4), for the in-process suites; the ingest suite has its own (`INGEST_*`, see `bench/ingest.ts`).
 * @module
 */
import { cesqlSuite } from "./cesql.ts";
import { BenchSetupError } from "./corpus.ts";
import { Bench, describeMachine, type Suite } from "./harness.ts";
import { ingestSuite } from "./ingest.ts";
import { routerSuite } from "./router.ts";
import { sdkSuite } from "./sdk.ts";

/** Every suite, in run order. Add new ones (router…) here. */
const SUITES: readonly Suite[] = [sdkSuite, ingestSuite, cesqlSuite, routerSuite];

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((a) => !SUITES.some((s) => s.name === a));
  if (unknown.length > 0) {
    throw new BenchSetupError(
      `unknown suite ${unknown.join(", ")}; suites: ${SUITES.map((s) => `${s.name} (${s.description})`).join("; ")}`,
    );
  }
  const selected = args.length === 0 ? SUITES : SUITES.filter((s) => args.includes(s.name));
  const timeMs = Number(process.env.BENCH_TIME_MS ?? 2000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
  if (!Number.isInteger(rounds) || rounds < 1) throw new BenchSetupError("BENCH_ROUNDS must be a positive integer");
  if (!(timeMs > 0)) throw new BenchSetupError(`BENCH_TIME_MS must be a positive number of milliseconds`);
  for (const suite of selected) suite.preflight?.();
  const bench = new Bench({ timeMs, rounds });
  const started = performance.now();

  bench.print("# Cairn benchmarks\n");
  bench.print(describeMachine());
  bench.print(
    `- Command: npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""} (sampling ≥ ${timeMs} ms per contender over ${rounds} rounds)\n`,
  );
  for (const suite of selected) await suite.run(bench);

  if (bench.summary.length > 0) {
    bench.print("## Summary\n");
    bench.print(bench.summary.join("\n"));
    bench.print();
  }
  if (bench.measurements.length > 0) {
    bench.print("## Raw numbers (ns per iteration; one iteration = `events` events)\n");
    bench.printJson(bench.measurements, 1);
  }
  bench.print(`\nTotal run time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof BenchSetupError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  throw e;
});
