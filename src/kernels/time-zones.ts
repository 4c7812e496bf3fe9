// Time zones for timestamp columns: the UTC offset of a zone at an instant, and the instant of a local
// wall-clock time. Fixed offsets ('+05:30') are arithmetic; IANA names ('Europe/Paris') ask Intl once per day
// of data (per minute on a day the offset changes), so a column costs a few Intl calls, not one per row.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const UTC_NAMES = new Set(['UTC', 'utc', 'Z', 'Etc/UTC', 'GMT', 'Etc/GMT', '+00:00', '-00:00', '+0000']);

/** Offset of local time from UTC, in ms, at a UTC instant. */
export type OffsetAt = (utcMs: number) => number;

const FIXED = /^([+-])(\d{2}):?(\d{2})$/;

/** Throws a TypeError naming the zone and the accepted forms when `tz` is neither a fixed offset nor a zone Intl knows. */
export function checkTimeZone(tz: unknown, what: string): string {
  if (typeof tz !== 'string' || tz.length === 0) throw new TypeError(`${what}: tz must be a time zone name such as 'Europe/Paris' or an offset such as '+05:30'; got ${JSON.stringify(tz)}`);
  if (UTC_NAMES.has(tz) || FIXED.test(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new TypeError(`${what}: unknown time zone ${JSON.stringify(tz)}; use an IANA name such as 'America/New_York' or a fixed offset such as '-05:00'`);
  }
  return tz;
}

export function isUtcZone(tz: string | null | undefined): boolean {
  return !tz || UTC_NAMES.has(tz);
}

const cache = new Map<string, OffsetAt>();

/** The offset function of a zone (cached per zone for the life of the process: one per worker). */
export function offsetFunction(tz: string): OffsetAt {
  let f = cache.get(tz);
  if (!f) {
    f = makeOffsetFunction(tz);
    cache.set(tz, f);
  }
  return f;
}

function makeOffsetFunction(tz: string): OffsetAt {
  if (isUtcZone(tz)) return () => 0;
  const m = FIXED.exec(tz);
  if (m) {
    const off = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * MINUTE_MS;
    return () => off;
  }
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' });
  const exact = (t: number): number => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(new Date(t))) p[part.type] = part.value;
    const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    const d = new Date(Date.UTC(2000, 0, 1, Number(p.hour), Number(p.minute), Number(p.second)));
    d.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
    const whole = Math.floor(t / 1000) * 1000;
    return d.getTime() - whole;
  };
  // Offsets per UTC day when the day has one offset; per minute on a day it changes (DST, zone history).
  const byDay = new Map<number, number | null>();
  const byMinute = new Map<number, number>();
  return (t) => {
    const day = Math.floor(t / DAY_MS);
    let o = byDay.get(day);
    if (o === undefined) {
      const a = exact(day * DAY_MS);
      o = a === exact(day * DAY_MS + DAY_MS - 1000) ? a : null;
      byDay.set(day, o);
    }
    if (o !== null) return o;
    const minute = Math.floor(t / MINUTE_MS);
    let om = byMinute.get(minute);
    if (om === undefined) {
      om = exact(minute * MINUTE_MS);
      byMinute.set(minute, om);
    }
    return om;
  };
}

/**
 * The instant of a local wall-clock time in a zone. A time that occurs twice (clocks set back) is its first
 * occurrence; a time that does not occur (clocks set forward) moves forward by the gap, as JavaScript's
 * Temporal does by default ('compatible').
 */
export function localToUtc(localMs: number, offsetAt: OffsetAt): number {
  const o1 = offsetAt(localMs - offsetAt(localMs));
  // Both offsets around the local time: the earlier instant wins when both fit.
  const before = offsetAt(localMs - o1 - DAY_MS / 2);
  const after = offsetAt(localMs - o1 + DAY_MS / 2);
  const fits = (o: number) => offsetAt(localMs - o) === o;
  const candidates = [before, o1, after].filter(fits).map((o) => localMs - o);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the offset before the gap, which lands after it.
  return localMs - before;
}
