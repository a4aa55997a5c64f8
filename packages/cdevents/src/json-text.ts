/**
 * Reading JSON text with errors that say where: the JSON Pointer of the member being read when the syntax
 * broke, and the line and column. `JSON.parse` does the work; only when it fails does a small checker walk the
 * text to locate the error (V8's messages often carry no position).
 * @module
 */
import { type Issue, IssueCode, pointerToken } from "./issues.ts";

/**
 * Parses JSON text, or returns a `json_syntax` issue locating the error: its `path` is `prefix` plus the pointer of
 * the member being read, its message gives line, column and offset and what was expected there.
 */
export function parseJsonText(text: string, prefix = ""): { ok: true; value: unknown } | { ok: false; issue: Issue } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    if (text.trim() === "")
      return {
        ok: false,
        issue: { code: IssueCode.JsonSyntax, path: prefix, message: "the body is empty; expected JSON" },
      };
    const found = locateSyntaxError(text);
    if (!found)
      return {
        ok: false,
        issue: { code: IssueCode.JsonSyntax, path: prefix, message: `invalid JSON: ${(e as Error).message}` },
      };
    const before = text.slice(0, found.offset);
    const line = before.split("\n").length;
    const column = found.offset - before.lastIndexOf("\n");
    const seen =
      found.offset < text.length ? JSON.stringify(text.slice(found.offset, found.offset + 1)) : "end of input";
    return {
      ok: false,
      issue: {
        code: IssueCode.JsonSyntax,
        path: prefix + found.path,
        message: `invalid JSON at line ${line}, column ${column} (offset ${found.offset}): expected ${found.expected}, found ${seen}`,
      },
    };
  }
}

interface SyntaxErrorAt {
  readonly offset: number;
  readonly path: string;
  readonly expected: string;
}

class Stop {
  readonly at: SyntaxErrorAt;
  constructor(at: SyntaxErrorAt) {
    this.at = at;
  }
}

/** Walks JSON text and reports the first syntax error with its offset and member path. */
export function locateSyntaxError(text: string): SyntaxErrorAt | undefined {
  let i = 0;
  const fail = (path: string, expected: string): never => {
    throw new Stop({ offset: i, path, expected });
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const string = (path: string): string => {
    const start = ++i;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail(path, "a valid string");
      if (text[i] === "\\") {
        if (!/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(i + 1, i + 6))) fail(path, "a valid string");
        i += text[i + 1] === "u" ? 5 : 1;
      }
      i++;
    }
    if (i >= text.length) fail(path, "a valid string");
    return text.slice(start, i++);
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(path, "a property name in double quotes");
        const key = string(path);
        ws();
        if (text[i] !== ":") fail(`${path}/${pointerToken(key)}`, "':'");
        i++;
        value(`${path}/${pointerToken(key)}`);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail(`${path}/${pointerToken(key)}`, "',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        value(`${path}/${n}`);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail(`${path}/${n}`, "',' or ']'");
      }
    }
    if (c === '"') return void string(path);
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) fail(path, "a JSON value");
    i += (lit as RegExpExecArray)[0].length;
  };
  try {
    value("");
    ws();
    if (i < text.length) fail("", "end of input");
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.at;
    throw e;
  }
}
