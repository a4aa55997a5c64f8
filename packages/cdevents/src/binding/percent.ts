/**
 * Header value encoding of the CloudEvents HTTP binding 1.0.2 §3.1.3.2 (also used by the NATS binding's binary
 * mode): percent-encode space, `"`, `%` and everything outside printable ASCII as UTF-8 `%XX`; on receipt, unquote
 * an RFC 7230 quoted-string and percent-decode once.
 * @module
 */
import { CDEventsError, ErrorCode } from "../errors.ts";

const utf8Encoder = new TextEncoder();
// `ignoreBOM`: a decoder otherwise drops U+FEFF at the start of each call, i.e. of a value or of any escape run.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Percent-encodes one attribute value for a header. Upper-case hex, as the binding recommends.
 * @throws CDEventsError (`CAIRN_ERR_INVALID_ARGUMENT`) when the value holds a lone surrogate, which has no UTF-8 form.
 */
export function percentEncode(value: string): string {
  if (/^[\u0021\u0023\u0024\u0026-\u007e]*$/.test(value)) return value; // the common case: nothing to encode
  if (LONE_SURROGATE.test(value)) {
    throw new CDEventsError(ErrorCode.InvalidArgument, `header value ${JSON.stringify(value)} is not valid Unicode`);
  }
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && code !== 0x22 && code !== 0x25) out += ch;
    else for (const byte of utf8Encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Outcome of {@link percentDecode}: the value, or why it was rejected. */
export type DecodedHeader = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Decodes one header value: first RFC 7230 §3.2.6 quoted-string unescaping (older senders quoted values), then one
 * round of percent-decoding. Escapes that are not `%` + two hex digits are kept literally (lenient receipt), but
 * escaped bytes that are not valid UTF-8 (e.g. the overlong `%C0%A0`) are rejected, as the binding requires.
 */
export function percentDecode(raw: string): DecodedHeader {
  const value = unquote(raw.trim());
  if (!value.includes("%")) return { ok: true, value };
  let out = "";
  let i = 0;
  while (i < value.length) {
    const run = escapeRun(value, i);
    if (run.bytes.length === 0) {
      out += value[i];
      i++;
      continue;
    }
    try {
      out += utf8Decoder.decode(Uint8Array.from(run.bytes));
    } catch {
      return { ok: false, reason: `${value.slice(i, run.end)} is not valid UTF-8` };
    }
    i = run.end;
  }
  return { ok: true, value: out };
}

// A run of consecutive valid %XX escapes starting at `from`, decoded together so multi-byte characters survive.
function escapeRun(value: string, from: number): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  let i = from;
  while (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
    bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
    i += 3;
  }
  return { bytes, end: i };
}

// RFC 7230 §3.2.6: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; quoted-pair = "\" char.
function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/gsu, "$1");
}
