/**
 * Media types (RFC 9110 §8.3.1) as the bindings need them: matched case-insensitively, parameters parsed.
 * @module
 */

/** A parsed media type: `essence` is `type/subtype` in lower case; parameter names are lower case. */
export interface MediaType {
  readonly essence: string;
  readonly params: Readonly<Record<string, string>>;
}

/** The JSON event format of CloudEvents (structured mode). */
export const CLOUDEVENTS_JSON = "application/cloudevents+json";
/** The JSON batch format of CloudEvents (HTTP batch mode). */
export const CLOUDEVENTS_BATCH_JSON = "application/cloudevents-batch+json";
/** Plain JSON: the content type of a CDEvent in binary mode and of a bare CDEvent. */
export const APPLICATION_JSON = "application/json";

// The few media types a deployment sends, parsed once (each event's is looked at two or three times). Results are
// frozen: they are shared.
const CACHE = new Map<string, MediaType | undefined>();
const CACHE_SIZE = 64;

/** Parses `Application/CloudEvents+JSON; charset="UTF-8"`; `undefined` for an empty or malformed value. */
export function parseMediaType(value: string | undefined): MediaType | undefined {
  if (value === undefined) return undefined;
  if (CACHE.has(value)) return CACHE.get(value);
  const parsed = parseUncached(value);
  if (CACHE.size >= CACHE_SIZE) CACHE.clear();
  CACHE.set(value, parsed);
  return parsed;
}

function parseUncached(value: string): MediaType | undefined {
  const [head = "", ...rest] = value.split(";");
  const essence = head.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence)) return undefined;
  const params: Record<string, string> = Object.create(null); // names come from the wire: no prototype keys
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const raw = part.slice(eq + 1).trim();
    if (/^[a-z0-9!#$&^_.+-]+$/.test(name)) params[name] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return Object.freeze({ essence, params: Object.freeze(params) });
}

/** True for `application/json` and any `+json` type other than the CloudEvents formats themselves. */
export function isJsonMediaType(type: MediaType): boolean {
  if (type.essence === CLOUDEVENTS_JSON || type.essence === CLOUDEVENTS_BATCH_JSON) return false;
  return type.essence === APPLICATION_JSON || type.essence.endsWith("+json");
}

/** True for any CloudEvents format (`application/cloudevents`, `application/cloudevents+avro`, …). */
export function isCloudEventsMediaType(type: MediaType): boolean {
  return type.essence.startsWith("application/cloudevents");
}

/** True unless a `charset` other than UTF-8 is declared; JSON on the wire must be UTF-8 (RFC 8259 §8.1). */
export function isUtf8(type: MediaType): boolean {
  const charset = type.params.charset?.toLowerCase();
  return charset === undefined || charset === "utf-8" || charset === "utf8";
}

/** What a content-type header means for a CDEvents receiver. */
export type ContentKind =
  | { readonly kind: "structured" | "batch" | "json" | "absent" }
  | { readonly kind: "unsupported"; readonly reason: string };

/** Classifies a content-type header value: a CloudEvents JSON envelope or batch, JSON, absent, or unsupported. */
export function contentKind(raw: string | undefined): ContentKind {
  if (raw === undefined) return { kind: "absent" };
  const type = parseMediaType(raw);
  if (type === undefined) return { kind: "unsupported", reason: "not a media type" };
  if (!isUtf8(type)) return { kind: "unsupported", reason: "JSON must be UTF-8" };
  if (type.essence === CLOUDEVENTS_JSON) return { kind: "structured" };
  if (type.essence === CLOUDEVENTS_BATCH_JSON) return { kind: "batch" };
  if (isCloudEventsMediaType(type)) return { kind: "unsupported", reason: "only the JSON event format is supported" };
  return isJsonMediaType(type) ? { kind: "json" } : { kind: "unsupported", reason: "a CDEvent is JSON" };
}
