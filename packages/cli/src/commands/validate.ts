/**
 * `cairn validate FILE… | -`: checks each input against the CDEvents spec and prints a verdict per event.
 * @module
 */
import type { CDEvents } from "@cairn/cdevents";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, usageError } from "../errors.ts";
import { inputLabel, isJsonLinesName, readInput, splitLines } from "../input.ts";
import { type Io, Output } from "../io.ts";
import { PARSER_OPTIONS, parserFromFlags } from "../sdk.ts";
import { failedVerdict, printVerdict, type Verdict, verdictOf } from "../verdict.ts";

const OPTIONS = {
  ...PARSER_OPTIONS,
  json: { type: "boolean" },
  jsonl: { type: "boolean" },
  lines: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

const HELP = `Usage: cairn validate [options] FILE… | -

Checks that each file (or stdin, for -) holds one valid CDEvent of spec 0.3.0, 0.4.1 or 0.5.1.
Files ending in .jsonl or .ndjson hold one event per line and are reported as file:line.

Options:
  --json              print one JSON result per input, as an array, in input order:
                      { input, ok, type, release, kind, issues, notes }
  --jsonl             like --json, but one JSON object per line
  --lines             read every input (stdin too) as one event per line
  --schema FILE       register a JSON Schema, keyed by its $id (a dev.cdeventsx type or a URI); repeatable
  --schema TYPE=FILE  register the content schema of a custom dev.cdeventsx type
  --schema URI=FILE   register the schema named by context.schemaUri
  --drafts            also know the 0.6 draft event types
  --no-purl           do not check that artifact ids are Package URLs
  -q, --quiet         print only failures (JSON output always lists every input)
  --verbose           show stack traces of unexpected errors
  -h, --help          show this help

Exit status: 0 when every event is valid, 1 when any is invalid or unreadable, 2 on usage errors.`;

type Mode = "human" | "json" | "jsonl";

/** The `validate` command. */
export const validate: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("validate", argv, OPTIONS);
    if (positionals.length === 0) throw usageError("no input: give one or more files, or - for stdin", "validate");
    if (positionals.filter((p) => p === "-").length > 1) throw usageError("- (stdin) may be given once", "validate");
    const cdevents = await parserFromFlags("validate", values);
    const mode: Mode = values.jsonl ? "jsonl" : values.json ? "json" : "human";
    const printer = new VerdictPrinter(new Output(io), mode, values.quiet === true);
    for (const name of positionals) {
      for (const v of await validateInput(cdevents, name, io, values.lines === true)) printer.add(v);
    }
    printer.end();
    return printer.allOk ? ExitCode.Ok : ExitCode.Failure;
  },
};

/** Verdicts for one input: one per event (one per line for JSON Lines), or one failure if it cannot be read. */
async function validateInput(cdevents: CDEvents, name: string, io: Io, lines: boolean): Promise<Verdict[]> {
  const label = inputLabel(name);
  let bytes: Uint8Array;
  try {
    bytes = await readInput(name, io.stdin);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    new Output(io).err(`cairn: ${e.message}`);
    return [failedVerdict(label, [{ code: "read_error", path: "", message: e.message }])];
  }
  if (!lines && !isJsonLinesName(name)) return [verdictOf(label, cdevents.parse(bytes))];
  return splitLines(bytes).map((l) => verdictOf(`${label}:${l.line}`, cdevents.parse(l.bytes)));
}

/** Prints verdicts as they come (human, JSON Lines) or all at the end (a JSON array). */
class VerdictPrinter {
  readonly #out: Output;
  readonly #mode: Mode;
  readonly #quiet: boolean;
  readonly #all: Verdict[] = [];

  constructor(out: Output, mode: Mode, quiet: boolean) {
    this.#out = out;
    this.#mode = mode;
    this.#quiet = quiet;
  }

  get allOk(): boolean {
    return this.#all.every((v) => v.ok);
  }

  add(v: Verdict): void {
    this.#all.push(v);
    if (this.#mode === "jsonl") this.#out.jsonLine(v);
    // An unreadable input was already reported on stderr; a ✗ line would only repeat it.
    else if (this.#mode === "human" && !(this.#quiet && v.ok) && v.issues[0]?.code !== "read_error")
      printVerdict(this.#out, v);
  }

  end(): void {
    if (this.#mode === "json") this.#out.json(this.#all);
    if (this.#mode !== "human" || this.#quiet || this.#all.length < 2) return;
    const bad = this.#all.filter((v) => !v.ok).length;
    this.#out.line(this.#out.style("dim", `${this.#all.length - bad} valid, ${bad} invalid`));
  }
}
