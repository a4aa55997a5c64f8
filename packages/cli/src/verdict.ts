/**
 * The CLI's view of one parse result: a flat, JSON-friendly record, and its human rendering.
 * @module
 */
import { formatIssues, type Issue, type ParseResult } from "@cairn/cdevents";
import type { Output } from "./io.ts";

/** A problem with an input: an SDK issue, or a CLI-level one such as `read_error`. */
export interface VerdictIssue {
  readonly code: string;
  /** JSON Pointer into the event (`""` for the whole input), or a prefixed location such as `header:ce-id`. */
  readonly path: string;
  readonly message: string;
}

/** One validated input, as printed by `--json` (key order is part of the output format). */
export interface Verdict {
  /** File name, `file:line` for JSON Lines, `<stdin>`, or a description of an HTTP message. */
  readonly input: string;
  readonly ok: boolean;
  /** The declared type the event was checked against; for failures and unknown kinds, `context.type` if readable. */
  readonly type: string | null;
  /** The spec release it was checked against. */
  readonly release: string | null;
  /** `exact`, `compatible`, `custom` or `unknown`; null for failures. */
  readonly kind: string | null;
  readonly issues: readonly VerdictIssue[];
  readonly notes: readonly string[];
}

/** Flattens a parse result into a {@link Verdict}. */
export function verdictOf(input: string, r: ParseResult): Verdict {
  if (!r.ok) return { input, ok: false, type: r.type ?? null, release: null, kind: null, issues: r.issues, notes: [] };
  const type = r.type ?? r.event.context.type;
  return { input, ok: true, type, release: r.release, kind: r.kind, issues: [], notes: r.notes };
}

/** A verdict for an input that could not even be read or decoded. */
export function failedVerdict(input: string, issues: readonly VerdictIssue[]): Verdict {
  return { input, ok: false, type: null, release: null, kind: null, issues, notes: [] };
}

/** Prints `✓ input  type (release, kind)` plus dim notes, or `✗ input  type` plus one line per issue. */
export function printVerdict(out: Output, v: Verdict, headline = v.input): void {
  if (v.ok) {
    out.line(`${out.style("green", "✓")} ${headline}  ${v.type} (${v.release}, ${v.kind})`);
    for (const note of v.notes) out.line(out.style("dim", `    note: ${note}`));
    return;
  }
  out.line(`${out.style("red", "✗")} ${headline}${v.type === null ? "" : `  ${v.type}`}`);
  printIssues(out, v.issues);
}

/** Prints issues as indented `path: message (code)` lines on stdout. */
export function printIssues(out: Output, issues: readonly VerdictIssue[]): void {
  for (const i of issues) out.line(`  ${formatIssue(i)}`);
}

/** `path: message (code)`, the SDK's `formatIssues` layout, for one issue; `/` stands for the whole input. */
export function formatIssue(i: VerdictIssue): string {
  return formatIssues([i as Issue]);
}
