/**
 * Replies: a subscriber answering `200` with a CloudEvent that carries a CDEvent gets that event re-ingested as a
 * new event. `202` is never a reply (Knative's code treats any 2xx as one; its data-plane spec says not to).
 * Loops are stopped by a hop counter, the `cairnhops` extension: the reply to an event with `cairnhops: n` (0
 * when absent) gets `n + 1`, and a reply beyond the maximum is refused. Knative's `knativebrokerttl`, when the
 * original carries it, is decremented as well, and a reply reaching 0 is refused too.
 * @module
 */
import { type CDEvents, type CloudEvent, createCDEvents, type HeaderInput, type Issue } from "@cairn/cdevents";

/** The hop counter extension. */
export const HOPS_EXTENSION = "cairnhops";
/** Knative's loop-protection extension. */
export const KNATIVE_TTL_EXTENSION = "knativebrokerttl";
/** Default maximum of {@link HOPS_EXTENSION}: a reply chain at most this deep. */
export const DEFAULT_MAX_HOPS = 32;

/** Why a response is not a reply. */
export type NoReplyReason =
  /** Not a 200. */
  | "status"
  /** No body. */
  | "empty"
  /** Not a binary- or structured-mode CloudEvent carrying a JSON CDEvent (including bare JSON). */
  | "not_cloudevent"
  /** A batch: a reply is one event. */
  | "batch"
  /** A CloudEvent whose CDEvent does not validate (the issues say why). */
  | "invalid_cdevent";

/** Outcome of {@link decodeReply}. */
export type ReplyDecision =
  | {
      readonly reply: true;
      /** The reply as a CloudEvent; `data` is the parsed CDEvent. */
      readonly cloudEvent: CloudEvent;
      /** The validated CDEvent. */
      readonly cdevent: unknown;
    }
  | { readonly reply: false; readonly reason: NoReplyReason; readonly issues: readonly Issue[] };

let defaultParser: CDEvents | undefined;

/** The default-configured parser, created on first use. */
function sharedParser(): CDEvents {
  defaultParser ??= createCDEvents();
  return defaultParser;
}

/**
 * Decides whether a subscriber's response is a reply: status 200, and headers and body that decode (with the SDK's
 * `parseHttp`) as one binary- or structured-mode CloudEvent carrying a valid CDEvent. `parser` is the configured
 * `CDEvents` instance (default: stable releases, offline).
 */
export function decodeReply(
  status: number,
  headers: HeaderInput,
  body: string | Uint8Array,
  parser: CDEvents = sharedParser(),
): ReplyDecision {
  if (status !== 200) return none("status");
  if (typeof body === "string" ? body.trim() === "" : body.length === 0) return none("empty");
  const parsed = parser.parseHttp({ headers, body });
  if (parsed.unsupportedMediaType) return none("not_cloudevent", parsed.issues);
  const [entry] = parsed.entries;
  if (entry === undefined || parsed.entries.length > 1 || entry.mode === "batch") return none("batch");
  if (entry.mode === null || entry.mode === "bare" || entry.cloudEvent === null)
    return none("not_cloudevent", entry.result.ok ? [] : entry.result.issues);
  if (!entry.result.ok) return none("invalid_cdevent", entry.result.issues);
  return { reply: true, cloudEvent: entry.cloudEvent, cdevent: entry.result.event };
}

function none(reason: NoReplyReason, issues: readonly Issue[] = []): ReplyDecision {
  return { reply: false, reason, issues };
}

/** True when the response is a reply to re-ingest (see {@link decodeReply}). */
export function isReplyCloudEvent(status: number, headers: HeaderInput, body: string | Uint8Array): boolean {
  return decodeReply(status, headers, body).reply;
}

/** Outcome of {@link replyExtensions}. */
export type ReplyHops =
  | { readonly ok: true; readonly extensions: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly reason: "hops_exceeded" | "ttl_exhausted"; readonly message: string };

/**
 * The loop-protection extensions of a reply to `original` (both attribute records, extensions as top-level keys):
 * `cairnhops` = the larger of the original's hops + 1 and what the reply claims (a subscriber that copies the
 * original's attributes cannot reset the count), and `knativebrokerttl` = original − 1 when the original has one.
 * Refused beyond `maxHops` (default {@link DEFAULT_MAX_HOPS}) or when the TTL reaches 0. Unreadable values (not a
 * non-negative integer or its decimal text) count as absent.
 */
export function replyExtensions(
  original: Readonly<Record<string, unknown>>,
  reply: Readonly<Record<string, unknown>> = {},
  maxHops: number = DEFAULT_MAX_HOPS,
): ReplyHops {
  const hops = Math.max((counter(original[HOPS_EXTENSION]) ?? 0) + 1, counter(reply[HOPS_EXTENSION]) ?? 0);
  if (hops > maxHops)
    return {
      ok: false,
      reason: "hops_exceeded",
      message: `the reply would be hop ${hops}; at most ${maxHops} are allowed`,
    };
  const extensions: Record<string, number> = { [HOPS_EXTENSION]: hops };
  const ttl = counter(original[KNATIVE_TTL_EXTENSION]);
  if (ttl !== undefined) {
    const claimed = counter(reply[KNATIVE_TTL_EXTENSION]);
    const next = Math.min(ttl - 1, claimed ?? Number.POSITIVE_INFINITY);
    if (next <= 0) return { ok: false, reason: "ttl_exhausted", message: `${KNATIVE_TTL_EXTENSION} is exhausted` };
    extensions[KNATIVE_TTL_EXTENSION] = next;
  }
  return { ok: true, extensions };
}

function counter(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}
