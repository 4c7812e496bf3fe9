// The text grammar of typed values, on JS strings: used by schema inference and by the papaparse path.
// The fast parser implements the same grammar on bytes; the differential test holds the two together.

import { formatParser } from '../../kernels/dates.ts';

export const KIND_BOOL = 1;
export const KIND_INT32 = 2;
export const KIND_INT64 = 4;
export const KIND_FLOAT = 8;
export const KIND_DATE = 16;
export const KIND_TIMESTAMP = 32;
export const KIND_STRING = 64;

const INT_LENIENT = /^[+-]?\d+$/;
/** Inference refuses leading zeros ("007", "00123"): such codes are identifiers and stay strings. */
const INT_STRICT = /^[+-]?(?:0|[1-9]\d*)$/;
const FLOAT_LENIENT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT_STRICT = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const BOOL = /^(?:true|false|True|False|TRUE|FALSE)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DAY_MS = 86400000;

/** The narrowest kind of a non-null field text (dates only where the column may hold dates). */
export function classify(s: string, dates: boolean): number {
  if (INT_STRICT.test(s)) {
    // Up to 10 digits after an optional sign may fit int32; Number() is exact there and the range decides.
    if (s.length - (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43 ? 1 : 0) <= 10) {
      const n = Number(s);
      if (n >= INT32_MIN && n <= INT32_MAX) return KIND_INT32;
    }
    return parseInt64(s) !== undefined ? KIND_INT64 : KIND_STRING;
  }
  if (FLOAT_STRICT.test(s) || FLOAT_SPECIAL.test(s)) return KIND_FLOAT;
  if (BOOL.test(s)) return KIND_BOOL;
  if (dates) {
    if (parseDate(s) !== undefined) return KIND_DATE;
    if (parseTimestamp(s) !== undefined) return KIND_TIMESTAMP;
  }
  return KIND_STRING;
}

/** String twin of number-bytes' isStringNumber: number text that inference reads as a string. */
export function isStringNumberText(s: string): boolean {
  if (/^[+-]?0\d/.test(s)) return true;
  return INT_LENIENT.test(s) && parseInt64(s) === undefined;
}

export function parseFloat64(s: string): number | undefined {
  if (FLOAT_LENIENT.test(s)) return Number(s);
  const m = FLOAT_SPECIAL.exec(s);
  if (!m) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

export function parseInt32(s: string): number | undefined {
  if (!INT_LENIENT.test(s)) return undefined;
  const n = Number(s);
  return n >= INT32_MIN && n <= INT32_MAX ? n : undefined;
}

export function parseInt64(s: string): bigint | undefined {
  if (!INT_LENIENT.test(s)) return undefined;
  const n = BigInt(s);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

export function parseBool(s: string): boolean | undefined {
  if (!BOOL.test(s)) return undefined;
  return s.charCodeAt(0) === 116 || s.charCodeAt(0) === 84; // 't' or 'T'
}

/** Days since 1970-01-01 of an ISO date YYYY-MM-DD, or undefined if it is not a real calendar date. */
export function parseDate(s: string): number | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const ms = utcMs(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0);
  return ms === undefined ? undefined : ms / DAY_MS;
}

/**
 * Milliseconds since the epoch (UTC) of an ISO timestamp; an offset (+02:00, Z) is applied; sub-ms digits are
 * dropped. A plain date is its midnight UTC, so a column mixing dates and timestamps is a timestamp column.
 */
export function parseTimestamp(s: string): number | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) {
    const days = parseDate(s);
    return days === undefined ? undefined : days * DAY_MS;
  }
  const frac = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const ms = utcMs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0, frac);
  if (ms === undefined) return undefined;
  return ms - offsetMs(m[8]);
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, sec, ms);
  // A day past the month's end rolls over (02-30 -> 03-02): a real date survives the round trip.
  return dt.getUTCDate() === d ? dt.getTime() : undefined;
}

function offsetMs(tz: string | undefined): number {
  if (!tz || tz === 'Z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60000;
}

const formatted = new Map<string, (s: string) => number | undefined>();

/**
 * Milliseconds since the epoch of text in a parseDates format ('%d/%m/%Y %H:%M', kernels/dates.ts), or
 * undefined. Surrounding spaces are ignored, as toDatetime ignores them. One parser per format, kept.
 */
export function parseFormatted(s: string, format: string): number | undefined {
  let parse = formatted.get(format);
  if (!parse) formatted.set(format, (parse = formatParser(format)));
  return parse(s.trim());
}
