/**
 * Trigger conditions: a boolean expression over dependency names with `&&`, `||`, `!` and parentheses, as in Argo
 * Events (`(built || imported) && tested`). `!` binds tighter than `&&`, which binds tighter than `||`. A name is
 * true when that dependency has an event in the current window. A small parser of its own (no govaluate, no
 * CESQL): the language is tiny, and errors must say where they are.
 * @module
 */

/** A parsed condition. */
export type Condition =
  | { readonly kind: "dependency"; readonly name: string; readonly offset?: number }
  | { readonly kind: "not"; readonly operand: Condition }
  | { readonly kind: "and" | "or"; readonly left: Condition; readonly right: Condition };

/** Where a condition does not parse (or names an unknown dependency): offset in UTF-16 code units from 0, line and column from 1. */
export interface ConditionError {
  readonly message: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Outcome of {@link parseCondition}. */
export type ConditionResult =
  | { readonly ok: true; readonly condition: Condition }
  | { readonly ok: false; readonly error: ConditionError };

/** Dependency names: a letter or `_`, then letters, digits, `_` and `-`; at most 64 characters. */
export const DEPENDENCY_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** Longest condition text accepted. */
export const MAX_CONDITION_LENGTH = 4096;
/** Deepest nesting of parentheses and `!` accepted, so that hostile input cannot exhaust the stack. */
export const MAX_CONDITION_DEPTH = 64;

type Token =
  | { readonly kind: "name"; readonly text: string; readonly at: number }
  | { readonly kind: "&&" | "||" | "!" | "(" | ")" | "end"; readonly at: number };

class ParseFailure extends Error {
  readonly at: number;

  constructor(message: string, at: number) {
    super(message);
    this.at = at;
  }
}

/**
 * Parses a condition. Errors carry the position of the offending token.
 * @example
 * ```ts
 * const r = parseCondition("(built || imported) && tested");
 * if (r.ok) evaluateCondition(r.condition, (name) => name === "built" || name === "tested"); // true
 * ```
 */
export function parseCondition(text: string): ConditionResult {
  if (text.length > MAX_CONDITION_LENGTH)
    return failure(text, `is longer than ${MAX_CONDITION_LENGTH} characters`, MAX_CONDITION_LENGTH);
  try {
    const parser = new Parser(tokenize(text));
    const condition = parser.or(0);
    parser.expectEnd();
    return { ok: true, condition };
  } catch (e) {
    if (e instanceof ParseFailure) return failure(text, e.message, e.at);
    throw e;
  }
}

function failure(text: string, message: string, offset: number): ConditionResult {
  return { ok: false, error: conditionError(text, message, offset) };
}

/** An error at `offset` of `text`, with its line and column (`\n`, `\r\n` and a lone `\r` end lines). */
export function conditionError(text: string, message: string, offset: number): ConditionError {
  const lines = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { message, offset, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === "(" || c === ")" || c === "!") tokens.push({ kind: c, at: i++ });
    else if ((c === "&" || c === "|") && text[i + 1] === c) {
      tokens.push({ kind: c === "&" ? "&&" : "||", at: i });
      i += 2;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: "name", text: m[0], at: i });
      i += m[0].length;
    } else {
      const hint = c === "&" || c === "|" ? ` (write ${c}${c})` : "";
      throw new ParseFailure(`unexpected character ${JSON.stringify(c)}${hint}`, i);
    }
  }
  tokens.push({ kind: "end", at: text.length });
  return tokens;
}

// Recursive descent: or := and ("||" and)*; and := unary ("&&" unary)*; unary := "!" unary | "(" or ")" | name.
class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  #peek(): Token {
    return this.#tokens[this.#at] as Token;
  }

  or(depth: number): Condition {
    let left = this.#and(depth);
    while (this.#peek().kind === "||") {
      this.#at++;
      left = { kind: "or", left, right: this.#and(depth) };
    }
    return left;
  }

  #and(depth: number): Condition {
    let left = this.#unary(depth);
    while (this.#peek().kind === "&&") {
      this.#at++;
      left = { kind: "and", left, right: this.#unary(depth) };
    }
    return left;
  }

  #unary(depth: number): Condition {
    const t = this.#peek();
    if (depth > MAX_CONDITION_DEPTH) throw new ParseFailure(`nests more than ${MAX_CONDITION_DEPTH} levels deep`, t.at);
    if (t.kind === "!") {
      this.#at++;
      return { kind: "not", operand: this.#unary(depth + 1) };
    }
    if (t.kind === "(") {
      this.#at++;
      const inner = this.or(depth + 1);
      const close = this.#peek();
      if (close.kind !== ")") throw new ParseFailure(`expected ")" to close the "(" at offset ${t.at}`, close.at);
      this.#at++;
      return inner;
    }
    if (t.kind === "name") {
      this.#at++;
      if (!DEPENDENCY_NAME.test(t.text)) throw new ParseFailure(`"${t.text}" is not a dependency name`, t.at);
      return { kind: "dependency", name: t.text, offset: t.at };
    }
    throw new ParseFailure(`expected a dependency name, "!" or "(", found ${describe(t)}`, t.at);
  }

  expectEnd(): void {
    const t = this.#peek();
    if (t.kind !== "end") throw new ParseFailure(`expected "&&", "||" or the end, found ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  if (t.kind === "end") return "the end";
  return t.kind === "name" ? `"${t.text}"` : `"${t.kind}"`;
}

/** Evaluates a condition; `has(name)` says whether that dependency has an event in the window. */
export function evaluateCondition(condition: Condition, has: (name: string) => boolean): boolean {
  switch (condition.kind) {
    case "dependency":
      return has(condition.name);
    case "not":
      return !evaluateCondition(condition.operand, has);
    case "and":
      return evaluateCondition(condition.left, has) && evaluateCondition(condition.right, has);
    case "or":
      return evaluateCondition(condition.left, has) || evaluateCondition(condition.right, has);
  }
}

/** Every mention of a dependency in a condition, in text order, with its offset when parsed from text. */
export function conditionNames(condition: Condition): { readonly name: string; readonly offset?: number }[] {
  const names: { name: string; offset?: number }[] = [];
  const walk = (c: Condition): void => {
    if (c.kind === "dependency")
      names.push(c.offset === undefined ? { name: c.name } : { name: c.name, offset: c.offset });
    else if (c.kind === "not") walk(c.operand);
    else {
      walk(c.left);
      walk(c.right);
    }
  };
  walk(condition);
  return names;
}

/** The default condition: every name ANDed. */
export function allOf(names: readonly string[]): Condition {
  const [first, ...rest] = names;
  if (first === undefined) throw new RangeError("a condition needs at least one dependency");
  let condition: Condition = { kind: "dependency", name: first };
  for (const name of rest) condition = { kind: "and", left: condition, right: { kind: "dependency", name } };
  return condition;
}
