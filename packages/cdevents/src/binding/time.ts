/**
 * Comparison of the CloudEvents `time` attribute with `context.timestamp`. Values are never re-formatted; this module
 * only decides whether two RFC 3339 strings agree.
 * @module
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

interface Instant {
  /** Whole seconds since the epoch, UTC. */
  readonly seconds: number;
  /** Fractional digits with trailing zeros removed. */
  readonly fraction: string;
}

/**
 * True when `ceTime` and `timestamp` name the same instant, allowing `ceTime` or `timestamp` to be the other
 * truncated to a coarser precision. Other SDKs re-format `time` (the `cloudevents` npm package writes a millisecond
 * `toISOString()`, Java truncates to seconds) while the CDEvent keeps microseconds; such messages still agree.
 * Strings that are not RFC 3339 agree only when identical.
 */
export function timesAgree(ceTime: string, timestamp: string): boolean {
  if (ceTime === timestamp) return true;
  const a = parseInstant(ceTime);
  const b = parseInstant(timestamp);
  if (a === undefined || b === undefined || a.seconds !== b.seconds) return false;
  return a.fraction.startsWith(b.fraction) || b.fraction.startsWith(a.fraction);
}

function parseInstant(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const sign = m[9] === "-" ? -1 : 1;
  const offset = m[8] !== undefined ? 0 : sign * (Number(m[10]) * 60 + Number(m[11]));
  const days = daysFromCivil(year, month, day);
  const seconds = days * 86400 + hour * 3600 + (minute - offset) * 60 + second;
  return { seconds, fraction: (m[7] ?? "").replace(/0+$/, "") };
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm); Date.UTC would map years 0–99 to
// the 1900s.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
