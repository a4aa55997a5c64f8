/**
 * Where a command reads and writes. `main` gets the process streams; keeping them behind this interface lets
 * commands be driven without a child process and keeps `process` out of command code.
 * @module
 */
import { styleText } from "node:util";

/** A text sink (stdout, stderr). */
export interface Sink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The streams and environment of one invocation. */
export interface Io {
  readonly stdout: Sink & NodeJS.WritableStream;
  readonly stderr: Sink & NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  /** Environment variables (`CAIRN_HUB`, `CAIRN_TOKEN`, the hub's `CAIRN_*` settings). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The streams of the running process. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

type Style = "dim" | "green" | "red" | "yellow" | "bold";

/** Writes lines to stdout/stderr, styling them only when the stream is a terminal and NO_COLOR is unset. */
export class Output {
  readonly #io: Io;

  constructor(io: Io) {
    this.#io = io;
  }

  /** One line on stdout. */
  line(text = ""): void {
    this.#io.stdout.write(`${text}\n`);
  }

  /** Text on stdout, as is (no newline added). */
  write(text: string): void {
    this.#io.stdout.write(text);
  }

  /** A value as pretty-printed JSON on stdout. */
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** A value as one compact JSON line on stdout (JSON Lines). */
  jsonLine(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  /** One line on stderr, as is. */
  err(text: string): void {
    this.#io.stderr.write(`${text}\n`);
  }

  /** A warning line on stderr, `cairn: warning: …`. */
  warn(text: string): void {
    this.err(`cairn: ${this.styleErr("yellow", "warning:")} ${text}`);
  }

  /** Styles text meant for stdout. */
  style(format: Style, text: string): string {
    return styleText(format, text, { stream: this.#io.stdout });
  }

  /** Styles text meant for stderr. */
  styleErr(format: Style, text: string): string {
    return styleText(format, text, { stream: this.#io.stderr });
  }
}
