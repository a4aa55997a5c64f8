/**
 * The syntax tree the parser produces and the compiler consumes. Every node carries its span in the source text
 * (`start` and `end` offsets) so that errors can point at it.
 * @module
 */
import type { CesqlValue } from "./types.ts";

/** The span every node carries. */
interface Span {
  /** Offset of the node's first code unit in the expression text. */
  readonly start: number;
  /** Offset after its last code unit. */
  readonly end: number;
}

/** An integer, string or boolean literal. */
export interface LiteralNode extends Span {
  readonly kind: "literal";
  readonly value: CesqlValue;
}

/** A reference to a context attribute or extension; `name` is lower case (identifiers are case-insensitive). */
export interface IdentifierNode extends Span {
  readonly kind: "identifier";
  readonly name: string;
}

/** `EXISTS name`. */
export interface ExistsNode extends Span {
  readonly kind: "exists";
  readonly name: string;
}

/** `NOT x` or `-x`. */
export interface UnaryNode extends Span {
  readonly kind: "unary";
  readonly operator: "NOT" | "-";
  readonly operand: Expression;
}

/** Arithmetic operators. */
export type ArithmeticOperator = "+" | "-" | "*" | "/" | "%";
/** Comparison operators; `<>` is kept apart from `!=` only so that printing gives back what was written. */
export type ComparisonOperator = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=";
/** Operators of {@link BinaryNode}. */
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | "XOR";

/** A binary operation other than AND and OR. */
export interface BinaryNode extends Span {
  readonly kind: "binary";
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  /** Offset of the operator, where math errors point. */
  readonly operatorAt: number;
}

/**
 * A chain of AND (or of OR) operations, `a AND b AND c`, kept flat so that long generated filters do not make deep
 * trees. It means exactly the left-associative `(a AND b) AND c`; a right operand that is itself an AND in
 * parentheses stays a separate node.
 */
export interface LogicalNode extends Span {
  readonly kind: "logical";
  readonly operator: "AND" | "OR";
  /** Two or more operands, left to right. */
  readonly operands: readonly Expression[];
}

/** `x [NOT] LIKE 'pattern'`; the pattern is always a string literal (spec §3.4.3). */
export interface LikeNode extends Span {
  readonly kind: "like";
  readonly negated: boolean;
  readonly operand: Expression;
  /** The pattern's value, with its `\%`, `\_` and `\\` escapes still in it. */
  readonly pattern: string;
}

/** `x [NOT] IN (y1, y2, …)`, with at least one element. */
export interface InNode extends Span {
  readonly kind: "in";
  readonly negated: boolean;
  readonly operand: Expression;
  readonly set: readonly Expression[];
}

/** A function invocation; `name` is upper case (function names are case-insensitive). */
export interface CallNode extends Span {
  readonly kind: "call";
  readonly name: string;
  readonly args: readonly Expression[];
}

/** Any CESQL expression. */
export type Expression =
  | LiteralNode
  | IdentifierNode
  | ExistsNode
  | UnaryNode
  | BinaryNode
  | LogicalNode
  | LikeNode
  | InNode
  | CallNode;

/** The direct subexpressions of a node, left to right. */
export function children(node: Expression): readonly Expression[] {
  switch (node.kind) {
    case "literal":
    case "identifier":
    case "exists":
      return [];
    case "unary":
      return [node.operand];
    case "binary":
      return [node.left, node.right];
    case "logical":
      return node.operands;
    case "like":
      return [node.operand];
    case "in":
      return [node.operand, ...node.set];
    case "call":
      return node.args;
  }
}
