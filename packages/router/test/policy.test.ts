/**
 * The delivery policy's arithmetic: exact backoff sequences, caps, jitter bounds (property), Retry-After parsing
 * and capping, the response classification table, dead-lettering.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  type BackoffSettings,
  baseDelay,
  classifyResponse,
  DEFAULT_DELIVERY,
  expiredStep,
  expiresAt,
  honouredRetryAfter,
  isExpired,
  isRouterError,
  nextStep,
  parseRetryAfter,
  retryDelay,
  shouldDeadLetter,
} from "../src/index.ts";

const noJitter: BackoffSettings = { ...DEFAULT_DELIVERY, jitter: 0 };
const seq = (p: BackoffSettings, n: number, random = () => 0.5) =>
  Array.from({ length: n }, (_, i) => retryDelay(p, i + 1, random));

describe("backoff sequences", () => {
  test("exponential from 0.2 s: 200, 400, 800, … capped at 60 s", () => {
    assert.deepEqual(
      seq(noJitter, 12),
      [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000, 60_000],
    );
  });

  test("linear from 0.2 s: 200, 400, 600, … — the first retry is not immediate", () => {
    assert.deepEqual(seq({ ...noJitter, backoffPolicy: "linear" }, 5), [200, 400, 600, 800, 1000]);
    assert.deepEqual(
      seq({ ...noJitter, backoffPolicy: "linear", backoffDelay: 1000, backoffMax: 2500 }, 4),
      [1000, 2000, 2500, 2500],
    );
  });

  test("the default policy's 10 retries without jitter total 162.2 s (Knative's uncapped 204.6 s)", () => {
    const total = seq(noJitter, 10).reduce((a, b) => a + b, 0);
    assert.equal(total, 162_200);
  });

  test("baseDelay is the delay before jitter", () => {
    assert.equal(baseDelay(DEFAULT_DELIVERY, 3), 800);
    assert.equal(baseDelay({ ...DEFAULT_DELIVERY, backoffPolicy: "linear" }, 3), 600);
  });

  test("huge retry numbers and a zero delay stay finite", () => {
    assert.equal(retryDelay(noJitter, 5000), 60_000);
    assert.equal(retryDelay({ ...noJitter, backoffDelay: 0 }, 5000), 0);
  });

  test("jitter: the draw maps linearly onto [d(1 − j), d(1 + j)], then the cap applies again", () => {
    const p = { ...DEFAULT_DELIVERY, jitter: 0.2 };
    assert.equal(
      retryDelay(p, 1, () => 0),
      160,
    );
    assert.equal(
      retryDelay(p, 1, () => 0.5),
      200,
    );
    assert.equal(
      retryDelay(p, 1, () => 0.75),
      220,
    );
    assert.equal(
      retryDelay(p, 3, () => 0.25),
      720,
    );
    assert.equal(
      retryDelay(p, 10, () => 0.99),
      60_000,
      "51.2 s × 1.198 is capped",
    );
    assert.equal(
      retryDelay(p, 10, () => 0),
      48_000,
      "below the cap jitter still applies",
    );
  });

  test("retry numbers start at 1", () => {
    for (const n of [0, -1, 1.5, Number.NaN])
      assert.throws(
        () => retryDelay(noJitter, n),
        (e) => isRouterError(e) && e.code === "CAIRN_ERR_ROUTER_INVALID_ARGUMENT",
      );
  });
});

describe("jitter bounds (property)", () => {
  const policy = fc.record({
    backoffPolicy: fc.constantFrom("linear" as const, "exponential" as const),
    backoffDelay: fc.integer({ min: 0, max: 100_000 }),
    backoffMax: fc.integer({ min: 0, max: 3_600_000 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    retryAfterMax: fc.integer({ min: 0, max: 3_600_000 }),
  });
  const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  test("within [d(1 − j), min(backoffMax, d(1 + j))] where d is the capped base delay", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 2000 }), draw, (p, n, r) => {
        const factor = p.backoffPolicy === "exponential" ? 2 ** (n - 1) : n;
        const d = p.backoffDelay === 0 ? 0 : Math.min(p.backoffMax, p.backoffDelay * factor);
        const x = retryDelay(p, n, () => r);
        const eps = 0.5; // rounded to whole milliseconds
        assert.ok(x >= Math.min(p.backoffMax, d * (1 - p.jitter)) - eps, `${x} below`);
        assert.ok(x <= Math.min(p.backoffMax, d * (1 + p.jitter)) + eps, `${x} above`);
        assert.ok(x <= p.backoffMax);
        assert.ok(Number.isInteger(x) && x >= 0);
      }),
    );
  });

  test("without jitter the delay never decreases from one retry to the next", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 200 }), (p, n) => {
        const q = { ...p, jitter: 0 };
        assert.ok(retryDelay(q, n + 1) >= retryDelay(q, n));
      }),
    );
  });

  test("an honoured Retry-After lengthens the wait to min(retryAfter, retryAfterMax), never shortens it", () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 50 }),
        draw,
        fc.integer({ min: 0, max: 10_000_000 }),
        (p, n, r, ra) => {
          const computed = retryDelay(p, n, () => r);
          const waited = retryDelay(p, n, () => r, ra);
          if (p.retryAfterMax === 0) assert.equal(waited, computed);
          else assert.equal(waited, Math.max(computed, Math.min(ra, p.retryAfterMax)));
        },
      ),
    );
  });
});

describe("Retry-After", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  test("capped at retryAfterMax; ignored when retryAfterMax is 0; never below the computed delay", () => {
    assert.equal(retryDelay(noJitter, 1, Math.random, 5000), 5000);
    assert.equal(retryDelay(noJitter, 1, Math.random, 3_600_000), 60_000);
    assert.equal(retryDelay({ ...noJitter, retryAfterMax: 10_000 }, 1, Math.random, 3_600_000), 10_000);
    assert.equal(retryDelay({ ...noJitter, retryAfterMax: 0 }, 1, Math.random, 5000), 200);
    assert.equal(retryDelay(noJitter, 5, Math.random, 100), 3200);
  });

  test("delay-seconds and the three HTTP-date formats", () => {
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Thursday, 01-Jan-26 12:01:00 GMT", now), 60_000);
    assert.equal(parseRetryAfter("Thu Jan  1 12:00:05 2026", now), 5000);
    assert.equal(parseRetryAfter("Wed, 31 Dec 2025 12:00:00 GMT", now), 0, "a past date: retry now");
  });

  test("malformed values are ignored", () => {
    for (const v of [
      undefined,
      null,
      "",
      "1.5",
      "-3",
      "soon",
      "Thu, 01 Jan 2026 12:00:30 UTC",
      "2026-01-01T12:00:30Z",
      "Thu, 31 Feb 2026 12:00:00 GMT",
    ])
      assert.equal(parseRetryAfter(v, now), undefined, String(v));
  });

  test("honouredRetryAfter: 429 and 503 only", () => {
    assert.equal(honouredRetryAfter(429, "7", now), 7000);
    assert.equal(honouredRetryAfter(503, "7", now), 7000);
    for (const outcome of [500, 502, 408, 200, "network", "timeout"] as const)
      assert.equal(honouredRetryAfter(outcome, "7", now), undefined, String(outcome));
    assert.equal(honouredRetryAfter(429, undefined, now), undefined);
  });

  test("nextStep honours Retry-After on 429 and 503 only", () => {
    const policy = { ...DEFAULT_DELIVERY, jitter: 0 };
    const report = { attempt: 1, retryAfter: "30", now };
    assert.deepEqual(nextStep(policy, { ...report, outcome: 429 }), {
      action: "retry",
      retryNumber: 1,
      delayMs: 30_000,
    });
    assert.deepEqual(nextStep(policy, { ...report, outcome: 503 }), {
      action: "retry",
      retryNumber: 1,
      delayMs: 30_000,
    });
    assert.deepEqual(nextStep(policy, { ...report, outcome: 500 }), { action: "retry", retryNumber: 1, delayMs: 200 });
  });
});

describe("classification (routing.md §5.3)", () => {
  test("the whole status range", () => {
    for (let status = 100; status <= 599; status++) {
      const expected =
        status >= 200 && status <= 299
          ? "success"
          : status >= 500 || status === 404 || status === 408 || status === 409 || status === 429
            ? "retry"
            : "dead";
      assert.equal(classifyResponse(status), expected, String(status));
    }
  });

  test("the table's rows", () => {
    const rows: [number | "network" | "timeout", string][] = [
      [200, "success"],
      [202, "success"],
      [204, "success"],
      [100, "dead"],
      [301, "dead"],
      [304, "dead"],
      [400, "dead"],
      [401, "dead"],
      [403, "dead"],
      [404, "retry"],
      [408, "retry"],
      [409, "retry"],
      [410, "dead"],
      [413, "dead"],
      [415, "dead"],
      [429, "retry"],
      [500, "retry"],
      [502, "retry"],
      [503, "retry"],
      [504, "retry"],
      ["network", "retry"],
      ["timeout", "retry"],
      [0, "dead"],
      [600, "dead"],
      [200.5, "dead"],
    ];
    for (const [outcome, expected] of rows) assert.equal(classifyResponse(outcome), expected, String(outcome));
  });
});

describe("dead-lettering", () => {
  test("after retry + 1 failed attempts", () => {
    assert.equal(shouldDeadLetter(10, { retry: 10 }), false);
    assert.equal(shouldDeadLetter(11, { retry: 10 }), true);
    assert.equal(shouldDeadLetter(1, { retry: 0 }), true);
  });

  test("nextStep: done, retry, retries exhausted, not retryable", () => {
    const policy = { ...DEFAULT_DELIVERY, retry: 2, jitter: 0 };
    const now = 0;
    assert.deepEqual(nextStep(policy, { outcome: 202, attempt: 1, now }), { action: "done" });
    assert.deepEqual(nextStep(policy, { outcome: "timeout", attempt: 1, now }), {
      action: "retry",
      retryNumber: 1,
      delayMs: 200,
    });
    assert.deepEqual(nextStep(policy, { outcome: 500, attempt: 2, now }), {
      action: "retry",
      retryNumber: 2,
      delayMs: 400,
    });
    assert.deepEqual(nextStep(policy, { outcome: 500, attempt: 3, now }), {
      action: "deadLetter",
      reason: "retries_exhausted",
    });
    assert.deepEqual(nextStep(policy, { outcome: 400, attempt: 1, now }), {
      action: "deadLetter",
      reason: "not_retryable",
    });
  });
});

describe("expiry: expirytime and maxAge", () => {
  const t0 = Date.parse("2026-11-21T10:00:00Z");

  test("the earlier of the expirytime attribute and ingestion + maxAge; null when neither", () => {
    const policy = { maxAge: 60_000 };
    assert.equal(expiresAt({}, {}, t0), null);
    assert.equal(expiresAt(policy, {}, t0), t0 + 60_000);
    assert.equal(expiresAt({}, { expirytime: "2026-11-21T10:00:30Z" }, t0), t0 + 30_000);
    assert.equal(expiresAt(policy, { expirytime: "2026-11-21T10:00:30Z" }, t0), t0 + 30_000);
    assert.equal(expiresAt(policy, { expirytime: "2026-11-21T11:00:00+01:00" }, t0), t0, "offsets are honoured");
    assert.equal(expiresAt(policy, { expirytime: "2026-11-21T12:00:00Z" }, t0), t0 + 60_000);
  });

  test("an expirytime that is not an RFC 3339 timestamp is ignored, never a reason to drop", () => {
    for (const expirytime of ["yesterday", "2026-11-21", 1_700_000_000_000, "", null])
      assert.equal(expiresAt({}, { expirytime }, t0), null, String(expirytime));
  });

  test("isExpired: at or after the instant; null never", () => {
    assert.equal(isExpired(null, t0), false);
    assert.equal(isExpired(undefined, t0), false);
    assert.equal(isExpired(t0, t0 - 1), false);
    assert.equal(isExpired(t0, t0), true);
  });

  test("nextStep: a retry that would start at or after the expiry gives the policy's expired step", () => {
    const policy = { ...DEFAULT_DELIVERY, jitter: 0, backoffDelay: 1000 };
    const report = { outcome: 503, attempt: 1, now: t0 };
    assert.deepEqual(nextStep(policy, { ...report, expiresAtMs: t0 + 1001 }), {
      action: "retry",
      retryNumber: 1,
      delayMs: 1000,
    });
    assert.deepEqual(nextStep(policy, { ...report, expiresAtMs: t0 + 1000 }), {
      action: "deadLetter",
      reason: "expired",
    });
    assert.deepEqual(nextStep({ ...policy, onExpired: "drop" }, { ...report, expiresAtMs: t0 + 10 }), {
      action: "drop",
      reason: "expired",
    });
    // Retry-After lengthens the wait past the expiry.
    assert.equal(
      nextStep(policy, { ...report, outcome: 429, retryAfter: "5", expiresAtMs: t0 + 3000 }).action,
      "deadLetter",
    );
    // Success and non-retryable outcomes are what they are, expired or not.
    assert.deepEqual(nextStep(policy, { ...report, outcome: 200, expiresAtMs: t0 - 1 }), { action: "done" });
    assert.deepEqual(nextStep(policy, { ...report, outcome: 400, expiresAtMs: t0 - 1 }), {
      action: "deadLetter",
      reason: "not_retryable",
    });
  });

  test("expiredStep follows onExpired", () => {
    assert.deepEqual(expiredStep(DEFAULT_DELIVERY), { action: "deadLetter", reason: "expired" });
    assert.deepEqual(expiredStep({ onExpired: "drop" }), { action: "drop", reason: "expired" });
  });
});
