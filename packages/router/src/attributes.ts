/**
 * Reading attributes from an event record: a CloudEvent's context attributes and extensions as top-level keys, the
 * shape `@cairn/cesql` evaluates (and the JSON format without `data`).
 * @module
 */

/**
 * A CloudEvent as a plain record of context attributes (`specversion`, `id`, `source`, `type`, `subject`, `time`,
 * `datacontenttype`, `dataschema`) and extensions, all as top-level keys.
 */
export type EventAttributes = Readonly<Record<string, unknown>>;

/** CloudEvents attribute names: lower-case ASCII letters and digits (CloudEvents 1.0 §3.1.1). */
export const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * The raw value of attribute `name`. Names that `Object.prototype` also has (`constructor`) are read as own
 * properties only, so that an event without such an attribute does not find an inherited function — the rule
 * `@cairn/cesql` applies, so both dialect families see the same attributes.
 */
export function readAttribute(event: EventAttributes, name: string): unknown {
  if (name in Object.prototype) return Object.hasOwn(event, name) ? event[name] : undefined;
  return event[name];
}

/**
 * An attribute value as the text the `exact`, `prefix` and `suffix` dialects compare: strings as they are;
 * numbers, booleans and bigints in their default string form (`5`, `true`), as Knative compares non-string
 * extension values; `undefined` for anything else (absent, `null`, objects), which matches nothing.
 */
export function attributeText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    default:
      return undefined;
  }
}
