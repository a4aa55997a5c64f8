/**
 * A validated HTTP entry → the record the store keeps: the CDEvent's exact text plus its indexed columns and links.
 * @module
 */
import { type CloudEvent, fromBase64, type HttpEntry, parseType } from "@cairn/cdevents";
import type { ErrorIssue } from "../http/respond.ts";
import type { EventLink, NewEvent } from "../store/types.ts";
import { type ElementSpan, elementSpans, memberSpan, type Span } from "./json-spans.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null);
const utf8 = new TextDecoder();

/** The received message's body and, for a batch, the spans of its entries (computed once per message). */
export class MessageText {
  readonly body: string;
  #entries: ElementSpan[] | null | undefined;

  constructor(body: string) {
    this.body = body;
  }

  /** The spans of the body's entries when it is a JSON array (with each entry's `data` member), else null. */
  entrySpans(): ElementSpan[] | null {
    if (this.#entries === undefined) this.#entries = elementSpans(this.body, "data");
    return this.#entries;
  }

  /** The CDEvent of an entry exactly as it was sent. */
  verbatim(entry: HttpEntry, cdevent: Obj): string {
    switch (entry.mode) {
      case "binary":
      case "bare":
        return this.body;
      case "structured":
        return this.#fromEnvelope(0, cdevent, memberSpan(this.body, 0, "data"));
      case "batch": {
        // One walk of the text finds every entry and its `data` member.
        const span = this.entrySpans()?.[entry.index];
        return span ? this.#fromEnvelope(span.start, cdevent, span.member) : JSON.stringify(cdevent);
      }
      default:
        return JSON.stringify(cdevent);
    }
  }

  // `data` as sent; `data_base64` decoded; a JSON string holding the event unwrapped. Re-serialising is the last
  // resort and cannot happen for a body the binding has decoded.
  #fromEnvelope(start: number, cdevent: Obj, data: Span | null): string {
    if (data) {
      const text = this.body.slice(data.start, data.end);
      return text.startsWith('"') ? (JSON.parse(text) as string) : text;
    }
    const b64 = memberSpan(this.body, start, "data_base64");
    if (b64) return utf8.decode(fromBase64(JSON.parse(this.body.slice(b64.start, b64.end)) as string));
    return JSON.stringify(cdevent);
  }
}

/**
 * The CloudEvent's attributes as JSON text, in the JSON format's shape (extensions beside the context attributes),
 * without its data.
 */
export function attributesText(cloudEvent: CloudEvent | null): string {
  if (!cloudEvent) return "{}";
  // One object built by assignment (not rest + spread, which builds two per event on the batch path).
  const out: Obj = {};
  for (const key in cloudEvent) {
    if (key === "data" || key === "extensions") continue;
    out[key] = (cloudEvent as unknown as Obj)[key];
  }
  const extensions = cloudEvent.extensions as Obj | undefined;
  for (const key in extensions) out[key] = extensions[key];
  return JSON.stringify(out);
}

function linksOf(context: Obj): EventLink[] {
  const links = context.links;
  if (!Array.isArray(links)) return [];
  const out: EventLink[] = [];
  for (const l of links) {
    if (!isObj(l)) continue;
    const node = l.linkType === "RELATION" ? l.target : l.from;
    out.push({
      linkType: String(l.linkType),
      linkKind: strOrNull(l.linkKind),
      contextId: isObj(node) ? strOrNull(node.contextId) : null,
      domainId: isObj(node) ? strOrNull(node.domainId) : null,
    });
  }
  return out;
}

function timestampMs(ts: string): number | null {
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : null;
}

interface TypeColumns {
  readonly subjectKind: string | null;
  readonly predicate: string | null;
  readonly eventVersion: string | null;
}

// A hub sees few distinct types, and a batch mostly one: the columns of a type are worked out once. Bounded, so
// a stream of made-up types cannot grow it without limit (it is simply cleared).
const typeColumns = new Map<string, TypeColumns>();
const TYPE_CACHE_MAX = 1024;

function columnsOfType(type: string): TypeColumns {
  let c = typeColumns.get(type);
  if (c) return c;
  const parsed = parseType(type);
  const v = parsed?.version;
  c = {
    subjectKind: parsed ? parsed.subject : null,
    predicate: parsed ? parsed.predicate : null,
    eventVersion: v ? `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}` : null,
  };
  if (typeColumns.size >= TYPE_CACHE_MAX) typeColumns.clear();
  typeColumns.set(type, c);
  return c;
}

/** Builds the store record of a valid CDEvent. */
export function toNewEvent(cdevent: Obj, body: string, attributes: string, receivedAtMs: number): NewEvent {
  const context = isObj(cdevent.context) ? cdevent.context : {};
  const subject = isObj(cdevent.subject) ? cdevent.subject : {};
  const type = String(context.type);
  const columns = columnsOfType(type);
  const timestamp = String(context.timestamp ?? "");
  return {
    id: String(context.id),
    source: String(context.source),
    type,
    subjectKind: columns.subjectKind,
    predicate: columns.predicate,
    eventVersion: columns.eventVersion,
    specVersion: String(context.specversion ?? context.version ?? ""),
    subjectId: strOrNull(subject.id),
    subjectSource: strOrNull(subject.source),
    timestamp,
    timestampMs: timestampMs(timestamp),
    chainId: strOrNull(context.chainId),
    receivedAtMs,
    body,
    attributes,
    links: linksOf(context),
  };
}

const INDEXED: readonly [keyof NewEvent, string][] = [
  ["id", "/context/id"],
  ["source", "/context/source"],
  ["type", "/context/type"],
  ["timestamp", "/context/timestamp"],
  ["chainId", "/context/chainId"],
  ["subjectId", "/subject/id"],
  ["subjectSource", "/subject/source"],
];

/**
 * An issue when an indexed value holds U+0000 (valid JSON, written `\u0000`, but PostgreSQL text cannot store it;
 * refusing it here keeps one such event from failing the whole group commit it would join).
 */
export function nulCharacterIssue(record: NewEvent): ErrorIssue | null {
  for (const [field, path] of INDEXED) {
    const v = record[field];
    if (typeof v === "string" && v.includes("\u0000"))
      return { code: "unsupported_character", path, message: "must not contain U+0000" };
  }
  for (const [i, l] of record.links.entries())
    if (l.contextId?.includes("\u0000") || l.domainId?.includes("\u0000"))
      return { code: "unsupported_character", path: `/context/links/${i}`, message: "must not contain U+0000" };
  return null;
}
