/**
 * The parser: tokens to a syntax tree, by precedence climbing. Precedence follows spec §3.6, highest first:
 * function calls; unary `NOT` and `-`; `LIKE`; `EXISTS`; `IN`; `* / %`; `+ -`; comparisons; `AND OR XOR`. Operators
 * of equal precedence associate left to right — AND, OR and XOR included, so `a OR b AND c` is `(a OR b) AND c`.
 * @module
 */
import type { BinaryOperator, CallNode, Expression, IdentifierNode, InNode, LikeNode, LiteralNode } from "./ast.ts";
import { children } from "./ast.ts";
import { type CesqlParseError, ErrorCode, parseError } from "./errors.ts";
import { type Token, tokenize } from "./lexer.ts";
import { type Locator, locator } from "./position.ts";
import { INT_MAX } from "./types.ts";

/**
 * The deepest nesting the parser accepts. Each parenthesis, unary operator, function call or operator in a
 * left-to-right chain of arithmetic, comparison or XOR operators adds a level (chains of AND or of OR do not). The
 * bound keeps compilation and evaluation far from the call-stack limit.
 */
export const MAX_DEPTH = 256;

/** Result of {@link parse}. */
export type ParseResult =
  | { readonly ok: true; readonly expression: Expression }
  | { readonly ok: false; readonly error: CesqlParseError };

/** Parses a CESQL expression. Never throws: problems come back as a parse error with a position. */
export function parse(text: string): ParseResult {
  const at = locator(text);
  const lexed = tokenize(text, at);
  if (!lexed.ok) return lexed;
  try {
    const expression = new Parser(lexed.tokens, at).parseAll();
    const deep = tooDeepNode(expression);
    if (deep !== undefined) return { ok: false, error: tooDeep(at(deep.start)) };
    return { ok: true, expression };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/** Thrown inside the parser only, and turned into a result by {@link parse}. */
class ParseFailure {
  readonly error: CesqlParseError;
  constructor(error: CesqlParseError) {
    this.error = error;
  }
}

function tooDeep(position: CesqlParseError["position"]): CesqlParseError {
  return parseError(ErrorCode.TooDeep, `expression nests deeper than ${MAX_DEPTH} levels`, position);
}

/** A node deeper than {@link MAX_DEPTH}, found without recursion (the tree may be deep). */
function tooDeepNode(root: Expression): Expression | undefined {
  const stack: [Expression, number][] = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (depth > MAX_DEPTH) return node;
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** Binding powers: an operator binds its operands tighter than any operator with a lower power. */
const POWER = { logic: 1, compare: 2, add: 3, multiply: 4, in: 5, like: 6, prefix: 7 } as const;

const OPERATOR_POWER: Readonly<Record<string, number>> = {
  AND: POWER.logic,
  OR: POWER.logic,
  XOR: POWER.logic,
  "=": POWER.compare,
  "!=": POWER.compare,
  "<>": POWER.compare,
  "<": POWER.compare,
  "<=": POWER.compare,
  ">": POWER.compare,
  ">=": POWER.compare,
  "+": POWER.add,
  "-": POWER.add,
  "*": POWER.multiply,
  "/": POWER.multiply,
  "%": POWER.multiply,
  IN: POWER.in,
  LIKE: POWER.like,
};

const IDENTIFIER = /^[A-Za-z0-9]+$/;
const FUNCTION_NAME = /^[A-Za-z][A-Za-z_]*$/;

class Parser {
  readonly #tokens: readonly Token[];
  readonly #at: Locator;
  #index = 0;
  #depth = 0;

  constructor(tokens: readonly Token[], at: Locator) {
    this.#tokens = tokens;
    this.#at = at;
  }

  parseAll(): Expression {
    const expression = this.expression(0);
    const t = this.#peek();
    if (t.kind !== "end") this.#fail(t, `expected an operator or the end of the expression, found ${describe(t)}`);
    return expression;
  }

  /** An expression whose operators all bind tighter than `minPower`. */
  expression(minPower: number): Expression {
    if (++this.#depth > MAX_DEPTH) throw new ParseFailure(tooDeep(this.#at(this.#peek().start)));
    let left = this.#prefix();
    for (let power = this.#infixPower(); power > minPower; power = this.#infixPower()) left = this.#infix(left, power);
    this.#depth--;
    return left;
  }

  #peek(ahead = 0): Token {
    // The last token is always `end`, so clamping keeps every look-ahead defined.
    return this.#tokens[Math.min(this.#index + ahead, this.#tokens.length - 1)] as Token;
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== "end") this.#index++;
    return t;
  }

  #fail(t: Token, message: string): never {
    const code = t.kind === "end" ? ErrorCode.UnexpectedEnd : ErrorCode.UnexpectedToken;
    throw new ParseFailure(parseError(code, message, this.#at(t.start)));
  }

  #expect(kind: "(" | ")", context: string): Token {
    const t = this.#next();
    if (t.kind !== kind) this.#fail(t, `expected "${kind}" ${context}, found ${describe(t)}`);
    return t;
  }

  /** The binding power of the token after a complete operand, or 0 when it continues no expression. */
  #infixPower(): number {
    const t = this.#peek();
    if (t.kind === "keyword" && t.value === "NOT") {
      const after = this.#peek(1);
      if (after.kind === "keyword" && (after.value === "LIKE" || after.value === "IN")) {
        return OPERATOR_POWER[after.value] as number;
      }
      this.#fail(after, `expected LIKE or IN after NOT, found ${describe(after)}`);
    }
    if (t.kind !== "keyword" && t.kind !== "operator") return 0;
    return OPERATOR_POWER[t.value] ?? 0;
  }

  #prefix(): Expression {
    const t = this.#next();
    switch (t.kind) {
      case "integer":
        return this.#integer(t, t.start, false);
      case "string":
        return { kind: "literal", value: t.value, start: t.start, end: t.end };
      case "keyword":
        return this.#keywordPrefix(t);
      case "operator":
        return this.#sign(t);
      case "(": {
        const inner = this.expression(0);
        this.#expect(")", "to close the parenthesis");
        return inner;
      }
      case "word":
        return this.#peek().kind === "(" ? this.#call(t) : this.#identifier(t);
      default:
        return this.#fail(t, `expected an expression, found ${describe(t)}`);
    }
  }

  #keywordPrefix(t: Token): Expression {
    switch (t.value) {
      case "TRUE":
      case "FALSE":
        return { kind: "literal", value: t.value === "TRUE", start: t.start, end: t.end };
      case "NOT": {
        const operand = this.expression(POWER.prefix);
        return { kind: "unary", operator: "NOT", operand, start: t.start, end: operand.end };
      }
      case "EXISTS": {
        const name = this.#next();
        if (name.kind !== "word") this.#fail(name, `expected an attribute name after EXISTS, found ${describe(name)}`);
        return { kind: "exists", name: this.#identifier(name).name, start: t.start, end: name.end };
      }
      default:
        return this.#fail(t, `expected an expression, found ${describe(t)}`);
    }
  }

  /**
   * A `-` or `+` where an operand starts. Directly before an integer it is the literal's sign (spec §2.2), which is
   * what makes `-2147483648` a valid literal; otherwise `-` is the negation operator and `+` an error.
   */
  #sign(t: Token): Expression {
    const next = this.#peek();
    if (t.value === "-") {
      if (next.kind === "integer") return this.#integer(this.#next(), t.start, true);
      const operand = this.expression(POWER.prefix);
      return { kind: "unary", operator: "-", operand, start: t.start, end: operand.end };
    }
    if (t.value === "+" && next.kind === "integer" && next.start === t.end) {
      return this.#integer(this.#next(), t.start, false);
    }
    return this.#fail(t, `expected an expression, found ${describe(t)}`);
  }

  #integer(digits: Token, start: number, negative: boolean): LiteralNode {
    const significant = digits.value.replace(/^0+(?=\d)/, "");
    const magnitude = significant.length > 10 ? Number.POSITIVE_INFINITY : Number(significant);
    if (magnitude > INT_MAX + (negative ? 1 : 0)) {
      const text = `${negative ? "-" : ""}${digits.value}`;
      const message = `integer literal ${text} is outside the 32-bit range -2147483648..2147483647`;
      throw new ParseFailure(parseError(ErrorCode.IntegerOutOfRange, message, this.#at(start)));
    }
    // `| 0` turns -0 into 0.
    return { kind: "literal", value: (negative ? -magnitude : magnitude) | 0, start, end: digits.end };
  }

  #identifier(t: Token): IdentifierNode {
    if (!IDENTIFIER.test(t.value)) {
      const message = `"${t.value}" is not a valid attribute name: use letters and digits only`;
      throw new ParseFailure(parseError(ErrorCode.InvalidIdentifier, message, this.#at(t.start)));
    }
    return { kind: "identifier", name: t.value.toLowerCase(), start: t.start, end: t.end };
  }

  #call(name: Token): CallNode {
    if (!FUNCTION_NAME.test(name.value)) {
      const message = `"${name.value}" is not a valid function name: use a letter, then letters and underscores`;
      throw new ParseFailure(parseError(ErrorCode.InvalidFunctionName, message, this.#at(name.start)));
    }
    this.#expect("(", "after the function name");
    const args = this.#peek().kind === ")" ? [] : this.#list();
    const close = this.#expect(")", "to close the argument list");
    return { kind: "call", name: name.value.toUpperCase(), args, start: name.start, end: close.end };
  }

  /** One or more comma-separated expressions. */
  #list(): Expression[] {
    const items = [this.expression(0)];
    while (this.#peek().kind === ",") {
      this.#next();
      items.push(this.expression(0));
    }
    return items;
  }

  #infix(left: Expression, power: number): Expression {
    const op = this.#next();
    const negated = op.value === "NOT";
    const keyword = negated ? this.#next().value : op.value;
    if (keyword === "LIKE") return this.#like(left, negated);
    if (keyword === "IN") return this.#in(left, negated);
    const right = this.expression(power);
    if (keyword === "AND" || keyword === "OR") {
      const operands = left.kind === "logical" && left.operator === keyword ? left.operands : [left];
      // Sharing the array keeps a long chain linear; no other node holds it.
      (operands as Expression[]).push(right);
      return { kind: "logical", operator: keyword, operands, start: left.start, end: right.end };
    }
    const operator = keyword as BinaryOperator;
    return { kind: "binary", operator, left, right, operatorAt: op.start, start: left.start, end: right.end };
  }

  #like(operand: Expression, negated: boolean): LikeNode {
    const pattern = this.#next();
    if (pattern.kind !== "string") {
      const message = `the pattern of LIKE must be a string literal, found ${describe(pattern)}`;
      throw new ParseFailure(parseError(ErrorCode.LikePatternNotString, message, this.#at(pattern.start)));
    }
    return { kind: "like", negated, operand, pattern: pattern.value, start: operand.start, end: pattern.end };
  }

  #in(operand: Expression, negated: boolean): InNode {
    this.#expect("(", "to open the set of IN");
    const set = this.#list();
    const close = this.#expect(")", "to close the set of IN");
    return { kind: "in", negated, operand, set, start: operand.start, end: close.end };
  }
}

/** How a token is named in messages. */
function describe(t: Token): string {
  switch (t.kind) {
    case "end":
      return "the end of the expression";
    case "string":
      return `the string ${JSON.stringify(t.value)}`;
    case "integer":
      return `the integer ${t.value}`;
    case "keyword":
      return t.value;
    case "word":
      return `"${t.value}"`;
    default:
      return `"${t.value}"`;
  }
}
