/**
 * `cairn convert --to R FILE|-`: converts one event to another spec release and prints it.
 * @module
 */
import { writeFile } from "node:fs/promises";
import { convert as convertEvent, STABLE_RELEASES, type StableRelease } from "@cairn/cdevents";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, messageOf, usageError } from "../errors.ts";
import { inputLabel, readInput } from "../input.ts";
import { Output } from "../io.ts";
import { formatIssue } from "../verdict.ts";

const OPTIONS = {
  to: { type: "string", short: "t" },
  "allow-loss": { type: "boolean" },
  out: { type: "string", short: "o" },
} as const;

const HELP = `Usage: cairn convert --to RELEASE [options] FILE | -

Converts one CDEvent (a file, or stdin for -) to another spec release and prints it as JSON.
A conversion that would drop information is refused, listing what would be lost, unless --allow-loss.

Options:
  -t, --to RELEASE  target release: ${STABLE_RELEASES.join(", ")} (required)
  --allow-loss      drop what the target release cannot hold; the losses are listed on stderr
  -o, --out FILE    write the event to FILE instead of stdout
  --verbose         show stack traces of unexpected errors
  -h, --help        show this help

Exit status: 0 converted, 1 invalid event or lossy conversion refused, 2 usage errors.`;

/** The `convert` command. */
export const convert: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("convert", argv, OPTIONS);
    const to = targetRelease(values.to);
    if (positionals.length !== 1) throw usageError("give exactly one FILE, or - for stdin", "convert");
    const name = positionals[0] as string;
    const text = await readInput(name, io.stdin);
    const result = convertEvent(text, { to, allowLoss: values["allow-loss"] === true });
    if (!result.ok) throw refusal(inputLabel(name), to, result.issues);
    const out = new Output(io);
    for (const loss of result.lost) out.warn(`dropped ${loss.path}: ${loss.message}`);
    const json = `${JSON.stringify(result.event, null, 2)}\n`;
    if (values.out === undefined) io.stdout.write(json);
    else await writeOut(values.out, json);
    return ExitCode.Ok;
  },
};

function targetRelease(value: string | undefined): StableRelease {
  if (value === undefined) throw usageError("--to is required", "convert");
  if (!(STABLE_RELEASES as readonly string[]).includes(value))
    throw usageError(`cannot convert to ${value}; releases: ${STABLE_RELEASES.join(", ")}`, "convert");
  return value as StableRelease;
}

function refusal(label: string, to: string, issues: readonly { code: string; path: string; message: string }[]) {
  const lossy = issues.length > 0 && issues.every((i) => i.code === "lossy");
  const message = lossy
    ? `converting ${label} to ${to} would lose information (pass --allow-loss to drop it)`
    : `cannot convert ${label} to ${to}`;
  const details = issues.map(formatIssue);
  return new CliError(message, ExitCode.Failure, { details });
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${messageOf(e)}`, ExitCode.Failure, { cause: e });
  }
}
