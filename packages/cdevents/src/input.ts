/**
 * Turning what callers hand the parser (JSON text, bytes, a plain object, a CloudEvent, HTTP request parts) into
 * the CDEvent object to check.
 * @module
 */
import { type CloudEvent, fromCloudEvent } from "./binding/cloudevent.ts";
import { fromEnvelope } from "./binding/envelope.ts";
import { fromHttp, type HttpInput } from "./binding/http.ts";
import { bodyText } from "./binding/json.ts";
import { type Issue, IssueCode } from "./issues.ts";
import { parseJsonText } from "./json-text.ts";

/**
 * What {@link parse} accepts: JSON text or UTF-8 bytes of a CDEvent; a CDEvent object; a CloudEvent object
 * (`specversion: "1.0"`, the CDEvent in `data`); or HTTP request parts `{ headers, body }` carrying one event.
 */
export type ParseInput = string | Uint8Array | ArrayBuffer | object;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

type Decoded = { ok: true; value: unknown } | { ok: false; issues: readonly Issue[] };

/** Decodes the input into the CDEvent value, or says why it cannot. */
export function decodeInput(input: ParseInput): Decoded {
  if (typeof input === "string") return text(input);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const s = bodyText(input instanceof ArrayBuffer ? new Uint8Array(input) : input, "");
    return s.ok ? text(s.value) : s;
  }
  if (isHttpInput(input)) return fromHttpParts(input);
  if (isCloudEvent(input)) {
    // Cairn's typed form keeps extensions in `extensions`; other SDKs and the JSON format put them inline.
    const r = isObj(input.extensions) ? fromCloudEvent(input as unknown as CloudEvent) : fromEnvelope(input);
    return r.ok ? { ok: true, value: r.value.cdevent } : r;
  }
  return { ok: true, value: input };
}

function text(s: string): Decoded {
  const r = parseJsonText(s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);
  return r.ok ? r : { ok: false, issues: [r.issue] };
}

/** HTTP parts: an object with `headers` and a string or bytes `body`, and no CDEvent `context`. */
export function isHttpInput(v: unknown): v is HttpInput {
  return (
    isObj(v) && !("context" in v) && "headers" in v && (typeof v.body === "string" || v.body instanceof Uint8Array)
  );
}

function isCloudEvent(v: unknown): v is Record<string, unknown> {
  return isObj(v) && v.specversion === "1.0" && !("context" in v) && ("data" in v || "data_base64" in v);
}

function fromHttpParts(input: HttpInput): Decoded {
  const r = fromHttp(input);
  if (!r.ok) return { ok: false, issues: r.issues };
  if (r.value.length !== 1)
    return {
      ok: false,
      issues: [
        {
          code: IssueCode.Binding,
          path: "header:content-type",
          message: `the message carries ${r.value.length} events (a batch); use parseHttp()`,
        },
      ],
    };
  return { ok: true, value: r.value[0]?.cdevent };
}
