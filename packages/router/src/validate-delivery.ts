/**
 * Validation of the `delivery` member: Cairn's per-subscription delivery policy, defaults applied.
 * @module
 */
import { parseDuration } from "./duration.ts";
import { childPath, type Issue, IssueCode, isPlainObject, jsonTypeOf, rejectUnknown } from "./issues.ts";
import { DEFAULT_DELIVERY, type DeliveryPolicy } from "./subscription.ts";
import { checkHttpUrl } from "./validate-protocol.ts";

/** Upper bounds of the numeric delivery settings. */
export const DELIVERY_LIMITS = Object.freeze({ retry: 1000, maxInFlight: 10_000, rateLimit: 1_000_000 });

const MEMBERS: ReadonlySet<string> = new Set([
  "retry",
  "backoffPolicy",
  "backoffDelay",
  "backoffMax",
  "jitter",
  "timeout",
  "retryAfterMax",
  "format",
  "deadLetterSink",
  "ordering",
  "maxInFlight",
  "rateLimit",
  "responseMode",
  "maxAge",
  "onExpired",
]);

const DURATION_CODES = { type: IssueCode.Type, format: IssueCode.Format, range: IssueCode.Range } as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads `delivery` (absent: every default). Undefined when anything is refused. */
export function readDelivery(input: unknown, path: string, issues: Issue[]): DeliveryPolicy | undefined {
  if (input === undefined) return DEFAULT_DELIVERY;
  if (!isPlainObject(input)) {
    issues.push({ path, code: IssueCode.Type, message: `must be an object, not ${jsonTypeOf(input)}` });
    return undefined;
  }
  const before = issues.length;
  rejectUnknown(input, MEMBERS, path, issues);
  const r = new Reader(input, path, issues);
  const policy: Mutable<DeliveryPolicy> = {
    retry: r.integer("retry", 0, DELIVERY_LIMITS.retry) ?? DEFAULT_DELIVERY.retry,
    backoffPolicy: r.choice("backoffPolicy", ["linear", "exponential"] as const) ?? DEFAULT_DELIVERY.backoffPolicy,
    backoffDelay: r.duration("backoffDelay", 0) ?? DEFAULT_DELIVERY.backoffDelay,
    backoffMax: r.duration("backoffMax", 0) ?? DEFAULT_DELIVERY.backoffMax,
    jitter: r.number("jitter", 0, 1) ?? DEFAULT_DELIVERY.jitter,
    timeout: r.duration("timeout", 1) ?? DEFAULT_DELIVERY.timeout,
    retryAfterMax: r.duration("retryAfterMax", 0) ?? DEFAULT_DELIVERY.retryAfterMax,
    format: r.choice("format", ["binary", "structured"] as const) ?? DEFAULT_DELIVERY.format,
    ordering: r.choice("ordering", ["none", "partitionKey", "subject"] as const) ?? DEFAULT_DELIVERY.ordering,
    maxInFlight: r.integer("maxInFlight", 1, DELIVERY_LIMITS.maxInFlight) ?? DEFAULT_DELIVERY.maxInFlight,
    responseMode:
      r.choice("responseMode", ["ignoreBody", "replyIfCloudEvent"] as const) ?? DEFAULT_DELIVERY.responseMode,
    onExpired: r.choice("onExpired", ["deadLetter", "drop"] as const) ?? DEFAULT_DELIVERY.onExpired,
  };
  const maxAge = r.duration("maxAge", 1);
  if (maxAge !== undefined) policy.maxAge = maxAge;
  const deadLetterSink = r.present("deadLetterSink")
    ? checkHttpUrl(input.deadLetterSink, r.at("deadLetterSink"), issues)
    : undefined;
  if (deadLetterSink !== undefined) policy.deadLetterSink = deadLetterSink;
  const rateLimit = r.number("rateLimit", Number.MIN_VALUE, DELIVERY_LIMITS.rateLimit);
  if (rateLimit !== undefined) policy.rateLimit = rateLimit;
  if (policy.backoffMax < policy.backoffDelay && issues.length === before) {
    const message = `backoffMax (${policy.backoffMax} ms) is below backoffDelay (${policy.backoffDelay} ms): every delay would be backoffMax`;
    issues.push({
      path: r.at(r.present("backoffMax") ? "backoffMax" : "backoffDelay"),
      code: IssueCode.Conflict,
      message,
    });
  }
  return issues.length > before ? undefined : policy;
}

/** Reads members of one object, reporting at their paths. Each reader returns undefined when absent or refused. */
class Reader {
  readonly #value: Record<string, unknown>;
  readonly #path: string;
  readonly #issues: Issue[];

  constructor(value: Record<string, unknown>, path: string, issues: Issue[]) {
    this.#value = value;
    this.#path = path;
    this.#issues = issues;
  }

  at(key: string): string {
    return childPath(this.#path, key);
  }

  present(key: string): boolean {
    return this.#value[key] !== undefined;
  }

  #fail(key: string, code: Issue["code"], message: string): undefined {
    this.#issues.push({ path: this.at(key), code, message });
    return undefined;
  }

  number(key: string, min: number, max: number): number | undefined {
    const v = this.#value[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v))
      return this.#fail(key, IssueCode.Type, `must be a number, not ${jsonTypeOf(v)}`);
    if (v < min || v > max) {
      const low = min === Number.MIN_VALUE ? "above 0" : `at least ${min}`;
      return this.#fail(key, IssueCode.Range, `must be ${low} and at most ${max}, not ${v}`);
    }
    return v;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const v = this.#value[key];
    if (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v))
      return this.#fail(key, IssueCode.Type, `must be an integer, not ${v}`);
    return this.number(key, min, max);
  }

  choice<const T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.#value[key];
    if (v === undefined) return undefined;
    if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
    return this.#fail(key, IssueCode.Enum, `must be one of ${values.join(", ")}, not ${JSON.stringify(v)}`);
  }

  duration(key: string, min: number): number | undefined {
    const v = this.#value[key];
    if (v === undefined) return undefined;
    const d = parseDuration(v);
    if (!d.ok) return this.#fail(key, DURATION_CODES[d.kind], d.reason);
    return d.ms < min ? this.#fail(key, IssueCode.Range, `must be at least ${min} ms`) : d.ms;
  }
}
