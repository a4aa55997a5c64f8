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

const PURL_TYPE = /^[a-zA-Z.+-][a-zA-Z0-9.+-]*$/;
const PURL_QUALIFIER_KEY = /^[a-zA-Z.\-_][a-zA-Z0-9.\-_]*$/;
const PURL_CHARS = /^(?:[^\s%]|%[0-9a-fA-F]{2})*$/;

/**
 * Package URL (https://github.com/package-url/purl-spec): `pkg:type/[namespace/]name[@version][?qualifiers][#subpath]`.
 * Checks the structure (scheme, type, a non-empty name, qualifier keys, percent-escapes, no white space).
 */
export function isPurl(s: string): boolean {
  if (s.length < 6 || s.slice(0, 4).toLowerCase() !== "pkg:" || !PURL_CHARS.test(s)) return false;
  let rest = s.slice(4).replace(/^\/+/, "");
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split("&")) {
      const eq = pair.indexOf("=");
      if (eq <= 0 || eq === pair.length - 1 || !PURL_QUALIFIER_KEY.test(pair.slice(0, eq))) return false;
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf("/");
  if (slash <= 0 || !PURL_TYPE.test(rest.slice(0, slash))) return false;
  let path = rest.slice(slash + 1);
  const at = path.lastIndexOf("@");
  if (at >= 0) {
    if (at === path.length - 1) return false;
    path = path.slice(0, at);
  }
  const name = path.replace(/\/+$/, "").split("/").pop();
  return name !== undefined && name.length > 0;
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
