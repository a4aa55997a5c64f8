/**
 * `cairn`: the command-line entry point. Dispatches to a sub-command, handles `--help`, `--version` and
 * `help CMD` at the top level, and turns every failure into one `cairn: …` line on stderr and an exit code.
 * @module
 */
import { readFileSync } from "node:fs";
import { hasFlag } from "./args.ts";
import { COMMANDS, findCommand } from "./commands/index.ts";
import { CliError, ExitCode, messageOf, usageError } from "./errors.ts";
import { type Io, Output, processIo } from "./io.ts";

/**
 * Runs `cairn` with the arguments after the program name and returns the exit code: 0 ok, 1 invalid input or
 * failed operation, 2 usage error.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    return report(e, new Output(io), hasFlag(argv, "--verbose"));
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const out = new Output(io);
  // Global flags may precede the command; only --verbose is kept for the command (it is read from argv anyway).
  const rest = argv[0] === "--verbose" ? argv.slice(1) : argv;
  const [first, ...args] = rest;
  if (first === undefined) {
    out.err(topHelp());
    return ExitCode.Usage;
  }
  if (first === "--help" || first === "-h") return print(out, topHelp());
  if (first === "--version" || first === "-V") return print(out, version());
  if (first === "help") return help(out, args);
  if (first.startsWith("-")) throw usageError(`unknown option ${first}`);
  const entry = findCommand(first);
  if (!entry) throw usageError(`unknown command ${first}`);
  const command = await entry.load();
  if (hasFlag(args, "--help", "-h")) return print(out, command.help);
  return command.run(args, io);
}

async function help(out: Output, args: readonly string[]): Promise<number> {
  if (args[0] === undefined) return print(out, topHelp());
  const entry = findCommand(args[0]);
  if (!entry) throw usageError(`unknown command ${args[0]}`);
  return print(out, (await entry.load()).help);
}

function print(out: Output, text: string): number {
  out.line(text);
  return ExitCode.Ok;
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `Usage: cairn <command> [options]

Cairn, the CDEvents command line.

Commands:
${list}

Options:
  -h, --help     show help (also: cairn <command> --help, cairn help <command>)
  -V, --version  print the version
  --verbose      show stack traces of unexpected errors

Exit status: 0 ok, 1 invalid input or failed operation, 2 usage error.`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return `cairn ${pkg.version}`;
}

/** Prints an error as `cairn: message` (plus details, a help hint for usage errors, the stack when verbose). */
function report(e: unknown, out: Output, verbose: boolean): number {
  const cli = e instanceof CliError ? e : undefined;
  out.err(`cairn: ${cli ? cli.message : `unexpected error: ${messageOf(e)}`}`);
  for (const line of cli?.details ?? []) out.err(`  ${line}`);
  if (cli?.exitCode === ExitCode.Usage)
    out.err(`Run 'cairn ${cli.command === undefined ? "" : `${cli.command} `}--help' for usage.`);
  if (verbose && e instanceof Error && e.stack) out.err(out.styleErr("dim", stackOf(e)));
  return cli?.exitCode ?? ExitCode.Failure;
}

function stackOf(e: Error): string {
  const cause = e.cause instanceof Error ? `\nCaused by: ${stackOf(e.cause)}` : "";
  return (e.stack ?? e.message) + cause;
}
