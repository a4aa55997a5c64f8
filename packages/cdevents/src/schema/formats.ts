/**
 * String formats used by CDEvents schemas. `date-time`, `uri` and `uri-reference` accept exactly what
 * ajv-formats ("full" mode) accepts, because that is how the CDEvents project validates its own schemas; the
 * differential tests hold us to it. `purl` is Cairn's addition (the spec types artifact ids as Package URLs).
 * @module
 */

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function validDate(s: string): boolean {
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || m < 0 || d < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return m >= 1 && m <= 12 && d >= 1 && d <= (m === 2 && leap ? 29 : (DAYS[m] ?? 0));
}

/** Parses `hh:mm:ss[.frac](Z|±hh[:]mm|±hh)` starting at `i`; a time zone is mandatory. */
function validTime(s: string, i: number): boolean {
  const hr = digits(s, i, 2);
  const min = digits(s, i + 3, 2);
  const sec = digits(s, i + 6, 2);
  if (hr < 0 || min < 0 || sec < 0 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return false;
  let j = i + 8;
  if (s.charCodeAt(j) === 46) {
    j++;
    const start = j;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    if (j === start) return false;
  }
  const z = s.charCodeAt(j);
  let tzH = 0;
  let tzM = 0;
  let sign = 1;
  if (z === 90 || z === 122) {
    if (j + 1 !== s.length) return false;
  } else if (z === 43 || z === 45) {
    sign = z === 45 ? -1 : 1;
    tzH = digits(s, j + 1, 2);
    if (tzH < 0) return false;
    const rest = s.length - (j + 3);
    if (rest === 0) tzM = 0;
    else if (rest === 3 && s.charCodeAt(j + 3) === 58) tzM = digits(s, j + 4, 2);
    else if (rest === 2) tzM = digits(s, j + 3, 2);
    else return false;
    if (tzM < 0 || tzH > 23 || tzM > 59) return false;
  } else return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  // Leap second: only 23:59:60 in UTC.
  const utcMin = min - tzM * sign;
  const utcHr = hr - tzH * sign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
}

const SEPARATOR = /^[Tt\s]$/;

/** RFC 3339 `date-time` with a mandatory time zone (separator `T`, `t` or any white space, as ajv-formats). */
export function isDateTime(s: string): boolean {
  if (s.length < 20 || !SEPARATOR.test(s.charAt(10))) return false;
  return validDate(s) && validTime(s, 11);
}

// RFC 3986 URI and URI-reference, the expressions of ajv-formats 3 (MIT), themselves from jmrware.com.
const H16 = "[0-9a-f]{1,4}";
const IPV4 = "(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)";
const IPV6 =
  `(?:(?:(?:${H16}:){6}|::(?:${H16}:){5}|(?:${H16})?::(?:${H16}:){4}|(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}` +
  `|(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}|(?:(?:${H16}:){0,3}${H16})?::${H16}:|(?:(?:${H16}:){0,4}${H16})?::)` +
  `(?:${H16}:${H16}|${IPV4})|(?:(?:${H16}:){0,5}${H16})?::${H16}|(?:(?:${H16}:){0,6}${H16})?::)`;
const PCT = "%[0-9a-f]{2}";

/** The hierarchical part and the query-and-fragment tail of ajv-formats' expressions; `q` admits `"` or not. */
function uriParts(q: string): { hier: string; tail: string } {
  const pchar = `(?:[a-z0-9\\-._~!$&'${q}()*+,;=:@]|${PCT})`;
  const userinfo = `(?:(?:[a-z0-9\\-._~!$&'()*+,;=:]|${PCT})*@)?`;
  const host = `(?:\\[(?:${IPV6}|[Vv][0-9a-f]+\\.[a-z0-9\\-._~!$&'()*+,;=:]+)\\]|${IPV4}|(?:[a-z0-9\\-._~!$&'${q}()*+,;=]|${PCT})*)`;
  const hierPart =
    `(?:\\/?\\/${userinfo}${host}(?::\\d*)?(?:\\/${pchar}*)*` +
    `|\\/(?:${pchar}+(?:\\/${pchar}*)*)?|${pchar}+(?:\\/${pchar}*)*)`;
  const tail = `(?:\\?(?:[a-z0-9\\-._~!$&'${q}()*+,;=:@/?]|${PCT})*)?(?:#(?:[a-z0-9\\-._~!$&'${q}()*+,;=:@/?]|${PCT})*)?`;
  return { hier: hierPart, tail };
}

const SCHEME = "(?:[a-z][a-z0-9+\\-.]*:)";
const ABS = uriParts("");
const URI = new RegExp(`^${SCHEME}${ABS.hier}${ABS.tail}$`, "i");
// ajv-formats' uri-reference also admits `"` in hosts, paths, queries and fragments; mirrored for agreement.
const REF = uriParts('"');
const URI_REFERENCE = new RegExp(`^${SCHEME}?${REF.hier}?${REF.tail}$`, "i");
const NOT_URI_FRAGMENT = /\/|:/;

// Fast paths for the common shapes: each expression is one alternative of the full expressions above with a
// narrower character set, so it accepts a subset of what they accept and never changes a verdict.
const SIMPLE_SEGMENT = "[A-Za-z0-9\\-._~!$&'()*+,;=:@]";
const SIMPLE_PATH = new RegExp(`^\\/${SIMPLE_SEGMENT}+(?:\\/${SIMPLE_SEGMENT}*)*$`);
const SIMPLE_HTTP = new RegExp(`^https?:\\/\\/[A-Za-z0-9\\-._~]+(?::\\d+)?(?:\\/${SIMPLE_SEGMENT}*)*$`);

/** RFC 3986 absolute URI (a scheme is required). */
export function isUri(s: string): boolean {
  return SIMPLE_HTTP.test(s) || (NOT_URI_FRAGMENT.test(s) && URI.test(s));
}

/** RFC 3986 URI reference (absolute, or relative such as `/staging/tekton/`). */
export function isUriReference(s: string): boolean {
  return s === "" || SIMPLE_PATH.test(s) || SIMPLE_HTTP.test(s) || URI_REFERENCE.test(s);
}

// The Package URL check runs for every artifact id an event names: it scans the string once by character codes,
// without the slices, splits and expressions a straightforward version allocates.
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;
const isHex = (c: number): boolean => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102);
// `\s` of JavaScript regular expressions.
const isSpace = (c: number): boolean =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;
// A purl type: `[a-zA-Z.+-][a-zA-Z0-9.+-]*`.
const isTypeChar = (c: number, first: boolean): boolean =>
  isLetter(c) || c === 46 || c === 43 || c === 45 || (!first && isDigit(c));
// A qualifier key: `[a-zA-Z.\-_][a-zA-Z0-9.\-_]*`.
const isKeyChar = (c: number, first: boolean): boolean =>
  isLetter(c) || c === 46 || c === 45 || c === 95 || (!first && isDigit(c));

function allOf(s: string, from: number, to: number, ok: (c: number, first: boolean) => boolean): boolean {
  for (let i = from; i < to; i++) if (!ok(s.charCodeAt(i), i === from)) return false;
  return true;
}

// No white space, and every `%` starts a two-digit hexadecimal escape.
function purlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (isSpace(c)) return false;
  }
  return true;
}

// `key=value` pairs separated by `&` in [from, to): each key valid, each value non-empty.
function purlQualifiers(s: string, from: number, to: number): boolean {
  for (let a = from; a <= to; ) {
    let b = s.indexOf("&", a);
    if (b < 0 || b > to) b = to;
    const eq = s.indexOf("=", a);
    if (eq <= a || eq >= b - 1 || !allOf(s, a, eq, isKeyChar)) return false;
    a = b + 1;
  }
  return true;
}

/**
 * Package URL (https://github.com/package-url/purl-spec): `pkg:type/[namespace/]name[@version][?qualifiers][#subpath]`.
 * Checks the structure (scheme, type, a non-empty name, qualifier keys, percent-escapes, no white space).
 */
export function isPurl(s: string): boolean {
  if (s.length < 6 || !(s.startsWith("pkg:") || s.slice(0, 4).toLowerCase() === "pkg:") || !purlChars(s)) return false;
  let start = 4;
  while (s.charCodeAt(start) === 47) start++;
  let end = s.indexOf("#", start);
  if (end < 0) end = s.length;
  const q = s.indexOf("?", start);
  if (q >= 0 && q < end) {
    if (!purlQualifiers(s, q + 1, end)) return false;
    end = q;
  }
  const slash = s.indexOf("/", start);
  if (slash <= start || slash >= end || !allOf(s, start, slash, isTypeChar)) return false;
  const at = s.lastIndexOf("@", end - 1);
  if (at > slash) {
    if (at === end - 1) return false;
    end = at;
  }
  // The name is the last segment once trailing slashes are dropped: it is empty only if nothing else is left.
  while (end > slash + 1 && s.charCodeAt(end - 1) === 47) end--;
  return end > slash + 1;
}

/** Format names the validator understands. */
export type FormatName = "date-time" | "uri" | "uri-reference" | "purl";

/** Format checks by name. Unknown formats are annotations only, as in JSON Schema 2020-12. */
export const formats: Readonly<Record<FormatName, (s: string) => boolean>> = {
  "date-time": isDateTime,
  uri: isUri,
  "uri-reference": isUriReference,
  purl: isPurl,
};

/** What a person should read when a format check fails. */
export const formatExpectations: Readonly<Record<FormatName, string>> = {
  "date-time": "an RFC 3339 date-time with a time zone, e.g. 2026-01-15T09:30:00Z",
  uri: "an absolute URI (RFC 3986) with a scheme, e.g. https://example.com/x",
  "uri-reference": "a URI reference (RFC 3986), e.g. /ci/tekton or https://example.com",
  purl: "a Package URL, e.g. pkg:oci/myapp@sha256%3Aabc",
};
