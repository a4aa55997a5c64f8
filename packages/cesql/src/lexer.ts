/**
 * The lexer: expression text to tokens, in one pass. Keywords are case-insensitive (spec §2); words are classified
 * here as keywords or integers, and as identifiers or function names by the parser, which sees what follows.
 * @module
 */
import { type CesqlParseError, ErrorCode, parseError } from "./errors.ts";
import type { Locator } from "./position.ts";

/** What a token is. */
export type TokenKind = "integer" | "string" | "word" | "keyword" | "operator" | "(" | ")" | "," | "end";

/** One token of the expression text. */
export interface Token {
  readonly kind: TokenKind;
  /**
   * Integer: its digits. String: the unescaped value. Word: the text as written. Keyword: upper case. Operator: the
   * symbol. Punctuation: itself. End: empty.
   */
  readonly value: string;
  /** Offset of the first code unit. */
  readonly start: number;
  /** Offset after the last code unit. */
  readonly end: number;
}

/** The keywords (spec §2.3 and booleans), upper case. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "AND",
  "OR",
  "XOR",
  "NOT",
  "LIKE",
  "IN",
  "EXISTS",
  "TRUE",
  "FALSE",
]);

/** Result of {@link tokenize}. */
export type TokenizeResult =
  | { readonly ok: true; readonly tokens: readonly Token[] }
  | { readonly ok: false; readonly error: CesqlParseError };

/** Splits `text` into tokens, ending with an `end` token. */
export function tokenize(text: string, at: Locator): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const token = c === 39 || c === 34 ? readString(text, i) : isWordChar(c) ? readWord(text, i) : readSymbol(text, i);
    if (token === undefined) return { ok: false, error: unexpectedCharacter(text, i, at) };
    if (token === "unterminated") {
      return {
        ok: false,
        error: parseError(ErrorCode.UnterminatedString, "string literal has no closing quote", at(i)),
      };
    }
    tokens.push(token);
    i = token.end;
  }
  tokens.push({ kind: "end", value: "", start: text.length, end: text.length });
  return { ok: true, tokens };
}

function unexpectedCharacter(text: string, i: number, at: Locator): CesqlParseError {
  const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
  return parseError(ErrorCode.UnexpectedCharacter, `unexpected character ${JSON.stringify(ch)}`, at(i));
}

/** Space, tab, line feed, vertical tab, form feed, carriage return. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** ASCII letters, digits and `_`: identifiers, function names, keywords and integers are all made of these. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function readWord(text: string, start: number): Token {
  let end = start + 1;
  while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
  const value = text.slice(start, end);
  if (isDigits(value)) return { kind: "integer", value, start, end };
  const upper = value.toUpperCase();
  if (KEYWORDS.has(upper)) return { kind: "keyword", value: upper, start, end };
  return { kind: "word", value, start, end };
}

const TWO_CHAR_OPERATORS: ReadonlySet<string> = new Set(["!=", "<>", "<=", ">="]);
const ONE_CHAR_SYMBOLS: ReadonlySet<string> = new Set(["=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ","]);

function readSymbol(text: string, start: number): Token | undefined {
  const two = text.slice(start, start + 2);
  if (TWO_CHAR_OPERATORS.has(two)) return { kind: "operator", value: two, start, end: start + 2 };
  const one = text.charAt(start);
  if (!ONE_CHAR_SYMBOLS.has(one)) return undefined;
  const kind = one === "(" || one === ")" || one === "," ? one : "operator";
  return { kind, value: one, start, end: start + 1 };
}

/**
 * Reads a string literal starting at its quote. Inside, `\` followed by the delimiting quote gives the quote (spec
 * §2.2), `\\` gives one backslash, and a doubled delimiter (`''` or `""`, as in SQL and the official ANTLR lexer)
 * gives one quote. A backslash before anything else is kept as written, so `'ab\c'` is the four characters `ab\c`
 * (the test kit relies on it) and LIKE patterns keep their `\%` and `\_` escapes.
 */
function readString(text: string, start: number): Token | "unterminated" {
  const quote = text.charCodeAt(start);
  let value = "";
  let from = start + 1;
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === quote || next === 92) {
        value += text.slice(from, i) + text.charAt(i + 1);
        i += 2;
        from = i;
      } else i++;
    } else if (c === quote) {
      if (text.charCodeAt(i + 1) !== quote) {
        return { kind: "string", value: value + text.slice(from, i), start, end: i + 1 };
      }
      value += text.slice(from, i + 1);
      i += 2;
      from = i;
    } else i++;
  }
  return "unterminated";
}
