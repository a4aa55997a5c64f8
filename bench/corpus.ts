/**
 * The benchmark corpus: the official CDEvents conformance examples (0.3.0, 0.4.1 and 0.5.1: 129 events) and the
 * official JSON schemas, read at bench time from `../shared/cdevents-spec/` beside the repository. Never copied
 * into the repository.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Root of the official spec files (`../shared/cdevents-spec/`, relative to the repository root). */
export const SPEC_ROOT = fileURLToPath(new URL("../../shared/cdevents-spec/", import.meta.url));

/** A setup problem the entry point reports as a plain message (no stack trace). */
export class BenchSetupError extends Error {
  override readonly name = "BenchSetupError";
}

/** The releases in the corpus and where their examples live. */
const RELEASES = [
  { release: "0.3.0", dir: "v0.3.0", examples: "examples" },
  { release: "0.4.1", dir: "v0.4.1", examples: "conformance" },
  { release: "0.5.1", dir: "v0.5.1", examples: "conformance" },
] as const;

/** A spec release of the corpus. */
export type CorpusRelease = (typeof RELEASES)[number]["release"];

/** A JSON object read from a spec file. */
export type Json = { [key: string]: unknown };

/** One official example event. */
export interface CorpusEvent {
  readonly release: CorpusRelease;
  /** Path under {@link SPEC_ROOT}. */
  readonly file: string;
  /** The file's text, as received. */
  readonly text: string;
  /** `context.type`. */
  readonly type: string;
}

/** The official schemas of one release. */
export interface OfficialSchemas {
  readonly release: CorpusRelease;
  /** Event schemas (`schemas/*.json`). */
  readonly events: readonly Json[];
  /** Link schemas (`schemas/links/*.json`; none in 0.3.0), referenced by the event schemas. */
  readonly links: readonly Json[];
}

/** Everything the SDK suites read from the spec. */
export interface Corpus {
  readonly events: readonly CorpusEvent[];
  readonly schemas: readonly OfficialSchemas[];
  /** Total size of the event texts in bytes (UTF-8). */
  readonly bytes: number;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, "utf8")) as Json;
}

/**
 * Reads the corpus.
 * @throws BenchSetupError when `../shared/cdevents-spec` (or one of its release folders) is missing.
 */
export function loadCorpus(): Corpus {
  if (!existsSync(SPEC_ROOT))
    throw new BenchSetupError(
      `the official CDEvents spec files were not found at ${SPEC_ROOT}\n` +
        "The benchmarks read the conformance examples from ../shared/cdevents-spec/ beside the repository " +
        "(v0.3.0/examples, v0.4.1/conformance, v0.5.1/conformance); provide that folder and run again.",
    );
  const events: CorpusEvent[] = [];
  const schemas: OfficialSchemas[] = [];
  for (const r of RELEASES) {
    const examples = `${SPEC_ROOT}${r.dir}/${r.examples}`;
    const schemaDir = `${SPEC_ROOT}${r.dir}/schemas`;
    for (const dir of [examples, schemaDir])
      if (!existsSync(dir)) throw new BenchSetupError(`missing spec folder ${dir}`);
    for (const f of jsonFiles(examples)) {
      const text = readFileSync(`${examples}/${f}`, "utf8");
      const type = ((JSON.parse(text) as Json).context as Json | undefined)?.type;
      if (typeof type !== "string") throw new BenchSetupError(`${r.dir}/${r.examples}/${f} has no context.type`);
      events.push({ release: r.release, file: `${r.dir}/${r.examples}/${f}`, text, type });
    }
    const linkDir = `${schemaDir}/links`;
    schemas.push({
      release: r.release,
      events: jsonFiles(schemaDir).map((f) => readJson(`${schemaDir}/${f}`)),
      links: existsSync(linkDir) ? jsonFiles(linkDir).map((f) => readJson(`${linkDir}/${f}`)) : [],
    });
  }
  const bytes = events.reduce((n, e) => n + Buffer.byteLength(e.text), 0);
  return { events, schemas, bytes };
}

/** The single `context.type` an official event schema accepts (its `context.type` enum). */
export function officialSchemaType(schema: Json): string {
  const context = (schema.properties as Json | undefined)?.context as Json | undefined;
  const type = (context?.properties as Json | undefined)?.type as Json | undefined;
  const values = type?.enum;
  if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== "string")
    throw new BenchSetupError(`${String(schema.$id)}: context.type should be an enum of one value`);
  return values[0];
}
