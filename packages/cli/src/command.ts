/**
 * The shape of a `cairn` sub-command.
 * @module
 */
import type { Io } from "./io.ts";

/** One sub-command: its help and its entry point, which returns the exit code. */
export interface Command {
  /** Full text of `cairn <name> --help`. */
  readonly help: string;
  /** Runs the command; throws {@link CliError} for failures that end it. `--help` never reaches here. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

/**
 * A listed sub-command. Commands are loaded on use, so `cairn validate` never loads `node:http` and a
 * problem in one command's dependencies cannot break the others.
 */
export interface CommandEntry {
  /** The verb, e.g. `validate`. */
  readonly name: string;
  /** One line for `cairn --help`. */
  readonly summary: string;
  /** Loads the command's module. */
  load(): Promise<Command>;
}
