/**
 * Reading inputs: a file path, or `-` for stdin, as raw bytes (the SDK checks UTF-8 and JSON itself, so its
 * issues name the exact problem). JSON Lines files are split on newlines at the byte level for the same reason.
 * @module
 */
import { readFile } from "node:fs/promises";
import { CliError, ExitCode } from "./errors.ts";

/** The name shown for stdin. */
export const STDIN_LABEL = "<stdin>";

/** How an input name is shown: the path, or `<stdin>` for `-`. */
export function inputLabel(name: string): string {
  return name === "-" ? STDIN_LABEL : name;
}

/** Reads a whole file, or stdin for `-`. Throws a {@link CliError} (exit 1) naming the file when it cannot. */
export async function readInput(name: string, stdin: NodeJS.ReadableStream): Promise<Uint8Array> {
  try {
    return name === "-" ? await readStream(stdin) : await readFile(name);
  } catch (e) {
    throw new CliError(`cannot read ${inputLabel(name)}: ${ioReason(e)}`, ExitCode.Failure, { cause: e });
  }
}

/** Reads a file as UTF-8 text (for schemas and other small auxiliary files). */
export async function readTextFile(name: string, what: string): Promise<string> {
  try {
    return await readFile(name, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${what} ${name}: ${ioReason(e)}`, ExitCode.Failure, { cause: e });
  }
}

/** Parses JSON text read from an auxiliary file, or throws a {@link CliError} naming the file. */
export function parseJsonFile(text: string, name: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what} ${name} is not valid JSON: ${(e as Error).message}`, ExitCode.Failure);
  }
}

/** True for file names whose content is one JSON value per line. */
export function isJsonLinesName(name: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(name);
}

/** One non-blank line of a JSON Lines input, 1-based. */
export interface Line {
  readonly line: number;
  readonly bytes: Uint8Array;
}

/** Splits bytes into non-blank lines (LF or CRLF). */
export function splitLines(bytes: Uint8Array): Line[] {
  const lines: Line[] = [];
  let start = 0;
  let n = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const end = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
    const chunk = bytes.subarray(start, end);
    if (!isBlank(chunk)) lines.push({ line: n, bytes: chunk });
    start = i + 1;
    n++;
  }
  return lines;
}

const isBlank = (b: Uint8Array) => b.every((c) => c === 0x20 || c === 0x09 || c === 0x0d);

async function readStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

// The system message repeats the path and syscall ("ENOENT: no such file or directory, open 'x'"); the CLI
// already names the file, so only the reason is kept.
function ioReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return e instanceof Error ? e.message : String(e);
}
