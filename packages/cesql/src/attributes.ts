/**
 * Reading attributes from the event. Strings, Booleans and 32-bit integers (numbers or bigints) keep their CESQL
 * type; any other value is represented as a String (spec §3.2); `undefined` and `null` mean the attribute is
 * absent.
 * @module
 */

import { type CesqlEvent, type EvalContext, reportError, reportMissingAttribute } from "./context.ts";
import { cesqlError, ErrorCode, ErrorKind } from "./errors.ts";
import type { SourcePosition } from "./position.ts";
import { type CesqlValue, INT_MAX, INT_MIN } from "./types.ts";

/** The attributes every valid CloudEvent has: `EXISTS` is always true for them (spec §3.4.4). */
export const REQUIRED_ATTRIBUTES: ReadonlySet<string> = new Set(["specversion", "id", "source", "type"]);

/**
 * Names that are never attributes. CESQL cannot see the event's data (spec §1), so `data` is absent even when the
 * object passed in carries a structured event's `data` member.
 */
const NOT_ATTRIBUTES: ReadonlySet<string> = new Set(["data"]);

/** Reads the raw value of one attribute. */
export type RawReader = (event: CesqlEvent) => unknown;

/**
 * A reader for attribute `name`. Own properties only for names that `Object.prototype` also has (`constructor`), so
 * that an event without such an attribute does not find an inherited function; other names are read directly, which
 * also sees getters of class instances.
 */
export function rawReader(name: string): RawReader {
  if (NOT_ATTRIBUTES.has(name)) return () => undefined;
  if (name in Object.prototype) return (event) => (Object.hasOwn(event, name) ? event[name] : undefined);
  return (event) => event[name];
}

/**
 * A compiled attribute reference: the attribute's CESQL value. When the attribute is absent it reports a
 * MissingAttributeError and gives `false`, the value spec §3.2 assumes when no type can be determined; an operator
 * reading it sees the error and gives its own zero value instead.
 */
export type AttributeRun = (ctx: EvalContext) => CesqlValue;

/** Compiles a reference to attribute `name`, reporting errors at `at`. */
export function attributeRun(name: string, at: SourcePosition): AttributeRun {
  const read = rawReader(name);
  return (ctx) => {
    const raw = read(ctx.event);
    // Most attributes are strings: answer those without further checks.
    return typeof raw === "string" ? raw : fromRaw(ctx, raw, name, at);
  };
}

function fromRaw(ctx: EvalContext, raw: unknown, name: string, at: SourcePosition): CesqlValue {
  if (raw === undefined || raw === null) {
    reportMissingAttribute(ctx, name, at);
    return false;
  }
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "number") return Number.isInteger(raw) && raw >= INT_MIN && raw <= INT_MAX ? raw | 0 : String(raw);
  if (typeof raw === "bigint" && raw >= BigInt(INT_MIN) && raw <= BigInt(INT_MAX)) return Number(raw);
  const text = representAsString(raw);
  if (text !== undefined) return text;
  const message = `attribute "${name}" holds a ${typeof raw} that has no String representation`;
  reportError(ctx, cesqlError(ErrorKind.Generic, ErrorCode.UnreadableAttribute, message, at));
  return false;
}

/**
 * Any other attribute value as a String: a Date as RFC 3339 text, bytes (CloudEvents Binary) as base64, a bigint
 * beyond 32 bits as its digits, anything else through `String()`. Undefined when that fails.
 */
function representAsString(raw: unknown): string | undefined {
  if (typeof raw === "bigint") return raw.toString();
  if (typeof raw === "symbol" || typeof raw === "function") return undefined;
  try {
    if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString();
    if (raw instanceof Uint8Array) return toBase64(raw);
    return String(raw);
  } catch {
    // An object whose toString throws, or has none (Object.create(null)).
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
}

/** True when the event has attribute `name` (required attributes always do). */
export function hasAttribute(event: CesqlEvent, read: RawReader): boolean {
  const raw = read(event);
  return raw !== undefined && raw !== null;
}
