/**
 * Printing: syntax trees back to expression text (canonical spelling, parentheses only where precedence needs them),
 * and literals and LIKE patterns built safely from arbitrary values — for generating filters, e.g. rewriting the
 * Subscriptions API's `prefix` dialect as `LIKE`.
 * @module
 */
import type { Expression } from "./ast.ts";
import { type CesqlValue, isInteger } from "./types.ts";

/**
 * A literal for `value`: `'text'` (with `\` and `'` escaped), an integer, `TRUE` or `FALSE`. Throws a RangeError
 * for a number that is not a 32-bit integer, which has no CESQL literal.
 */
export function formatLiteral(value: CesqlValue): string {
  if (typeof value === "string") return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (!isInteger(value)) throw new RangeError(`${value} is not a 32-bit integer: CESQL has no literal for it`);
  return String(value | 0);
}

/** `text` as a LIKE pattern that matches exactly `text`: `%`, `_` and `\` escaped with `\`. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Binding powers, as in the parser; atoms bind tightest. */
const ATOM = 8;
const PREFIX = 7;
const POWER: Readonly<Record<string, number>> = {
  AND: 1,
  OR: 1,
  XOR: 1,
  "=": 2,
  "!=": 2,
  "<>": 2,
  "<": 2,
  "<=": 2,
  ">": 2,
  ">=": 2,
  "+": 3,
  "-": 3,
  "*": 4,
  "/": 4,
  "%": 4,
};

function power(node: Expression): number {
  switch (node.kind) {
    case "binary":
      return POWER[node.operator] as number;
    case "logical":
      return 1;
    case "in":
      return 5;
    case "like":
      return 6;
    case "unary":
      return PREFIX;
    default:
      return ATOM;
  }
}

/**
 * Expression text for a syntax tree. Parsing the text gives back an equal tree (spans aside): keywords and function
 * names in upper case, attribute names in lower case, strings single-quoted.
 */
export function print(node: Expression): string {
  return printAt(node, 0);
}

/** `node`, in parentheses unless it binds at least as tightly as `min`. */
function printAt(node: Expression, min: number): string {
  const text = printNode(node);
  return power(node) < min ? `(${text})` : text;
}

function printNode(node: Expression): string {
  switch (node.kind) {
    case "literal":
      return formatLiteral(node.value);
    case "identifier":
      return node.name;
    case "exists":
      return `EXISTS ${node.name}`;
    case "call":
      return `${node.name}(${node.args.map((a) => printAt(a, 0)).join(", ")})`;
    case "unary":
      return printUnary(node.operator, node.operand);
    case "binary": {
      const p = POWER[node.operator] as number;
      return `${printAt(node.left, p)} ${node.operator} ${printAt(node.right, p + 1)}`;
    }
    case "logical":
      return node.operands.map((o, i) => printAt(o, i === 0 ? 1 : 2)).join(` ${node.operator} `);
    case "like":
      return `${printAt(node.operand, 6)} ${node.negated ? "NOT LIKE" : "LIKE"} ${formatLiteral(node.pattern)}`;
    case "in":
      return `${printAt(node.operand, 5)} ${node.negated ? "NOT IN" : "IN"} (${node.set.map((e) => printAt(e, 0)).join(", ")})`;
  }
}

function printUnary(operator: "NOT" | "-", operand: Expression): string {
  if (operator === "NOT") return `NOT ${printAt(operand, PREFIX)}`;
  const text = printAt(operand, PREFIX);
  // `-5` would read back as the literal -5, not as the negation of 5.
  return /^[0-9]/.test(text) ? `-(${text})` : `-${text}`;
}
