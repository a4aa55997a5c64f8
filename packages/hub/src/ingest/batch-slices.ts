/**
 * Decoding a large batch a slice of entries at a time. `JSON.parse` of a whole batch of 1000 events builds some
 * 6 MB of objects that all stay alive until the last entry is validated: they outlive young-generation collections,
 * are promoted, and cost the main thread full mark-compacts. Parsed and turned into records a slice at a time, each
 * slice's objects die young.
 *
 * A body is sliced only where that cannot change the outcome: its top-level array was located by `elementSpans`
 * with nothing but white space and commas between entries, and every slice — the entries' own text with their
 * separators, in brackets — decodes, as a batch, into exactly its entries with no JSON syntax issue. Those slices
 * joined are the body, so the body is valid JSON and decodes to the same entries (their indices and issue paths
 * shifted back to the whole batch's). Anything else — a JSON syntax error (the scan locates values, it does not
 * check them), another content type (the first slice then decodes into one entry, not 64) — is decoded whole, as
 * before, and answered exactly as before.
 * @module
 */
import { type CDEvents, type HttpEntry, type HttpInput, type Issue, IssueCode } from "@cairn/cdevents";
import { skipSpace } from "./json-spans.ts";
import type { MessageText } from "./record.ts";

/** Entries per slice. */
export const SLICE_ENTRIES = 64;

/** Smaller batches are decoded whole: slicing saves nothing there. */
export const MIN_SLICED_ENTRIES = 2 * SLICE_ENTRIES;

/**
 * Decodes the batch in `message` slice by slice, giving `each` every entry in order, with its index in the whole
 * batch; resolves to the number of entries, or to null when the body must be decoded whole (see the module
 * comment): the caller then discards what `each` was given. Between slices it lets the event loop turn, so a
 * large batch does not hold up other work for its whole decode: above all the writer's answers, each of which
 * lets the next group go to the writer.
 */
export async function decodeInSlices(
  cdevents: CDEvents,
  headers: HttpInput["headers"],
  message: MessageText,
  each: (entry: HttpEntry) => void,
): Promise<number | null> {
  const text = message.body;
  if (text.charCodeAt(skipSpace(text, 0)) !== 0x5b) return null; // not an array: no batch to slice
  const spans = message.entrySpans();
  const last = spans?.at(-1);
  if (!spans || !last || spans.length < MIN_SLICED_ENTRIES) return null;
  const close = skipSpace(text, last.end);
  if (text.charCodeAt(close) !== 0x5d || skipSpace(text, close + 1) !== text.length) return null;
  for (let base = 0; base < spans.length; base += SLICE_ENTRIES) {
    const end = Math.min(base + SLICE_ENTRIES, spans.length) - 1;
    const body = `[${text.slice(spans[base]?.start, spans[end]?.end)}]`;
    const entries = cdevents.parseHttp({ headers, body }).entries;
    if (!sliceDecoded(entries, end - base + 1)) return null;
    for (const entry of entries) each(base === 0 ? entry : shifted(entry, base));
    if (base + SLICE_ENTRIES < spans.length) await new Promise(setImmediate);
  }
  return spans.length;
}

// A slice decoded as a batch into exactly its entries, none of them failing on JSON syntax.
function sliceDecoded(entries: readonly HttpEntry[], count: number): boolean {
  if (entries.length !== count) return false;
  for (let i = 0; i < count; i++) {
    const entry = entries[i];
    if (entry?.index !== i) return false;
    if (!entry.result.ok && entry.result.issues.some((issue) => issue.code === IssueCode.JsonSyntax)) return false;
  }
  return true;
}

// The entry as the whole batch numbers it: its index and, for an entry whose envelope failed to decode, its issues'
// paths, which start at the batch (`/3/…` → `/67/…`; a CDEvent's own issues start at the CDEvent).
function shifted(entry: HttpEntry, base: number): HttpEntry {
  const index = entry.index + base;
  if (entry.result.ok || entry.mode !== null) return { ...entry, index };
  const prefix = `/${entry.index}`;
  const issues = entry.result.issues.map((issue: Issue) =>
    issue.path === prefix || issue.path.startsWith(`${prefix}/`)
      ? { ...issue, path: `/${index}${issue.path.slice(prefix.length)}` }
      : issue,
  );
  return { ...entry, index, result: { ...entry.result, issues } };
}
