/**
 * Reading JSON text with errors that say where: the JSON Pointer of the member being read when the syntax
 * broke, and the line and column. `JSON.parse` does the work; only when it fails does a small checker walk the
 * text to locate the error (V8's messages often carry no position).
 * @module
 */
import { type Issue, IssueCode, pointerToken } from "./issues.ts";

/** Parses JSON text, or returns a `json_syntax` issue locating the error. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; issue: Issue } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const found = locateSyntaxError(text) ?? {
      offset: 0,
      path: "",
      expected: e instanceof Error ? e.message : "valid JSON",
    };
    const before = text.slice(0, found.offset);
    const line = before.split("\n").length;
    const column = found.offset - before.lastIndexOf("\n");
    const near =
      found.offset < text.length
        ? `near ${JSON.stringify(text.slice(found.offset, found.offset + 12))}`
        : "at end of input";
    return {
      ok: false,
      issue: {
        code: IssueCode.JsonSyntax,
        path: found.path,
        message: `invalid JSON at line ${line} column ${column} (${near}): expected ${found.expected}`,
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
      if (c < 0x20) fail(path, "no raw control characters in strings (escape them)");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(path, "a \\u escape with four hex digits");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail(path, "a valid escape sequence");
      }
      i++;
    }
    if (i >= text.length) fail(path, 'a closing quote (")');
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
        if (text[i] !== '"') fail(path, "a member name in double quotes");
        const key = string(path);
        ws();
        if (text[i] !== ":") fail(`${path}/${pointerToken(key)}`, "':' after the member name");
        i++;
        value(`${path}/${pointerToken(key)}`);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail(`${path}/${pointerToken(key)}`, "',' or '}' after the member value");
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
        else fail(`${path}/${n}`, "',' or ']' after the array item");
      }
    }
    if (c === '"') return void string(path);
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) fail(path, "a value (object, array, string, number, true, false or null)");
    i += (lit as RegExpExecArray)[0].length;
  };
  try {
    value("");
    ws();
    if (i < text.length) fail("", "the end of the input after the JSON value");
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.at;
    throw e;
  }
}
