/**
 * Durations of the delivery policy: a number of milliseconds, or an ISO-8601 duration string as Knative writes
 * them (`PT0.2S`, `PT10S`, `PT1M30S`, `P1DT2H`).
 * @module
 */

/** The largest duration accepted: 2³¹ − 1 ms (about 24.8 days), the largest delay `setTimeout` honours. */
export const MAX_DURATION_MS = 2_147_483_647;

const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Outcome of {@link parseDuration}: milliseconds, or why the value was refused. */
export type DurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly kind: "type" | "format" | "range"; readonly reason: string };

/**
 * Reads a duration: a non-negative integer number of milliseconds, or an ISO-8601 duration with days, hours,
 * minutes and (possibly fractional) seconds — `PT0.2S` is 200 ms, `PT0S` is 0. Fractions of a millisecond are
 * rounded to the nearest millisecond. Years, months and weeks are refused (their length is ambiguous), as is
 * anything above {@link MAX_DURATION_MS}.
 */
export function parseDuration(value: unknown): DurationResult {
  if (typeof value === "number") {
    if (!Number.isInteger(value))
      return { ok: false, kind: "type", reason: `${value} is not an integer number of milliseconds` };
    if (value < 0) return { ok: false, kind: "range", reason: `${value} is negative` };
    return bounded(value);
  }
  if (typeof value !== "string")
    return { ok: false, kind: "type", reason: "must be milliseconds (a number) or an ISO-8601 duration" };
  const m = ISO.exec(value);
  if (!m || value === "P" || value.endsWith("T")) {
    const reason = `${JSON.stringify(value)} is not an ISO-8601 duration such as PT0.2S, PT10S or PT1M (days, hours, minutes, seconds)`;
    return { ok: false, kind: "format", reason };
  }
  const [, d = "0", h = "0", min = "0", s = "0"] = m;
  const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
  return bounded(Math.round(ms));
}

function bounded(ms: number): DurationResult {
  if (ms > MAX_DURATION_MS)
    return { ok: false, kind: "range", reason: `must be at most ${MAX_DURATION_MS} ms (about 24.8 days)` };
  return { ok: true, ms };
}

/** Formats milliseconds as the shortest ISO-8601 seconds duration: 200 → `PT0.2S`, 60000 → `PT60S`. */
export function formatDuration(ms: number): string {
  return `PT${ms / 1000}S`;
}
