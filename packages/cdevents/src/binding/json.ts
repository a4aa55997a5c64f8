/**
 * JSON and text helpers of the wire layer: bytes to text, JSON parsing whose errors carry a position on every
 * runtime, and base64. Browser- and edge-safe (TextDecoder, atob), no Node built-ins.
 * @module
 */
import { type Issue, IssueCode, type Result } from "../issues.ts";

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

/** Parses JSON text; a syntax error becomes a `json_syntax` issue naming line, column and offset. */
export function parseJson(text: string, path: string): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return fail(IssueCode.JsonSyntax, path, describeSyntaxError(text, e));
  }
}

/** Decodes standard base64 (RFC 4648 §4, padding optional) to bytes; `undefined` when malformed. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  try {
    const binary = atob(clean);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

// Engines word JSON.parse errors differently and V8 often omits the position ("Unexpected token 'x', ... is not
// valid JSON"), so the position is found by a small scanner that only runs after a failure.
function describeSyntaxError(text: string, e: unknown): string {
  if (text.trim() === "") return "the body is empty; expected JSON";
  let found: { at: number; expected: string } | undefined;
  try {
    found = new JsonScanner(text).run();
  } catch {
    found = undefined; // nesting too deep for the scanner: fall back to the engine's message
  }
  if (found === undefined) return `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
  const before = text.slice(0, found.at);
  const line = before.split("\n").length;
  const column = found.at - (before.lastIndexOf("\n") + 1) + 1;
  const seen = found.at < text.length ? JSON.stringify(text.slice(found.at, found.at + 1)) : "end of input";
  return `invalid JSON at line ${line}, column ${column} (offset ${found.at}): expected ${found.expected}, found ${seen}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[\u0020\u0021\u0023-\u005b\u005d-\u{10ffff}]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/uy;
const WS = /[ \t\n\r]*/y;

/** Finds the offset of the first JSON syntax error (RFC 8259 grammar). */
class JsonScanner {
  readonly #text: string;
  #at = 0;
  constructor(text: string) {
    this.#text = text;
  }

  run(): { at: number; expected: string } | undefined {
    const err = this.#value();
    if (err !== undefined) return err;
    this.#ws();
    return this.#at < this.#text.length ? { at: this.#at, expected: "end of input" } : undefined;
  }

  #ws(): void {
    WS.lastIndex = this.#at;
    WS.exec(this.#text);
    this.#at = WS.lastIndex;
  }

  #token(re: RegExp): boolean {
    re.lastIndex = this.#at;
    if (re.exec(this.#text) === null) return false;
    this.#at = re.lastIndex;
    return true;
  }

  #value(): { at: number; expected: string } | undefined {
    this.#ws();
    const c = this.#text[this.#at];
    if (c === "{") return this.#container("}", true);
    if (c === "[") return this.#container("]", false);
    if (c === '"') return this.#token(STRING) ? undefined : { at: this.#badString(), expected: "a valid string" };
    for (const word of ["true", "false", "null"]) {
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return undefined;
      }
    }
    return this.#token(NUMBER) ? undefined : { at: this.#at, expected: "a JSON value" };
  }

  #container(close: string, isObject: boolean): { at: number; expected: string } | undefined {
    this.#at++;
    this.#ws();
    if (this.#text[this.#at] === close) {
      this.#at++;
      return undefined;
    }
    for (;;) {
      if (isObject) {
        this.#ws();
        if (!this.#token(STRING)) return { at: this.#at, expected: "a property name in double quotes" };
        this.#ws();
        if (this.#text[this.#at] !== ":") return { at: this.#at, expected: "':'" };
        this.#at++;
      }
      const err = this.#value();
      if (err !== undefined) return err;
      this.#ws();
      const c = this.#text[this.#at];
      this.#at++;
      if (c === close) return undefined;
      if (c !== ",") return { at: this.#at - 1, expected: `',' or '${close}'` };
    }
  }

  // Points inside a malformed string at the offending character rather than at its opening quote.
  #badString(): number {
    let i = this.#at + 1;
    while (i < this.#text.length) {
      const c = this.#text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) return i;
      if (c === 0x5c) {
        const ok = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(this.#text.slice(i + 1, i + 6));
        if (!ok) return i;
        i += this.#text[i + 1] === "u" ? 6 : 2;
        continue;
      }
      i++;
    }
    return i;
  }
}
