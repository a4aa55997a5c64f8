/**
 * The error model. Errors are data, never thrown: `compile` returns a parse error, `evaluate` returns the list of
 * errors met on the way (spec §3.3), each with the spec's kind, a stable code, a message and where in the
 * expression it arose.
 * @module
 */
import type { SourcePosition } from "./position.ts";

/** The spec's error types (§3.3), spelled as the test kit spells them, plus `generic` for anything else. */
export const ErrorKind = {
  Parse: "parse",
  Math: "math",
  Cast: "cast",
  MissingAttribute: "missingAttribute",
  MissingFunction: "missingFunction",
  FunctionEvaluation: "functionEvaluation",
  Generic: "generic",
} as const;

/** One of the {@link ErrorKind} values. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Stable error codes: they survive message rewording and can be searched in logs. */
export const ErrorCode = {
  /** A character that starts no token (parse). */
  UnexpectedCharacter: "CAIRN_ERR_CESQL_UNEXPECTED_CHARACTER",
  /** A string literal without its closing quote (parse). */
  UnterminatedString: "CAIRN_ERR_CESQL_UNTERMINATED_STRING",
  /** A token where another was expected (parse). */
  UnexpectedToken: "CAIRN_ERR_CESQL_UNEXPECTED_TOKEN",
  /** The text ends where more was expected (parse). */
  UnexpectedEnd: "CAIRN_ERR_CESQL_UNEXPECTED_END",
  /** An integer literal outside the 32-bit signed range (parse). */
  IntegerOutOfRange: "CAIRN_ERR_CESQL_INTEGER_OUT_OF_RANGE",
  /** An attribute name that is not letters and digits (parse). */
  InvalidIdentifier: "CAIRN_ERR_CESQL_INVALID_IDENTIFIER",
  /** A function name that is not a letter followed by letters and underscores (parse). */
  InvalidFunctionName: "CAIRN_ERR_CESQL_INVALID_FUNCTION_NAME",
  /** The right side of `LIKE` is not a string literal (parse). */
  LikePatternNotString: "CAIRN_ERR_CESQL_LIKE_PATTERN_NOT_STRING",
  /** The expression nests deeper than the parser allows (parse). */
  TooDeep: "CAIRN_ERR_CESQL_TOO_DEEP",
  /** Division or modulo by zero (math). */
  DivisionByZero: "CAIRN_ERR_CESQL_DIVISION_BY_ZERO",
  /** An Integer result outside 32 bits (math). */
  Overflow: "CAIRN_ERR_CESQL_OVERFLOW",
  /** A math error reported by a function, e.g. `ABS(-2147483648)` (math). */
  FunctionMath: "CAIRN_ERR_CESQL_FUNCTION_MATH",
  /** A value that cannot be cast to the type an operator or function needs (cast). */
  Cast: "CAIRN_ERR_CESQL_CAST",
  /** An attribute the event does not have (missingAttribute). */
  MissingAttribute: "CAIRN_ERR_CESQL_MISSING_ATTRIBUTE",
  /** No function of that name takes that many arguments (missingFunction). */
  MissingFunction: "CAIRN_ERR_CESQL_MISSING_FUNCTION",
  /** A function failed (functionEvaluation). */
  FunctionEvaluation: "CAIRN_ERR_CESQL_FUNCTION_EVALUATION",
  /** An attribute value that cannot be read or represented (generic). */
  UnreadableAttribute: "CAIRN_ERR_CESQL_UNREADABLE_ATTRIBUTE",
  /** Evaluation stopped on an unexpected exception, e.g. from a throwing getter on the event (generic). */
  Internal: "CAIRN_ERR_CESQL_INTERNAL",
  /** A user-defined function definition was rejected (generic). */
  InvalidFunctionDefinition: "CAIRN_ERR_CESQL_INVALID_FUNCTION_DEFINITION",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One error: the spec's kind, a stable code, a message, and where it arose when it comes from the expression. */
export interface CesqlError {
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly message: string;
  /** Start of the token or subexpression the error is about; absent for errors in function definitions. */
  readonly position?: SourcePosition;
}

/** A parse error always says where. */
export interface CesqlParseError extends CesqlError {
  readonly kind: "parse";
  readonly position: SourcePosition;
}

/** Builds a parse error. */
export function parseError(code: ErrorCode, message: string, position: SourcePosition): CesqlParseError {
  return { kind: ErrorKind.Parse, code, message, position };
}

/** Builds an error of any kind. */
export function cesqlError(kind: ErrorKind, code: ErrorCode, message: string, position?: SourcePosition): CesqlError {
  return position === undefined ? { kind, code, message } : { kind, code, message, position };
}
