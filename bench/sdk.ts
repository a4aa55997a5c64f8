/**
 * SDK suites: decode + validate, HTTP decode and encode, over the official conformance examples, with Cairn
 * (`@cairn/cdevents`) beside `JSON.parse`/`JSON.stringify`, the `cloudevents` npm SDK and Ajv (compiled from the
 * official schemas and from Cairn's generated schemas).
 *
 * Everything that can be compiled is compiled before timing: Cairn's validators (`precompileAll()`), every Ajv
 * validator, and the HTTP messages themselves. Every contender is checked once, before timing, to accept every
 * event and to reject it with a malformed timestamp; each timed function counts its successes and throws when the
 * count is not the corpus size, so all of the work is consumed.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { CloudEvent, HTTP } from "cloudevents";
import { toHttp } from "../packages/cdevents/src/binding/http.ts";
import type { JsonObject } from "../packages/cdevents/src/binding/json.ts";
import {
  createCDEvents,
  type EventDef,
  findEventDef,
  isPurl,
  jsonSchemaOf,
  parse,
  precompileAll,
  SchemaCompiler,
} from "../packages/cdevents/src/index.ts";
import { eventValidator } from "../packages/cdevents/src/schema/event-validators.ts";
import { BenchSetupError, type Corpus, type Json, loadCorpus, officialSchemaType } from "./corpus.ts";
import {
  type Bench,
  type Contender,
  eventsPerSecond,
  eventsPerSecondMean,
  fmtRatio,
  type Measurement,
  type Suite,
} from "./harness.ts";

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Targets the issue sets for decode + validate. */
export const TARGETS = {
  /** Cairn `parse(text)` throughput ÷ `JSON.parse` alone. */
  vsJsonParse: 0.5,
  /** Cairn `parse(text)` throughput ÷ (b) `cloudevents` + Ajv on the official schemas. */
  vsCloudEventsAjv: 3,
} as const;

/** An HTTP message as both SDKs take it. */
interface Message {
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Mode = "binary" | "structured";
const MODES: readonly Mode[] = ["binary", "structured"];

/** Everything prepared before timing. */
interface Fixture {
  readonly corpus: Corpus;
  readonly texts: readonly string[];
  readonly objects: readonly Json[];
  readonly defs: readonly EventDef[];
  /** Cairn's compiled validator and Ajv's two, picked per event beforehand (for the "validator alone" rows). */
  readonly cairnPairs: readonly { readonly v: { test(x: unknown): boolean }; readonly o: Json }[];
  /** Cairn's closures alone (a fresh `SchemaCompiler` on `jsonSchemaOf(def)`), whatever `eventValidator` adds. */
  readonly closurePairs: readonly { readonly v: { test(x: unknown): boolean }; readonly o: Json }[];
  readonly ajvOursPairs: readonly { readonly v: ValidateFunction; readonly o: Json }[];
  readonly ajvOfficialPairs: readonly { readonly v: ValidateFunction; readonly o: Json }[];
  /** Ajv validators compiled from the official schemas, by `context.type`. */
  readonly official: ReadonlyMap<string, ValidateFunction>;
  readonly messages: Readonly<Record<Mode, readonly Message[]>>;
  /** CloudEvents built by the `cloudevents` SDK beforehand (for the encode-only rows). */
  readonly cloudEvents: readonly CloudEvent<Json>[];
}

const contextOf = (o: Json): Json => o.context as Json;
const subjectOf = (o: Json): Json => o.subject as Json;

/** The CloudEvent attributes of a CDEvent (CDEvents binding), for the `cloudevents` SDK's constructor. */
function cloudEventAttributes(o: Json) {
  const context = contextOf(o);
  return {
    specversion: "1.0" as const,
    id: context.id as string,
    source: context.source as string,
    type: context.type as string,
    subject: subjectOf(o).id as string,
    time: context.timestamp as string,
    datacontenttype: "application/json",
    data: o,
  };
}

/** Ajv 2020 as the issue prescribes: strict false, first error only, ajv-formats (full). */
function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  return ajv;
}

function fail(message: string): never {
  throw new BenchSetupError(`SDK suite: ${message}`);
}

/** Builds and checks everything the suites time. */
function prepare(): Fixture {
  const corpus = loadCorpus();
  precompileAll();
  const texts = corpus.events.map((e) => e.text);
  const objects = texts.map((t) => JSON.parse(t) as Json);
  const defs = corpus.events.map((e) => findEventDef(e.type) ?? fail(`${e.file}: Cairn declares no ${e.type}`));

  // Ajv compiled from the official schemas: every release's event and link schemas in one instance ($ids differ
  // per release), every event schema compiled once here.
  const ajvOfficial = newAjv();
  for (const r of corpus.schemas) for (const s of [...r.links, ...r.events]) ajvOfficial.addSchema(s);
  const official = new Map<string, ValidateFunction>();
  for (const r of corpus.schemas)
    for (const s of r.events) {
      const v = ajvOfficial.getSchema(String(s.$id)) ?? fail(`Ajv could not compile ${String(s.$id)}`);
      official.set(officialSchemaType(s), v);
    }

  // Ajv compiled from Cairn's generated schemas, with Cairn's purl check as the `purl` format.
  const ajvOurs = newAjv();
  ajvOurs.addFormat("purl", isPurl);
  const ours = new Map(defs.map((d) => [d.type, ajvOurs.compile(jsonSchemaOf(d))]));

  const cairnPairs = objects.map((o, i) => ({ v: eventValidator(defs[i] as EventDef), o }));
  const closures = new SchemaCompiler({ purl: true });
  const closurePairs = objects.map((o, i) => ({
    v: closures.compile(jsonSchemaOf(defs[i] as EventDef), { mode: "strict" }),
    o,
  }));
  const ajvOursPairs = objects.map((o) => ({ v: ours.get(contextOf(o).type as string) as ValidateFunction, o }));
  const ajvOfficialPairs = objects.map((o) => ({
    v: official.get(contextOf(o).type as string) ?? fail(`no official schema for ${String(contextOf(o).type)}`),
    o,
  }));
  const messages = {
    binary: objects.map((o) => toHttp(o as JsonObject, { mode: "binary" })),
    structured: objects.map((o) => toHttp(o as JsonObject, { mode: "structured" })),
  };
  const cloudEvents = objects.map((o) => new CloudEvent<Json>(cloudEventAttributes(o)));
  const fixture: Fixture = {
    corpus,
    texts,
    objects,
    defs,
    cairnPairs,
    closurePairs,
    ajvOursPairs,
    ajvOfficialPairs,
    official,
    messages,
    cloudEvents,
  };
  verify(fixture);
  return fixture;
}

/** True when a parse result is ok and carries exactly `event`. */
function sameEvent(r: ReturnType<typeof parse>, event: Json): boolean {
  return r.ok && isDeepStrictEqual(r.event, event);
}

/** Checks once, before timing, that every contender accepts every event and decodes what was encoded. */
function verify(f: Fixture): void {
  const problems: string[] = [];
  const cairn = createCDEvents();
  f.corpus.events.forEach((e, i) => {
    const o = f.objects[i] as Json;
    const where = (what: string) => problems.push(`${e.file}: ${what}`);
    const r = parse(e.text);
    if (!r.ok) where(`Cairn parse failed: ${JSON.stringify(r.issues)}`);
    else if (r.kind !== "exact") where(`Cairn parse matched ${r.kind}, not exact`);
    if (!f.cairnPairs[i]?.v.test(o)) where("Cairn validator rejects it");
    if (!f.closurePairs[i]?.v.test(o)) where("Cairn closures reject it");
    if (!f.ajvOursPairs[i]?.v(o))
      where(`Ajv (Cairn schemas) rejects it: ${JSON.stringify(f.ajvOursPairs[i]?.v.errors)}`);
    if (!f.ajvOfficialPairs[i]?.v(o))
      where(`Ajv (official schemas) rejects it: ${JSON.stringify(f.ajvOfficialPairs[i]?.v.errors)}`);
    // And each contender does check: the same event with a malformed timestamp is rejected by all of them.
    const broken = { ...o, context: { ...contextOf(o), timestamp: "2023-13-45T99:00:00Z" } };
    if (parse(JSON.stringify(broken)).ok) where("Cairn parse accepts a malformed timestamp");
    if (f.cairnPairs[i]?.v.test(broken)) where("Cairn validator accepts a malformed timestamp");
    if (f.closurePairs[i]?.v.test(broken)) where("Cairn closures accept a malformed timestamp");
    if (f.ajvOursPairs[i]?.v(broken)) where("Ajv (Cairn schemas) accepts a malformed timestamp");
    if (f.ajvOfficialPairs[i]?.v(broken)) where("Ajv (official schemas) accepts a malformed timestamp");
    for (const mode of MODES) {
      const m = f.messages[mode][i] as Message;
      // parseHttp is timed on `.ok`; the decoded event is compared through parse(), which takes the same HTTP
      // parts (one event) through the same decoder.
      if (!cairn.parseHttp(m).ok) where(`Cairn parseHttp (${mode}) rejects it`);
      if (!sameEvent(parse(m), o)) where(`Cairn parse of the ${mode} HTTP message does not give back the event`);
      const ce = HTTP.toEvent(m);
      if (Array.isArray(ce)) where(`cloudevents HTTP.toEvent (${mode}) returned a batch`);
      else if (!isDeepStrictEqual(ce.data, o)) where(`cloudevents HTTP.toEvent (${mode}) changed the event`);
      else if (!f.official.get(contextOf(ce.data as Json).type as string)?.(ce.data))
        where(`cloudevents + Ajv (${mode}) rejects it`);
      const ceOut =
        mode === "binary"
          ? HTTP.binary(f.cloudEvents[i] as CloudEvent<Json>)
          : HTTP.structured(f.cloudEvents[i] as CloudEvent<Json>);
      const back = HTTP.toEvent(ceOut);
      if (Array.isArray(back) || !isDeepStrictEqual(back.data, o))
        where(`cloudevents HTTP.${mode} does not round-trip through HTTP.toEvent`);
      if (!cairn.parseHttp(ceOut as Message).ok || !sameEvent(parse(ceOut as Message), o))
        where(`cloudevents HTTP.${mode} output is not accepted by Cairn`);
    }
  });
  if (problems.length > 0) fail(`contenders disagree before timing:\n  ${problems.slice(0, 20).join("\n  ")}`);
}

/** Throws unless `n` events succeeded: the timed functions return through it, so their work is consumed. */
function all(n: number, expected: number): number {
  if (n !== expected) throw new Error(`expected ${expected} successes, got ${n}`);
  return n;
}

/** `cloudevents` HTTP.toEvent, then the official schema's Ajv validator picked by `context.type`. */
function cloudEventsAjv(messages: readonly Message[], official: ReadonlyMap<string, ValidateFunction>): number {
  let n = 0;
  for (const m of messages) {
    const ce = HTTP.toEvent(m);
    if (Array.isArray(ce)) continue;
    const data = ce.data as Json;
    const validate = official.get(contextOf(data).type as string);
    if (validate?.(data)) n++;
  }
  return n;
}

function ratioLine(name: string, median: number, mean: number, target: number): string {
  const verdict = median >= target ? "MET" : "MISSED";
  return `- ${name}: **${fmtRatio(median)}** (from means: ${fmtRatio(mean)}); target ≥ ${fmtRatio(target)} — **${verdict}**`;
}

const SUITE = "sdk";

/** Contenders that decode and validate a message with `cloudevents` + Ajv on the official schemas. */
const cloudEventsAjvContender = (f: Fixture, mode: Mode): Contender => ({
  id: `ce-ajv-${mode}`,
  label: `(b) \`cloudevents\` \`HTTP.toEvent\` (${mode}) + Ajv official`,
  fn: () => all(cloudEventsAjv(f.messages[mode], f.official), f.texts.length),
});

async function decodeValidate(b: Bench, f: Fixture): Promise<void> {
  const N = f.texts.length;
  const { texts, cairnPairs, closurePairs, ajvOursPairs, ajvOfficialPairs } = f;
  b.print("### 1. Decode + validate\n");
  const [jsonParse, cairnParse, cairnValidator, cairnClosures, ajvOurs, ajvOfficial, ceBinary, ceStructured] =
    (await b.compare(SUITE, N, [
      {
        id: "json-parse",
        label: "(a) `JSON.parse` alone",
        fn: () => {
          let n = 0;
          for (const t of texts) if (JSON.parse(t) !== null) n++;
          return all(n, N);
        },
      },
      {
        id: "cairn-parse",
        label: "Cairn `parse(text)`",
        fn: () => {
          let n = 0;
          for (const t of texts) if (parse(t).ok) n++;
          return all(n, N);
        },
      },
      {
        id: "cairn-validator",
        label: "Cairn validator alone: `eventValidator(def).test`, pre-parsed",
        fn: () => {
          let n = 0;
          for (const p of cairnPairs) if (p.v.test(p.o)) n++;
          return all(n, N);
        },
      },
      {
        id: "cairn-closures",
        label: "Cairn compiled closures alone: `SchemaCompiler.compile(jsonSchemaOf(def)).test`, pre-parsed",
        fn: () => {
          let n = 0;
          for (const p of closurePairs) if (p.v.test(p.o)) n++;
          return all(n, N);
        },
      },
      {
        id: "ajv-ours",
        label: "Ajv compiled from Cairn's schemas (`jsonSchemaOf`) alone, pre-parsed",
        fn: () => {
          let n = 0;
          for (const p of ajvOursPairs) if (p.v(p.o)) n++;
          return all(n, N);
        },
      },
      {
        id: "ajv-official",
        label: "Ajv compiled from the official schemas alone, pre-parsed",
        fn: () => {
          let n = 0;
          for (const p of ajvOfficialPairs) if (p.v(p.o)) n++;
          return all(n, N);
        },
      },
      cloudEventsAjvContender(f, "binary"),
      cloudEventsAjvContender(f, "structured"),
    ])) as [Measurement, Measurement, Measurement, Measurement, Measurement, Measurement, Measurement, Measurement];
  const best: Mode = ceBinary.p50Ns <= ceStructured.p50Ns ? "binary" : "structured";
  const b0 = best === "binary" ? ceBinary : ceStructured;
  b.table(
    [jsonParse, cairnParse, cairnValidator, cairnClosures, ajvOurs, ajvOfficial, ceBinary, ceStructured],
    jsonParse,
    "JSON.parse",
  );
  b.print();
  b.print(`(b) is fastest in ${best} mode here; the ratio below uses that mode.\n`);
  const targetLines = [
    ratioLine(
      "Cairn `parse(text)` ÷ `JSON.parse` alone",
      eventsPerSecond(cairnParse) / eventsPerSecond(jsonParse),
      eventsPerSecondMean(cairnParse) / eventsPerSecondMean(jsonParse),
      TARGETS.vsJsonParse,
    ),
    ratioLine(
      `Cairn \`parse(text)\` ÷ (b) cloudevents + Ajv official (${best} mode)`,
      eventsPerSecond(cairnParse) / eventsPerSecond(b0),
      eventsPerSecondMean(cairnParse) / eventsPerSecondMean(b0),
      TARGETS.vsCloudEventsAjv,
    ),
  ];
  b.print("Targets (throughput ratios from the medians):\n");
  b.print(targetLines.join("\n"));
  b.summary.push(...targetLines);
  b.print();
  b.print("Where the time goes (medians):\n");
  const perEvent = (m: Measurement) => `${(m.p50Ns / N / 1e3).toFixed(2)} µs`;
  b.print(
    `- Cairn \`parse(text)\` ${perEvent(cairnParse)} per event = \`JSON.parse\` ${perEvent(jsonParse)} + ` +
      `validator ${perEvent(cairnValidator)} + the rest (dispatch on type, result) ` +
      `${((cairnParse.p50Ns - jsonParse.p50Ns - cairnValidator.p50Ns) / N / 1e3).toFixed(2)} µs`,
  );
  const vsAjv = (m: Measurement) => fmtRatio(ajvOurs.p50Ns / m.p50Ns);
  b.print(
    `- Validation alone, same schemas (Cairn's \`jsonSchemaOf\`): \`eventValidator(def).test\` ${perEvent(cairnValidator)} ` +
      `per event (${vsAjv(cairnValidator)} Ajv's throughput), Cairn's compiled closures ${perEvent(cairnClosures)} ` +
      `(${vsAjv(cairnClosures)}), Ajv ${perEvent(ajvOurs)}`,
  );
  b.print(
    `- Ajv on the official schemas: ${perEvent(ajvOfficial)} per event. Those schemas are a little looser than ` +
      "Cairn's (artifact ids are plain strings, not Package URLs; testing events' sources are not checked as URI " +
      "references; link ids have no minLength) and keep links in separate `$ref`'d schemas under anyOf, where Cairn " +
      "inlines them under oneOf",
  );
  b.print();
}

async function httpDecode(b: Bench, f: Fixture): Promise<void> {
  const N = f.texts.length;
  const cairn = createCDEvents();
  b.print("### 2. HTTP decode\n");
  const cairnRow = (mode: Mode): Contender => ({
    id: `cairn-http-${mode}`,
    label: `Cairn \`parseHttp\` (${mode}): decode + validate`,
    fn: () => {
      let n = 0;
      for (const m of f.messages[mode]) if (cairn.parseHttp(m).ok) n++;
      return all(n, N);
    },
  });
  const decodeOnly = (mode: Mode): Contender => ({
    id: `ce-http-${mode}`,
    label: `\`cloudevents\` \`HTTP.toEvent\` (${mode}): decode only`,
    fn: () => {
      let n = 0;
      for (const m of f.messages[mode]) {
        const ce = HTTP.toEvent(m);
        if (!Array.isArray(ce) && ce.data !== undefined) n++;
      }
      return all(n, N);
    },
  });
  const rows = await b.compare(SUITE, N, [
    cairnRow("binary"),
    cairnRow("structured"),
    decodeOnly("binary"),
    decodeOnly("structured"),
    cloudEventsAjvContender(f, "binary"),
    cloudEventsAjvContender(f, "structured"),
  ]);
  b.table(rows, rows[0] as Measurement, "Cairn binary");
  b.print();
  b.print("(The (b) rows are the measurements of suite 1, not timed again.)\n");
  for (const mode of MODES) {
    const c = b.get(SUITE, `cairn-http-${mode}`) as Measurement;
    const ce = b.get(SUITE, `ce-ajv-${mode}`) as Measurement;
    const line = `- HTTP ${mode}: Cairn \`parseHttp\` ÷ (b) cloudevents + Ajv official = **${fmtRatio(ce.p50Ns / c.p50Ns)}** (from means: ${fmtRatio(ce.meanNs / c.meanNs)})`;
    b.print(line);
    b.summary.push(line);
  }
  const parseText = b.get(SUITE, "cairn-parse");
  if (parseText) {
    const extra = MODES.map((mode) => {
      const c = b.get(SUITE, `cairn-http-${mode}`) as Measurement;
      return `${mode} ${((c.p50Ns - parseText.p50Ns) / N / 1e3).toFixed(2)} µs`;
    });
    b.print(`- HTTP decoding on top of \`parse(text)\` (medians, per event): ${extra.join(", ")}`);
  }
  b.print();
}

async function encode(b: Bench, f: Fixture): Promise<void> {
  const N = f.texts.length;
  const { objects, cloudEvents } = f;
  b.print("### 3. Encode\n");
  const encoderOf = (mode: Mode) => (mode === "binary" ? HTTP.binary : HTTP.structured);
  const cairnRow = (mode: Mode): Contender => ({
    id: `cairn-tohttp-${mode}`,
    label: `Cairn \`toHttp\` (${mode})`,
    fn: () => {
      let n = 0;
      for (const o of objects) if (toHttp(o as JsonObject, { mode }).body.length > 0) n++;
      return all(n, N);
    },
  });
  const ceRow = (mode: Mode): Contender => ({
    id: `ce-${mode}`,
    label: `\`cloudevents\` \`HTTP.${mode}(new CloudEvent({…}))\``,
    fn: () => {
      const encoder = encoderOf(mode);
      let n = 0;
      for (const o of objects) if (typeof encoder(new CloudEvent<Json>(cloudEventAttributes(o))).body === "string") n++;
      return all(n, N);
    },
  });
  const prebuiltRow = (mode: Mode): Contender => ({
    id: `ce-${mode}-prebuilt`,
    label: `\`cloudevents\` \`HTTP.${mode}\` of a CloudEvent built beforehand`,
    fn: () => {
      const encoder = encoderOf(mode);
      let n = 0;
      for (const e of cloudEvents) if (typeof encoder(e).body === "string") n++;
      return all(n, N);
    },
  });
  const rows = await b.compare(SUITE, N, [
    {
      id: "json-stringify",
      label: "`JSON.stringify` alone",
      fn: () => {
        let n = 0;
        for (const o of objects) if (JSON.stringify(o).length > 0) n++;
        return all(n, N);
      },
    },
    cairnRow("binary"),
    cairnRow("structured"),
    ceRow("binary"),
    ceRow("structured"),
    prebuiltRow("binary"),
    prebuiltRow("structured"),
  ]);
  b.table(rows, rows[0] as Measurement, "JSON.stringify");
  b.print();
}

/** The SDK suite. */
export const sdkSuite: Suite = {
  name: "sdk",
  description: "@cairn/cdevents vs JSON.parse/stringify, the cloudevents SDK and Ajv, on the official examples",
  preflight: () => void loadCorpus(),
  async run(b: Bench) {
    const f = prepare();
    b.print(`## SDK (\`@cairn/cdevents\`)\n`);
    b.print(
      `Corpus: ${f.texts.length} official CDEvents examples (${f.corpus.events.filter((e) => e.release === "0.3.0").length} of 0.3.0, ` +
        `${f.corpus.events.filter((e) => e.release === "0.4.1").length} of 0.4.1, ` +
        `${f.corpus.events.filter((e) => e.release === "0.5.1").length} of 0.5.1; ${f.corpus.bytes.toLocaleString("en-US")} bytes of JSON), ` +
        `read from ../shared/cdevents-spec. One iteration processes the whole corpus; events/s = ${f.texts.length} × iterations/s. Contenders of a table are warmed up, then timed in turn, ${b.rounds} rounds, samples pooled; headline figures use the median iteration time. ` +
        `Checked before timing: every contender accepts all ${f.texts.length} events and rejects each of them with a malformed timestamp, and every encoder's output decodes back to the event.\n`,
    );
    await decodeValidate(b, f);
    await httpDecode(b, f);
    await encode(b, f);
  },
};
