/**
 * `customData` beyond what the schemas check: a string must be base64 (the schemas only annotate it), and
 * accessors that decode it by `customDataContentType` (JSON when absent).
 * @module
 */
import { type Issue, IssueCode } from "./issues.ts";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Adds an issue when `customData` is a string that is not base64. */
export function checkCustomData(event: { readonly [k: string]: unknown }, issues: Issue[]): void {
  const data = event.customData;
  if (typeof data === "string" && !BASE64.test(data))
    issues.push({
      code: IssueCode.Format,
      path: "/customData",
      message: "a string customData must be base64 (RFC 4648); embed JSON as an object instead",
    });
}

/** True when a media type is JSON (`application/json`, `…+json`), or absent (the spec's default). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const t = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return t === "application/json" || t === "text/json" || t.endsWith("+json");
}

/** Decoded custom data. */
export type CustomDataValue =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly contentType: string; readonly value: unknown }
  | { readonly kind: "bytes"; readonly contentType: string; readonly bytes: Uint8Array };

/** Encodes bytes as base64 without Node built-ins. */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Decodes base64 without Node built-ins. */
export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Reads an event's custom data: objects as JSON; strings as base64 bytes, parsed as JSON when the content type
 * is JSON. Throws `SyntaxError` on a malformed base64 or JSON payload.
 */
export function readCustomData(event: { customData?: unknown; customDataContentType?: string }): CustomDataValue {
  const data = event.customData;
  const contentType = event.customDataContentType ?? "application/json";
  if (data === undefined) return { kind: "none" };
  if (typeof data !== "string") return { kind: "json", contentType, value: data };
  if (!BASE64.test(data)) throw new SyntaxError("customData is not base64");
  const bytes = fromBase64(data);
  if (isJsonContentType(event.customDataContentType))
    return { kind: "json", contentType, value: JSON.parse(new TextDecoder().decode(bytes)) };
  return { kind: "bytes", contentType, bytes };
}

/**
 * Builds `customData`/`customDataContentType` members: JSON objects are embedded, bytes and strings of other
 * media types are base64-encoded. Arrays and scalars are not allowed by the spec's schemas, so JSON that is not an
 * object is embedded as base64 with a JSON content type.
 */
export function writeCustomData(
  value: unknown,
  contentType?: string,
): { customData: { [k: string]: unknown } | string; customDataContentType?: string } {
  if (value instanceof Uint8Array)
    return { customData: toBase64(value), customDataContentType: contentType ?? "application/octet-stream" };
  if (typeof value === "string" && !isJsonContentType(contentType))
    return { customData: toBase64(new TextEncoder().encode(value)), customDataContentType: contentType as string };
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return contentType === undefined
      ? { customData: value as { [k: string]: unknown } }
      : { customData: value as { [k: string]: unknown }, customDataContentType: contentType };
  return {
    customData: toBase64(new TextEncoder().encode(JSON.stringify(value))),
    customDataContentType: contentType ?? "application/json",
  };
}
