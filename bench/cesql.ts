/**
 * CESQL suite: filtering events with `@cairn/cesql` beside hand-written JavaScript doing the same test, on a
 * synthetic corpus of CDEvents-shaped CloudEvent attribute objects (built here, deterministic; no files needed).
 *
 * Filters compared:
 * 1. `type LIKE 'dev.cdevents.%.finished.0.%' AND source = 'x'`: the typical router filter.
 * 2. `priority = 'high' AND type LIKE 'dev.cdevents.%'`: reads an extension most events lack, so most evaluations
 *    take the missing-attribute error path.
 *
 * Every contender is checked once, before timing, to give the same verdict on every event; each timed function
 * counts its matches and throws when the count is not the expected one, so all of the work is consumed.
 * @module
 */
import { type CompiledExpression, compile, evaluate, matches } from "../packages/cesql/src/index.ts";
import { BenchSetupError } from "./corpus.ts";
import { type Bench, type Contender, fmtTime, type Measurement, type Suite } from "./harness.ts";

const SUITE = "cesql";
/** Events per iteration. */
const N = 1000;

type Attributes = Record<string, unknown>;

const SUBJECTS = ["pipelinerun", "taskrun", "build", "artifact", "service", "environment", "change", "testcaserun"];
const PREDICATES = ["started", "finished", "queued", "published", "deployed"];
const VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "1.0.0"];
const SOURCES = ["x", "y", "https://ci.example/x", "/tekton/ns"];

/** A deterministic corpus: CDEvents types of every subject, predicate and version, a few foreign types. */
function corpus(): Attributes[] {
  return Array.from({ length: N }, (_, i) => {
    const type =
      i % 10 === 9
        ? `com.example.other.${i % 7}`
        : `dev.cdevents.${SUBJECTS[i % SUBJECTS.length]}.${PREDICATES[(i >> 1) % PREDICATES.length]}.${VERSIONS[(i >> 2) % VERSIONS.length]}`;
    const event: Attributes = {
      specversion: "1.0",
      id: `evt-${i}`,
      source: SOURCES[(i >> 3) % SOURCES.length],
      type,
      time: "2026-11-21T15:48:00Z",
      datacontenttype: "application/json",
    };
    if (i % 10 === 0) event.priority = i % 20 === 0 ? "high" : "low";
    return event;
  });
}

/** One filter: its CESQL text and the hand-written JavaScript predicate equivalent to it. */
interface Filter {
  readonly id: string;
  readonly cesql: string;
  readonly js: (e: Attributes) => boolean;
  readonly jsText: string;
  readonly regexp?: (e: Attributes) => boolean;
}

const FINISHED_V0 = /^dev\.cdevents\..*\.finished\.0\..*$/s;

const FILTERS: readonly Filter[] = [
  {
    id: "typical",
    cesql: "type LIKE 'dev.cdevents.%.finished.0.%' AND source = 'x'",
    // The LIKE pattern's middle segment must start after the 13-character prefix.
    js: (e) =>
      typeof e.type === "string" &&
      e.type.startsWith("dev.cdevents.") &&
      e.type.indexOf(".finished.0.", 13) !== -1 &&
      e.source === "x",
    jsText: "type.startsWith('dev.cdevents.') && type.indexOf('.finished.0.', 13) !== -1 && source === 'x'",
    regexp: (e) => typeof e.type === "string" && FINISHED_V0.test(e.type) && e.source === "x",
  },
  {
    id: "missing-extension",
    cesql: "priority = 'high' AND type LIKE 'dev.cdevents.%'",
    js: (e) => e.priority === "high" && typeof e.type === "string" && e.type.startsWith("dev.cdevents."),
    jsText: "priority === 'high' && type.startsWith('dev.cdevents.')",
  },
];

function setupFailure(message: string): never {
  throw new BenchSetupError(`CESQL suite: ${message}`);
}

function compiled(text: string): CompiledExpression {
  const r = compile(text);
  return r.ok ? r.expression : setupFailure(`${text} does not compile: ${r.error.message}`);
}

/** Throws unless `n` events matched: the timed functions return through it, so their work is consumed. */
function expect(n: number, expected: number): number {
  if (n !== expected) throw new Error(`expected ${expected} matches, got ${n}`);
  return n;
}

/** The contenders for one filter, after checking that they agree on every event. */
function contenders(filter: Filter, events: readonly Attributes[]): { list: Contender[]; expected: number } {
  const e = compiled(filter.cesql);
  const expected = events.filter(filter.js).length;
  for (const [i, event] of events.entries()) {
    const verdict = filter.js(event);
    if (matches(e, event) !== verdict) setupFailure(`matches() disagrees with the JS predicate on event ${i}`);
    const r = evaluate(e, event);
    if ((r.value === true && r.errors.length === 0) !== verdict) setupFailure(`evaluate() disagrees on event ${i}`);
    if (filter.regexp && filter.regexp(event) !== verdict) setupFailure(`the RegExp disagrees on event ${i}`);
  }
  const count = (test: (e: Attributes) => boolean) => () => {
    let n = 0;
    for (const event of events) if (test(event)) n++;
    return expect(n, expected);
  };
  const list: Contender[] = [
    { id: `${filter.id}/js`, label: `hand-written JS: \`${filter.jsText}\``, fn: count(filter.js) },
    { id: `${filter.id}/matches`, label: "CESQL `matches(compiled, event)`", fn: count((x) => matches(e, x)) },
    {
      id: `${filter.id}/evaluate`,
      label: "CESQL `evaluate(compiled, event)` (value and error list)",
      fn: count((x) => {
        const r = evaluate(e, x);
        return r.value === true && r.errors.length === 0;
      }),
    },
  ];
  if (filter.regexp) list.push({ id: `${filter.id}/regexp`, label: "RegExp + `===`", fn: count(filter.regexp) });
  return { list, expected };
}

async function runFilter(b: Bench, filter: Filter, events: readonly Attributes[]): Promise<void> {
  const { list, expected } = contenders(filter, events);
  b.print(`### \`${filter.cesql}\`\n`);
  b.print(`${expected} of ${events.length} events match.\n`);
  const rows = await b.compare(SUITE, events.length, list);
  const [js, viaMatches] = rows as [Measurement, Measurement];
  b.table(rows, js, "hand-written JS");
  b.print();
  const line = `- CESQL \`matches\` on \`${filter.cesql}\`: ${fmtTime(viaMatches.p50Ns / events.length)} per event (median), ${(js.p50Ns / viaMatches.p50Ns).toFixed(2)}× the hand-written predicate's throughput`;
  b.summary.push(line);
}

async function compileCost(b: Bench): Promise<void> {
  const text = FILTERS[0]?.cesql ?? "";
  const [m] = (await b.compare(SUITE, 1, [
    {
      id: "compile",
      label: `\`compile("${text}")\``,
      fn: () => (compile(text).ok ? 1 : setupFailure("compile failed")),
    },
  ])) as [Measurement];
  b.print("### Compiling the typical filter\n");
  b.print(`\`compile()\` (parse and build the closures): ${fmtTime(m.p50Ns)} median, ${fmtTime(m.meanNs)} mean.\n`);
  b.summary.push(`- CESQL \`compile\` of the typical filter: ${fmtTime(m.p50Ns)} (median)`);
}

/** The CESQL suite: filter evaluation per event, against hand-written JavaScript. */
export const cesqlSuite: Suite = {
  name: "cesql",
  description: "@cairn/cesql filters (matches, evaluate) vs hand-written JS predicates, per event",
  async run(b: Bench) {
    const events = corpus();
    b.print("## CESQL (`@cairn/cesql`)\n");
    b.print(
      `Corpus: ${events.length} synthetic CloudEvent attribute objects (CDEvents types of ${SUBJECTS.length} subjects × ${PREDICATES.length} predicates × ${VERSIONS.length} versions, one in ten a foreign type; ${SOURCES.length} sources; one in ten with a \`priority\` extension). One iteration filters the whole corpus; events/s = ${events.length} × iterations/s. Checked before timing: every contender gives the same verdict on every event.\n`,
    );
    for (const filter of FILTERS) await runFilter(b, filter, events);
    await compileCost(b);
  },
};
