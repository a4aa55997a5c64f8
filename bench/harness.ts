/**
 * What every suite shares: timing with mitata, a registry of measurements, Markdown tables and the machine
 * description.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { measure } from "mitata";

/** One timed contender. Times are nanoseconds per iteration (one iteration processes `events` events). */
export interface Measurement {
  readonly suite: string;
  readonly id: string;
  readonly label: string;
  /** Events processed per iteration (the corpus size). */
  readonly events: number;
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly minNs: number;
  readonly maxNs: number;
  /** Samples pooled over the rounds (mitata drops the two fastest and two slowest of each run). */
  readonly samples: number;
}

/** Events per second, from the median time per iteration (the headline figure: robust to background load). */
export const eventsPerSecond = (m: Measurement): number => (m.events * 1e9) / m.p50Ns;
/** Events per second, from the mean time per iteration (includes every pause, GC and background load). */
export const eventsPerSecondMean = (m: Measurement): number => (m.events * 1e9) / m.meanNs;

/** A benchmark suite: a name (to select it on the command line) and what it runs. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** Throws (a `BenchSetupError`) before anything runs when the suite cannot run here, e.g. missing files. */
  preflight?(): void;
  run(bench: Bench): Promise<void>;
}

/** Exposes V8's `gc()` without a command-line flag, so every contender starts from a collected heap. */
function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** A function to time: one call is one iteration over the corpus. */
export interface Contender {
  readonly id: string;
  readonly label: string;
  /**
   * Must consume what it computes (and throw when it did not do the expected work), so the optimiser cannot drop
   * it.
   */
  readonly fn: () => unknown;
}

/** Options of {@link Bench}. */
export interface BenchOptions {
  /** Minimum sampling time per contender, in ms, split over the rounds. */
  readonly timeMs?: number;
  /** Rounds: the contenders of one comparison are timed in turn, `rounds` times, and their samples pooled. */
  readonly rounds?: number;
  readonly print?: (line: string) => void;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.floor(p * (sorted.length - 1))] ?? NaN;

/** Runs contenders, prints as it goes and keeps every measurement. */
export class Bench {
  readonly measurements: Measurement[] = [];
  /** Lines every suite wants repeated in the final summary (e.g. ratios against targets). */
  readonly summary: string[] = [];
  readonly timeMs: number;
  readonly rounds: number;
  readonly #gc = exposeGc();
  readonly #print: (line: string) => void;

  constructor(options: BenchOptions = {}) {
    this.timeMs = options.timeMs ?? 2000;
    this.rounds = options.rounds ?? 4;
    this.#print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Prints a line (or a block). */
  print(text = ""): void {
    this.#print(text);
  }

  /** Prints `value` as a fenced JSON block, numbers rounded to `decimals` places. */
  printJson(value: unknown, decimals = 2): void {
    const scale = 10 ** decimals;
    this.#print("```json");
    this.#print(JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * scale) / scale : v), 1));
    this.#print("```");
  }

  /** The measurement of `suite`/`id`, if taken. */
  get(suite: string, id: string): Measurement | undefined {
    return this.measurements.find((m) => m.suite === suite && m.id === id);
  }

  /**
   * Times contenders side by side, each call of a contender processing `events` events. Each is warmed up
   * (untimed, up to 500 ms), then they are timed in turn,
   * {@link rounds} times (starting with a different one each round), and each contender's samples are pooled, so
   * background load on a shared machine spreads over all of them. Contenders already measured in `suite` are
   * reused, not timed again.
   */
  async compare(suite: string, events: number, contenders: readonly Contender[]): Promise<Measurement[]> {
    const todo = contenders.filter((c) => !this.get(suite, c.id));
    const samples = new Map<string, number[]>(todo.map((c) => [c.id, []]));
    // Warm-up, untimed: a contender made of many functions (one validator per event type) needs all of them
    // optimised before its samples mean anything.
    const warmupMs = Math.min(500, this.timeMs / 4);
    for (const c of todo) {
      const until = performance.now() + warmupMs;
      while (performance.now() < until) c.fn();
    }
    for (let round = 0; round < this.rounds; round++) {
      for (let k = 0; k < todo.length; k++) {
        const c = todo[(k + round) % todo.length] as Contender;
        const stats = await measure(c.fn, {
          min_cpu_time: (this.timeMs / this.rounds) * 1e6,
          ...(this.#gc ? { gc: this.#gc } : {}),
        });
        samples.get(c.id)?.push(...stats.samples);
      }
    }
    for (const c of todo) {
      const s = (samples.get(c.id) ?? []).sort((a, b) => a - b);
      const m: Measurement = {
        suite,
        id: c.id,
        label: c.label,
        events,
        meanNs: s.reduce((a, x) => a + x, 0) / s.length,
        p50Ns: percentile(s, 0.5),
        p99Ns: percentile(s, 0.99),
        minNs: s[0] ?? NaN,
        maxNs: s[s.length - 1] ?? NaN,
        samples: s.length,
      };
      this.measurements.push(m);
      process.stderr.write(`  ${suite}/${c.id}: ${fmtTime(m.p50Ns)} median, ${fmtTime(m.meanNs)} mean per iteration\n`);
    }
    return contenders.map((c) => this.get(suite, c.id) as Measurement);
  }

  /** Prints a Markdown table of measurements, each compared to `baseline`. */
  table(rows: readonly Measurement[], baseline: Measurement, baselineName: string): void {
    this.print(resultTable(rows, baseline, baselineName));
  }
}

/**
 * A Markdown table: time per corpus iteration (median, mean, p99), events/s from the median and from the mean, and
 * throughput relative to a baseline (from the medians).
 */
export function resultTable(rows: readonly Measurement[], baseline: Measurement, baselineName: string): string {
  const head = `| Contender | median / corpus | mean / corpus | p99 / corpus | events/s (median) | events/s (mean) | vs ${baselineName} |`;
  const lines = [head, "|---|--:|--:|--:|--:|--:|--:|"];
  for (const m of rows)
    lines.push(
      `| ${m.label} | ${fmtTime(m.p50Ns)} | ${fmtTime(m.meanNs)} | ${fmtTime(m.p99Ns)} | ${fmtRate(eventsPerSecond(m))} | ${fmtRate(eventsPerSecondMean(m))} | ${fmtRatio(baseline.p50Ns / m.p50Ns)} |`,
    );
  return lines.join("\n");
}

/** `123.4 µs`, `1.23 ms`. */
export function fmtTime(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** `1,234,567`. */
export function fmtRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString("en-US");
}

/** `0.62×`. */
export function fmtRatio(x: number): string {
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (pretty?.[1]) return `${pretty[1]} (${type()} ${release()})`;
  } catch {
    // no os-release
  }
  return `${type()} ${release()}`;
}

/** The repository revision measured, and whether the SDK sources differ from it. */
function revision(): string {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: "pipe" }).trim();
  try {
    const commit = git("rev-parse", "--short=12", "HEAD");
    const dirty = git("status", "--porcelain", "--", "packages") !== "";
    return `commit ${commit}${dirty ? " plus uncommitted changes under packages/" : " (packages/ clean)"}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}

/** A Markdown description of the machine and runtime. */
export function describeMachine(): string {
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpuModel()}, ${cpus().length} logical cores (${availableParallelism()} available to Node)`,
    `- Memory: ${gib} GiB`,
    `- OS: ${osName()}`,
    `- Runtime: Node ${process.version} (V8 ${process.versions.v8}), ${process.arch}`,
    `- Sources measured: ${revision()}`,
    `- Load average at start (1, 5, 15 min): ${load}`,
  ].join("\n");
}
