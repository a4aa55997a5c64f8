/**
 * Replies: a subscriber's `200` carrying a CloudEvent with a valid CDEvent (`decodeReply`) is ingested as a new
 * event through the same path as `POST /api/v1/events` — the record builder and the group-commit queue — with
 * the hop counter (`cairnhops`, and Knative's TTL when present) from `replyExtensions`. A reply over the hop limit
 * is not ingested.
 * @module
 */
import type { CDEvents } from "@cairn/cdevents";
import { decodeReply, type NoReplyReason, parseStoredAttributes, replyExtensions } from "@cairn/router";
import type { CommitQueue } from "../ingest/commit-queue.ts";
import { attributesText, MessageText, nulCharacterIssue, toNewEvent } from "../ingest/record.ts";
import type { NewEvent } from "../store/types.ts";

/** What the hub needs to ingest a reply. */
export interface ReplyDeps {
  readonly cdevents: CDEvents;
  readonly commits: CommitQueue;
  readonly maxEventBytes: number;
}

/** What became of a response. `none`: not a reply at all; `failed`: it could not be stored (throws instead). */
export type ReplyResult =
  | { readonly kind: "none"; readonly reason: NoReplyReason }
  | { readonly kind: "ingested" | "duplicate"; readonly sequence: number }
  | { readonly kind: "refused"; readonly reason: string }
  | { readonly kind: "invalid"; readonly reason: string };

/**
 * Ingests a response as a reply to the event whose attributes are `originalAttributes` (stored text) when it is
 * one. Throws the commit queue's error when the reply cannot be stored (the attempt then counts as failed).
 */
export async function ingestReply(
  deps: ReplyDeps,
  originalAttributes: string,
  response: { readonly status: number; readonly headers: Headers; readonly body: string },
): Promise<ReplyResult> {
  const decision = decodeReply(response.status, response.headers, response.body, deps.cdevents);
  if (!decision.reply) return { kind: "none", reason: decision.reason };
  const hops = replyExtensions(parseStoredAttributes(originalAttributes), decision.cloudEvent.extensions);
  if (!hops.ok) return { kind: "refused", reason: hops.message };
  const record = replyRecord(deps, response, hops.extensions);
  if (typeof record === "string") return { kind: "invalid", reason: record };
  const [outcome] = await deps.commits.submit([record]);
  if (!outcome) return { kind: "invalid", reason: "not stored" };
  return { kind: outcome.duplicate ? "duplicate" : "ingested", sequence: outcome.sequence };
}

// The store record of a reply (decoded again for its verbatim text), or why it cannot be stored.
function replyRecord(
  deps: ReplyDeps,
  response: { readonly headers: Headers; readonly body: string },
  extensions: Readonly<Record<string, number>>,
): NewEvent | string {
  const parsed = deps.cdevents.parseHttp({ headers: response.headers, body: response.body });
  const entry = parsed.entries[0];
  if (!entry?.result.ok || !entry.cloudEvent) return "the reply no longer decodes";
  const cdevent = entry.result.event as unknown as Record<string, unknown>;
  const cloudEvent = { ...entry.cloudEvent, extensions: { ...entry.cloudEvent.extensions, ...extensions } };
  const verbatim = new MessageText(response.body).verbatim(entry, cdevent);
  const record = toNewEvent(cdevent, verbatim, attributesText(cloudEvent), Date.now());
  const nul = nulCharacterIssue(record);
  if (nul) return `${nul.path} ${nul.message}`;
  if (Buffer.byteLength(record.body) > deps.maxEventBytes)
    return `the reply is larger than limits.maxEventBytes (${deps.maxEventBytes} bytes)`;
  return record;
}
