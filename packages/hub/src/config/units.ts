/**
 * Sizes (`64KiB`, `1MiB`, `10GB`, or a number of bytes) and durations (`500ms`, `30s`, `5m`, `12h`, `30d`, or a
 * number of milliseconds) as the configuration writes them.
 * @module
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

function withUnit(value: unknown, units: Record<string, number>): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return null;
  const unit = (m[2] ?? "").toLowerCase();
  const factor = unit === "" ? 1 : units[unit];
  return factor === undefined ? null : Math.round(Number(m[1]) * factor);
}

/** Bytes from a size, or null when it is not one. */
export function parseSize(value: unknown): number | null {
  return withUnit(value, SIZE_UNITS);
}

/** Milliseconds from a duration, or null when it is not one. */
export function parseDuration(value: unknown): number | null {
  return withUnit(value, DURATION_UNITS);
}
