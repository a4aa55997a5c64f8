/**
 * JSON and text helpers of the wire layer: bytes to text, JSON parsing whose errors carry a position on every
 * runtime, and base64. Browser- and edge-safe (TextDecoder, atob), no Node built-ins.
 * @module
 */
import { type Issue, IssueCode, type Result } from "../issues.ts";
import { parseJsonText } from "../json-text.ts";

/** A JSON object as parsed from the wire. */
export type JsonObject = { [key: string]: unknown };

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** One issue in a failed result. */
export function fail(code: Issue["code"], path: string, message: string): { ok: false; issues: Issue[] } {
  return { ok: false, issues: [{ code, path, message }] };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Text of a message body. Bytes must be valid UTF-8 (JSON on the wire is UTF-8, RFC 8259 §8.1); a leading byte
 * order mark is dropped from strings too, because `JSON.parse` would reject it while TextDecoder already drops it.
 */
export function bodyText(body: string | Uint8Array, path: string): Result<string> {
  if (typeof body === "string") return { ok: true, value: body.charCodeAt(0) === 0xfeff ? body.slice(1) : body };
  try {
    return { ok: true, value: utf8.decode(body) };
  } catch {
    return fail(IssueCode.JsonSyntax, path, "the body is not valid UTF-8");
  }
}

/** Parses JSON text; a syntax error becomes a `json_syntax` issue with the member path, line, column and offset. */
export function parseJson(text: string, path: string): Result<unknown> {
  const r = parseJsonText(text, path);
  return r.ok ? r : { ok: false, issues: [r.issue] };
}
