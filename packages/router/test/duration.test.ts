/**
 * Durations: milliseconds and ISO-8601 durations, refusals, and formatting back.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "../src/index.ts";

const ms = (v: unknown) => {
  const r = parseDuration(v);
  return r.ok ? r.ms : r.kind;
};

test("ISO-8601: days, hours, minutes, fractional seconds", () => {
  assert.equal(ms("PT0.2S"), 200);
  assert.equal(ms("PT0S"), 0);
  assert.equal(ms("PT10S"), 10_000);
  assert.equal(ms("PT1M30S"), 90_000);
  assert.equal(ms("PT2H"), 7_200_000);
  assert.equal(ms("P1D"), 86_400_000);
  assert.equal(ms("P1DT0.0005S"), 86_400_001, "fractions of a millisecond round");
  assert.equal(ms(1500), 1500);
});

test("refusals, with the kind of problem", () => {
  for (const v of ["P", "PT", "P1Y", "P1M", "P1W", "pt1s", "1s", "PT-1S", "PT1,5S", " PT1S", "PT1S ", "P1DT"])
    assert.equal(ms(v), "format", v);
  assert.equal(ms(-1), "range");
  assert.equal(ms(MAX_DURATION_MS + 1), "range");
  assert.equal(ms("P25D"), "range");
  assert.equal(ms(1.5), "type");
  assert.equal(ms(null), "type");
  assert.equal(ms(MAX_DURATION_MS), MAX_DURATION_MS);
});

test("property: formatDuration gives an ISO duration that parses back to the same milliseconds", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (n) => {
      assert.equal(ms(formatDuration(n)), n);
    }),
  );
});
