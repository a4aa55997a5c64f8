/**
 * The delivery policy's arithmetic: how long to wait before retry `n`, which responses are retried, when an event
 * is dead-lettered. Pure functions; the durable scheduling is the engine's job.
 *
 * Retries are counted from 1 (the first retry follows the first, failed, attempt):
 *
 * - exponential: `delay(n) = min(backoffMax, backoffDelay × 2^(n−1))` — d, 2d, 4d, … (Knative's timings);
 * - linear: `delay(n) = min(backoffMax, backoffDelay × n)` — d, 2d, 3d, … (Knative's first linear retry is
 *   immediate; Cairn's is not);
 * - jitter `j`: the delay is drawn uniformly from `[delay × (1 − j), delay × (1 + j)]`, then capped at
 *   `backoffMax` again and rounded to the nearest millisecond;
 * - `Retry-After` (429 and 503 only): the wait is `max(computed, min(retryAfter, retryAfterMax))`; a
 *   `retryAfterMax` of 0 ignores `Retry-After`.
 * @module
 */
import { RouterError, RouterErrorCode } from "./errors.ts";
import { type ExpiredStep, expiredStep, isExpired } from "./expiry.ts";
import type { DeliveryPolicy } from "./subscription.ts";

/** The settings {@link retryDelay} reads. */
export type BackoffSettings = Pick<
  DeliveryPolicy,
  "backoffPolicy" | "backoffDelay" | "backoffMax" | "jitter" | "retryAfterMax"
>;

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/**
 * The wait before retry `retryNumber` (1-based), in whole milliseconds (the jittered delay is rounded to the
 * nearest millisecond). `random` draws the jitter;
 * `retryAfterMs` is an honoured `Retry-After` (see {@link honouredRetryAfter}), which can lengthen the wait up to
 * `retryAfterMax`, never shorten it.
 * @throws RouterError (`CAIRN_ERR_ROUTER_INVALID_ARGUMENT`) when `retryNumber` is not an integer ≥ 1.
 * @example
 * ```ts
 * const p = { backoffPolicy: "exponential", backoffDelay: 200, backoffMax: 60_000, jitter: 0, retryAfterMax: 60_000 } as const;
 * [1, 2, 3, 4].map((n) => retryDelay(p, n)); // [200, 400, 800, 1600]
 * retryDelay(p, 1, Math.random, 5_000); // 5000: Retry-After wins
 * ```
 */
export function retryDelay(
  policy: BackoffSettings,
  retryNumber: number,
  random: RandomSource = Math.random,
  retryAfterMs?: number,
): number {
  if (!Number.isInteger(retryNumber) || retryNumber < 1)
    throw new RouterError(RouterErrorCode.InvalidArgument, `retryNumber must be an integer ≥ 1, not ${retryNumber}`);
  const d = baseDelay(policy, retryNumber);
  const r = random();
  // Rounding to whole milliseconds after the cap keeps the result ≤ backoffMax (an integer).
  const jittered = Math.round(Math.min(policy.backoffMax, d * (1 - policy.jitter + 2 * policy.jitter * r)));
  if (retryAfterMs === undefined || policy.retryAfterMax === 0 || !(retryAfterMs >= 0)) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.retryAfterMax));
}

/** The delay before jitter: `min(backoffMax, d × 2^(n−1))` or `min(backoffMax, d × n)`. */
export function baseDelay(
  policy: Pick<DeliveryPolicy, "backoffPolicy" | "backoffDelay" | "backoffMax">,
  retryNumber: number,
): number {
  if (policy.backoffDelay === 0) return 0; // 0 × 2^1100 would be NaN
  const factor = policy.backoffPolicy === "exponential" ? 2 ** (retryNumber - 1) : retryNumber;
  return Math.min(policy.backoffMax, policy.backoffDelay * factor);
}

/** What one delivery attempt ended with: an HTTP status, a network error, or the attempt's timeout. */
export type AttemptOutcome = number | "network" | "timeout";

/** What to do after an attempt: done, try again (if the policy allows), or give up at once. */
export type Classification = "success" | "retry" | "dead";

/**
 * Classifies an attempt's outcome as the Knative data-plane table does (routing.md §5.3): 2xx is success; 404,
 * 408, 409, 429, every 5xx, network errors and timeouts are retried; everything else — 1xx, 3xx (redirects are
 * not followed), the other 4xx, and numbers that are not HTTP statuses — is dead at once.
 */
export function classifyResponse(outcome: AttemptOutcome): Classification {
  if (outcome === "network" || outcome === "timeout") return "retry";
  if (!Number.isInteger(outcome)) return "dead";
  if (outcome >= 200 && outcome <= 299) return "success";
  if (outcome >= 500 && outcome <= 599) return "retry";
  return RETRIED_4XX.has(outcome) ? "retry" : "dead";
}

const RETRIED_4XX: ReadonlySet<number> = new Set([404, 408, 409, 429]);

/**
 * True when an event whose `attempts` delivery attempts (first attempt included) all failed with retryable
 * outcomes has used up its policy: `attempts ≥ retry + 1`. A `dead` outcome dead-letters regardless.
 */
export function shouldDeadLetter(attempts: number, policy: Pick<DeliveryPolicy, "retry">): boolean {
  return attempts >= policy.retry + 1;
}

/** Input of {@link nextStep}. */
export interface AttemptReport {
  /** How the attempt ended. */
  readonly outcome: AttemptOutcome;
  /** Which attempt it was, from 1 (the first delivery). */
  readonly attempt: number;
  /** The response's `Retry-After` header, if any. */
  readonly retryAfter?: string | null;
  /** Current time, epoch ms (for an HTTP-date `Retry-After`). */
  readonly now: number;
  /** When the delivery expires (see `expiresAt`), epoch ms; absent or null: never. */
  readonly expiresAtMs?: number | null;
}

/** What to do after an attempt. */
export type Step =
  | { readonly action: "done" }
  | { readonly action: "retry"; readonly retryNumber: number; readonly delayMs: number }
  | { readonly action: "deadLetter"; readonly reason: "not_retryable" | "retries_exhausted" }
  | ExpiredStep;

/**
 * Combines the rules: classify the outcome, then retry after {@link retryDelay} (honouring `Retry-After` on 429
 * and 503) or dead-letter when the outcome is not retryable or the retries are used up. A retry that would start
 * at or after `expiresAtMs` gives the policy's expired step instead (dead letter `expired`, or drop).
 */
export function nextStep(policy: DeliveryPolicy, report: AttemptReport, random: RandomSource = Math.random): Step {
  const kind = classifyResponse(report.outcome);
  if (kind === "success") return { action: "done" };
  if (kind === "dead") return { action: "deadLetter", reason: "not_retryable" };
  if (shouldDeadLetter(report.attempt, policy)) return { action: "deadLetter", reason: "retries_exhausted" };
  const retryAfter = honouredRetryAfter(report.outcome, report.retryAfter, report.now);
  const delayMs = retryDelay(policy, report.attempt, random, retryAfter);
  // A retry that would start after the delivery expired is not scheduled.
  if (isExpired(report.expiresAtMs, report.now + delayMs)) return expiredStep(policy);
  return { action: "retry", retryNumber: report.attempt, delayMs };
}

/** The `Retry-After` wait to honour for an outcome: only for 429 and 503, only when the header parses. */
export function honouredRetryAfter(
  outcome: AttemptOutcome,
  header: string | null | undefined,
  now: number,
): number | undefined {
  return outcome === 429 || outcome === 503 ? parseRetryAfter(header, now) : undefined;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
const MONTH = `(${MONTHS.join("|")})`;
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC_850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
/** Obsolete asctime: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3) into a wait in milliseconds from `now` (epoch ms): either
 * delay-seconds (`120`) or an HTTP-date in any of the three formats recipients must accept (IMF-fixdate, RFC 850,
 * asctime). A date in the past gives 0. Undefined for an absent or malformed header (fractions, negative numbers,
 * other date formats).
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === undefined || header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : Number.MAX_SAFE_INTEGER;
  }
  const at = httpDate(value);
  return at === undefined ? undefined : Math.max(0, at - now);
}

function httpDate(value: string): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC_850.exec(value);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century. Taking the years
    // 1970–2069 approximates that well enough for retry scheduling.
    const yy = Number(m[3]);
    return utc(String(yy < 70 ? 2000 + yy : 1900 + yy), m[2], m[1], m[4], m[5], m[6]);
  }
  m = ASCTIME.exec(value);
  if (m) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return undefined;
}

function utc(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  h: string | undefined,
  min: string | undefined,
  s: string | undefined,
): number | undefined {
  const mon = MONTHS.indexOf(month ?? "");
  const [Y, D, H, M, S] = [year, day, h, min, s].map((x) => Number(x?.trim()));
  if (Y === undefined || D === undefined || H === undefined || M === undefined || S === undefined) return undefined;
  if (D < 1 || D > 31 || H > 23 || M > 59 || S > 60) return undefined;
  const t = Date.UTC(Y, mon, D, H, M, Math.min(S, 59));
  // Reject dates that roll over (31 Feb).
  return new Date(t).getUTCDate() === D ? t : undefined;
}
