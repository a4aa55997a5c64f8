/**
 * The CESQL type system (spec §3.1): three primitive types, their JavaScript representation and zero values.
 * @module
 */

/** A CESQL primitive type. URI, URI-reference and Timestamp attributes are Strings. */
export type CesqlType = "string" | "integer" | "boolean";

/**
 * A CESQL value: a `string`, a 32-bit signed integer held in a `number`, or a `boolean`. Values are plain
 * primitives so that evaluation never allocates a wrapper.
 */
export type CesqlValue = string | number | boolean;

/** The type of a function parameter: a CESQL type, or `"any"` for a parameter that takes every value uncast. */
export type ParameterType = CesqlType | "any";

/**
 * What the compiler knows of an expression's result before evaluation: its type, or `"any"` when it depends on the
 * event (a bare attribute reference).
 */
export type StaticType = CesqlType | "any";

/** Smallest CESQL Integer (−2³¹). */
export const INT_MIN = -2147483648;
/** Largest CESQL Integer (2³¹ − 1). */
export const INT_MAX = 2147483647;

/** The zero value of each type (spec §3.1): what an operator or function returns when it fails. */
export const ZERO: { readonly [T in CesqlType]: CesqlValue } = { string: "", integer: 0, boolean: false };

/** True for a number that is a CESQL Integer (a whole number within 32 bits, signed). */
export function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX;
}

/** The CESQL type of a value. Numbers are always Integers here: values are checked where they enter. */
export function typeOf(value: CesqlValue): CesqlType {
  return typeof value === "string" ? "string" : typeof value === "number" ? "integer" : "boolean";
}

/** True when `value` is a valid value of `type`. */
export function hasType(value: unknown, type: CesqlType): value is CesqlValue {
  return type === "integer" ? isInteger(value) : typeof value === type;
}

/** The spec's name of a type, for messages (`String`, `Integer`, `Boolean`). */
export function typeName(type: StaticType): string {
  return type === "any" ? "Any" : type === "string" ? "String" : type === "integer" ? "Integer" : "Boolean";
}
