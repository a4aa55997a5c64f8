/**
 * The one error type of the CLI: a message for people, the exit code it maps to, and optional detail lines
 * (issues) printed under the message.
 * @module
 */

/** Exit codes of `cairn`. */
export const ExitCode = {
  /** Everything worked and every input was valid. */
  Ok: 0,
  /** An input was invalid or an operation failed (unreadable file, HTTP error, network error). */
  Failure: 1,
  /** The command line itself was wrong: unknown flag or command, missing or malformed argument. */
  Usage: 2,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Options of {@link CliError}. */
export interface CliErrorOptions extends ErrorOptions {
  /** Lines printed, indented, after the message (e.g. validation issues). */
  readonly details?: readonly string[];
  /** The command whose `--help` a usage error should point to. */
  readonly command?: string;
}

/** An error that ends the command with a clear message and a specific exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCode;
  /** Extra lines shown under the message. */
  readonly details: readonly string[];
  /** The command a usage error refers to, for the `--help` hint. */
  readonly command: string | undefined;

  constructor(message: string, exitCode: ExitCode = ExitCode.Failure, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = exitCode;
    this.details = options.details ?? [];
    this.command = options.command;
  }
}

/** A usage error (exit 2) that points to the command's help. */
export function usageError(message: string, command?: string): CliError {
  return new CliError(message, ExitCode.Usage, command === undefined ? {} : { command });
}

/** The message of anything thrown, without its stack. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
