/**
 * `customData` beyond what the schemas check: a string must be base64 (the schemas only annotate it), and
 * accessors that decode it by `customDataContentType` (JSON when absent).
 * @module
 */
import { fromBase64, isBase64, toBase64 } from "./base64.ts";
import { parseMediaType } from "./binding/media-type.ts";
import { type Issue, IssueCode } from "./issues.ts";

/** Adds an issue when `customData` is a string that is not base64. */
export function checkCustomData(event: { readonly [k: string]: unknown }, issues: Issue[]): void {
  const data = event.customData;
  if (typeof data === "string" && !isBase64(data))
    issues.push({
      code: IssueCode.Format,
      path: "/customData",
      message: "a string customData must be base64 (RFC 4648); embed JSON as an object instead",
    });
}

/** True when a media type is JSON (`application/json`, `…+json`), or absent (the spec's default). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const essence = parseMediaType(contentType)?.essence ?? "";
  return essence === "application/json" || essence === "text/json" || essence.endsWith("+json");
}

/** Decoded custom data. */
export type CustomDataValue =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly contentType: string; readonly value: unknown }
  | { readonly kind: "bytes"; readonly contentType: string; readonly bytes: Uint8Array };

/**
 * Reads an event's custom data: objects as JSON; strings as base64 bytes, parsed as JSON when the content type
 * is JSON. Throws `SyntaxError` on a malformed base64 or JSON payload.
 */
export function readCustomData(event: { customData?: unknown; customDataContentType?: string }): CustomDataValue {
  const data = event.customData;
  const contentType = event.customDataContentType ?? "application/json";
  if (data === undefined) return { kind: "none" };
  if (typeof data !== "string") return { kind: "json", contentType, value: data };
  const bytes = isBase64(data) ? fromBase64(data) : undefined;
  if (!bytes) throw new SyntaxError("customData is not base64");
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
