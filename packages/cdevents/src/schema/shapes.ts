/**
 * The declaration language for CDEvents content. A shape is a JSON Schema fragment that also carries the
 * TypeScript type of the values it accepts, so one declaration yields both the static type ({@link Infer}) and
 * the JSON Schema used for validation ({@link Shape.schema}).
 * @module
 */
import type { FormatName } from "./formats.ts";

declare const VALUE: unique symbol;

/** A JSON Schema object as emitted by shapes. */
export type SchemaObject = { readonly [keyword: string]: unknown };

/** A declared value: its JSON Schema and (at the type level only) the TypeScript type it accepts. */
export interface Shape<out V = unknown> {
  /** The JSON Schema fragment for this value. */
  readonly schema: SchemaObject;
  /** Set on members that an object requires. */
  readonly required?: true;
  /** Phantom: never present at run time. */
  readonly [VALUE]?: V;
}

/** A shape that its enclosing object requires. */
export type RequiredShape<V> = Shape<V> & { readonly required: true };

/** The TypeScript type accepted by a shape. */
export type Infer<S> = S extends Shape<infer V> ? V : never;

/** Members of an object shape. */
export type Members = { readonly [name: string]: Shape };

type Flatten<T> = { -readonly [K in keyof T]: T[K] } & {};

/** The TypeScript object type of some members: required ones plain, the others optional. */
export type InferMembers<M extends Members> = Flatten<
  { [K in keyof M as M[K] extends { required: true } ? K : never]: Infer<M[K]> } & {
    [K in keyof M as M[K] extends { required: true } ? never : K]?: Infer<M[K]>;
  }
>;

const shape = <V>(schema: SchemaObject): Shape<V> => ({ schema }) as Shape<V>;

/** Marks a member as required by its object. */
export function req<V>(s: Shape<V>): RequiredShape<V> {
  return { ...s, required: true } as RequiredShape<V>;
}

/** Options shared by string shapes. */
export interface StringOptions {
  /** Reject the empty string (`minLength: 1`). */
  readonly nonEmpty?: boolean;
  /** A format the string must have. */
  readonly format?: FormatName;
}

/** A string. */
export function str(options: StringOptions = {}): Shape<string> {
  return shape({
    type: "string",
    ...(options.nonEmpty ? { minLength: 1 } : {}),
    ...(options.format ? { format: options.format } : {}),
  });
}

/** A non-empty string. */
export const nonEmpty = (): Shape<string> => str({ nonEmpty: true });
/** An absolute URI. */
export const uri = (options: Omit<StringOptions, "format"> = {}): Shape<string> => str({ ...options, format: "uri" });
/** A URI reference (absolute or relative). */
export const uriRef = (options: Omit<StringOptions, "format"> = {}): Shape<string> =>
  str({ ...options, format: "uri-reference" });
/**
 * A Package URL. The spec types artifact ids as purls although its schemas do not check it; Cairn does
 * (it can be turned off with the `purl: false` validation option).
 */
export const purl = (options: Omit<StringOptions, "format"> = {}): Shape<string> => str({ ...options, format: "purl" });

/** One of a closed set of strings. */
export function oneOf<const T extends readonly string[]>(values: T): Shape<T[number]> {
  return shape({ type: "string", enum: values });
}

/**
 * One of the suggested strings, or any other string (the spec's `anyOf: [enum, string]`). Typed as the
 * suggestions widened with `string & {}`, which keeps editor completion without rejecting other values.
 */
export function suggested<const T extends readonly string[]>(
  values: T,
  options: Omit<StringOptions, "format"> = {},
): Shape<T[number] | (string & {})> {
  const other = options.nonEmpty ? { type: "string", minLength: 1 } : { type: "string" };
  return shape({ anyOf: [{ type: "string", enum: values }, other] });
}

/** An array of values of one shape. */
export function arrayOf<V>(items: Shape<V>): Shape<V[]> {
  return shape({ type: "array", items: items.schema });
}

/** An object with declared members and no others (`additionalProperties: false`). */
export function obj<const M extends Members>(members: M): Shape<InferMembers<M>> {
  return shape(objectSchema(members, false));
}

/** An object open to members beyond the declared ones. */
export function openObj<const M extends Members>(members: M): Shape<InferMembers<M> & { [extra: string]: unknown }> {
  return shape(objectSchema(members, true));
}

/** The JSON Schema of an object with these members. */
export function objectSchema(members: Members, open: boolean): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  const required: string[] = [];
  for (const [k, s] of Object.entries(members)) {
    properties[k] = s.schema;
    if (s.required) required.push(k);
  }
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: open,
  };
}

/** A shape written directly as JSON Schema, with its TypeScript type given explicitly. */
export const raw = <V>(schema: SchemaObject): Shape<V> => shape(schema);
