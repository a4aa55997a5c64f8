/**
 * Turning what callers hand the parser (text, bytes, objects, CloudEvents, HTTP parts) into one JSON value.
 * @module
 */
import { type Issue, IssueCode } from "./issues.ts";
import { parseJsonText } from "./json-text.ts";

/** What {@link parse} accepts. */
export type ParseInput = string | Uint8Array | ArrayBuffer | object;

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes the input into a JSON value, or says why it cannot. */
export function decodeInput(input: ParseInput): { ok: true; value: unknown } | { ok: false; issues: Issue[] } {
  if (typeof input === "string") return text(input);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    let s: string;
    try {
      s = decoder.decode(input);
    } catch {
      return {
        ok: false,
        issues: [{ code: IssueCode.JsonSyntax, path: "", message: "the bytes are not valid UTF-8" }],
      };
    }
    return text(s);
  }
  return { ok: true, value: input };
}

function text(s: string): { ok: true; value: unknown } | { ok: false; issues: Issue[] } {
  const r = parseJsonText(s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
  return r.ok ? r : { ok: false, issues: [r.issue] };
}
