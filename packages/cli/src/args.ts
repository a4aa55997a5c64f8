/**
 * Strict argument parsing on top of `node:util` `parseArgs`: every command also accepts `--help`/`-h` and
 * `--verbose`, and parse failures become usage errors (exit 2) with a short message.
 * @module
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { usageError } from "./errors.ts";

const COMMON = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

/** Parses a command's arguments strictly; positionals are allowed. Throws a usage error naming the command. */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON, ...options }, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageError(shortParseMessage(e), command);
  }
}

/** True when `flag` appears before any `--` terminator. */
export function hasFlag(argv: readonly string[], ...flags: string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => flags.includes(a));
}

// parseArgs messages are long and suggest `--` for values starting with "-"; people need the option name.
function shortParseMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && quoted) return `unknown option ${quoted}`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && quoted) return `unexpected argument ${quoted}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && quoted) {
    const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(" ")[0];
    return message.includes("argument missing") ? `option ${flag} needs a value` : `option ${flag} takes no value`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Parses a non-negative integer flag value, or throws a usage error. */
export function intFlag(command: string, flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw usageError(`${flag} must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`, command);
  return Number(value);
}
