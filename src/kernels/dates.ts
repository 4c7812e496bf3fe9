// Kernels for Arrow date and timestamp columns: comparisons (with each other and ISO literals, exact in
// the column's own unit), `.dt` fields, floor/ceil to a unit, and parsing text into timestamps.

import { type Data, type DataType, DateDay, Float64, Int32, TimestampMillisecond, Type } from 'apache-arrow';
import type { ComparisonOp, Literal } from '../expr.ts';
import { type FnOperand, registerExprFunction } from './expr-functions.ts';
import { primitiveData, sharedArray } from './arrow-build.ts';
import { validityOf } from './validity.ts';
import { cmpResult, compareExact } from './evaluate.ts';
import { parseTimestamp } from '../io/csv/values.ts';
import { stringAt } from './strings.ts';
import { checkTimeZone, isUtcZone, localToUtc, offsetFunction } from './time-zones.ts';

const DAY_MS = 86_400_000;

/** Milliseconds per stored unit of a date/timestamp type (fractions for us and ns). */
export function msPerUnit(t: DataType): number {
  if (t.typeId === Type.Date) return (t as unknown as { unit: number }).unit === 0 ? DAY_MS : 1;
  switch ((t as unknown as { unit: number }).unit) {
    case 0:
      return 1000;
    case 1:
      return 1;
    case 2:
      return 1e-3;
    default:
      return 1e-6;
  }
}

export function isTemporalType(t: DataType): boolean {
  return t.typeId === Type.Date || t.typeId === Type.Timestamp;
}

export function isTemporalData(e: FnOperand): boolean {
  return 'data' in e && isTemporalType(e.data.type);
}

/** The zone of a timestamp type (null: none, or UTC). */
export function zoneOf(t: DataType): string | null {
  const tz = (t as unknown as { timezone?: string | null }).timezone;
  return t.typeId === Type.Timestamp && !isUtcZone(tz) ? tz! : null;
}

/** A timestamp's zone must be one tessera can convert: a fixed offset or an IANA name Intl knows. */
export function assertKnownZone(t: DataType, what: string): void {
  const tz = zoneOf(t);
  if (tz !== null) checkTimeZone(tz, what);
}

/** Row i in the column's unit: a number (int32 days) or a bigint (64-bit units). */
function rawAt(d: Data): (i: number) => number | bigint {
  const v = d.values as ArrayLike<number | bigint>;
  return (i) => v[i]!;
}

/** Row i as epoch milliseconds (floor for us/ns): exact for every date a float64 can hold. */
export function epochMsReader(d: Data): (i: number) => number {
  const raw = rawAt(d);
  const per = msPerUnit(d.type);
  if (per >= 1) return (i) => Number(raw(i)) * per;
  const div = BigInt(Math.round(1 / per));
  return (i) => {
    const x = raw(i) as bigint;
    const q = x / div;
    return Number(x < 0n && q * div !== x ? q - 1n : q);
  };
}

/**
 * A literal (epoch ms, an integer) in a column's unit, for an exact comparison: `[value, atFloor]` where
 * `atFloor` is -1 when the literal falls between two units (the unit's value is then below the literal).
 */
function literalInUnit(ms: number, t: DataType): [number | bigint, number] {
  const per = msPerUnit(t);
  const wide = t.typeId === Type.Timestamp || (t.typeId === Type.Date && per === 1);
  if (per >= 1) {
    const q = Math.floor(ms / per);
    const frac = q * per === ms ? 0 : -1;
    return [wide ? BigInt(q) : q, frac];
  }
  return [BigInt(ms) * BigInt(Math.round(1 / per)), 0];
}

function literalMs(lit: Literal): number {
  const ms = typeof lit === 'string' ? parseTimestamp(lit) : undefined;
  if (ms === undefined) throw new TypeError(`cannot compare a date/timestamp column with ${JSON.stringify(lit)}; use ISO text such as '2001-01-31' or '2001-01-31T08:00'`);
  return ms;
}

/** Comparison where at least one side is a date/timestamp column (the other: one too, or ISO text). */
export function compareTemporal(op: ComparisonOp, l: FnOperand, r: FnOperand, n: number, out: Uint8Array): void {
  if ('lit' in l || 'lit' in r) {
    const colSide = ('data' in l ? l : r) as { data: Data };
    const lit = ('lit' in l ? l.lit : (r as { lit: Literal }).lit) as Literal;
    const [k, atFloor] = literalInUnit(literalMs(lit), colSide.data.type);
    const raw = rawAt(colSide.data);
    // Written as column-op-literal: flip when the literal is on the left.
    const flip: Record<ComparisonOp, ComparisonOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', eq: 'eq', ne: 'ne' };
    const o = 'lit' in l ? flip[op] : op;
    for (let i = 0; i < n; i++) {
      const c = compareExact(raw(i), k);
      out[i] = cmpResult(o, c === 0 ? atFloor : c);
    }
    return;
  }
  // Two columns: compare in the finer unit, exactly (bigints).
  const a = l.data;
  const b = (r as { data: Data }).data;
  if (!isTemporalType(a.type) || !isTemporalType(b.type)) throw new TypeError(`cannot compare ${String(a.type)} with ${String(b.type)}`);
  const fa = toFinest(a);
  const fb = toFinest(b);
  for (let i = 0; i < n; i++) out[i] = cmpResult(op, compareExact(fa(i), fb(i)));
}

/** Row i as a bigint of nanoseconds since the epoch (any unit fits exactly). */
function toFinest(d: Data): (i: number) => bigint {
  const raw = rawAt(d);
  const per = msPerUnit(d.type);
  const ns = BigInt(Math.round(per * 1e6));
  return (i) => BigInt(raw(i)) * ns;
}

/** A scalar's value (substituted for its Ref when the task runs) as a literal of its type tag. */
export function scalarLiteral(value: unknown, tag: string): Literal {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') throw new Error('internal: a scalar leaf reached a kernel before lowering bound it');
  switch (tag) {
    case 'int64':
    case 'uint64':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'bool':
      return Boolean(value);
    case 'utf8':
      return String(value);
    default:
      return Number(value);
  }
}

// ---------------------------------------------------------------------------------------------------
// .dt fields

/** Civil date of a day number (days since 1970-01-01), proleptic Gregorian. */
export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export const DT_FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'dayofweek', 'dayofyear', 'quarter'] as const;
export type DtField = (typeof DT_FIELDS)[number];

function fieldOf(field: DtField, ms: number): number {
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  switch (field) {
    case 'hour':
      return Math.floor(inDay / 3_600_000);
    case 'minute':
      return Math.floor(inDay / 60_000) % 60;
    case 'second':
      return Math.floor(inDay / 1000) % 60;
    case 'dayofweek':
      // pandas: Monday = 0; 1970-01-01 was a Thursday.
      return (((days + 3) % 7) + 7) % 7;
    case 'dayofyear': {
      const [y] = civilFromDays(days);
      return days - daysFromCivil(y, 1, 1) + 1;
    }
    default: {
      const [y, m, d] = civilFromDays(days);
      return field === 'year' ? y : field === 'month' ? m : field === 'quarter' ? Math.floor((m - 1) / 3) + 1 : d;
    }
  }
}

function temporalArg(t: DataType, what: string): void {
  if (!isTemporalType(t) && t.typeId !== Type.Null) throw new TypeError(`${what}: .dt needs a date or timestamp column, got ${String(t)}; parse text first with toDatetime(series)`);
  assertKnownZone(t, what);
}

/** Row i as local wall-clock milliseconds (epoch ms shifted by the zone's offset; UTC for zoneless columns). */
function localMsReader(d: Data): (i: number) => number {
  const ms = epochMsReader(d);
  const tz = zoneOf(d.type);
  if (tz === null) return ms;
  const offsetAt = offsetFunction(tz);
  return (i) => {
    const t = ms(i);
    return t + offsetAt(t);
  };
}

registerExprFunction('dt_field', {
  type([t], opts: { field: DtField }, _args, what) {
    temporalArg(t!, what);
    if (!DT_FIELDS.includes(opts.field)) throw new TypeError(`${what}: unknown field '${opts.field}'`);
    return new Int32();
  },
  evaluate([x], n, opts: { field: DtField }) {
    if ('lit' in x!) return { lit: null };
    const d = x.data;
    const out = sharedArray(Int32Array, n);
    if (d.typeId !== Type.Null) {
      // Fields of the wall-clock time where the column has a zone.
      const ms = localMsReader(d);
      const valid = validityOf(d);
      for (let i = 0; i < n; i++) if (valid === null || (valid[i >> 3]! >> (i & 7)) & 1) out[i] = fieldOf(opts.field, ms(i));
    }
    return { data: primitiveData(new Int32(), n, out, d.typeId === Type.Null ? sharedArray(Uint8Array, (n + 7) >> 3) : validityOf(d)) };
  },
});

// epoch_ms(x): a date/timestamp as float64 milliseconds since the epoch (how min/max of dates are reduced).
registerExprFunction('epoch_ms', {
  type([t], _opts, _args, what) {
    temporalArg(t!, what);
    return new Float64();
  },
  evaluate([x], n) {
    if ('lit' in x!) return { lit: null };
    const d = x.data;
    const out = sharedArray(Float64Array, n);
    if (d.typeId === Type.Null) return { data: primitiveData(new Float64(), n, out, sharedArray(Uint8Array, (n + 7) >> 3)) };
    const ms = epochMsReader(d);
    for (let i = 0; i < n; i++) out[i] = ms(i);
    return { data: primitiveData(new Float64(), n, out, validityOf(d)) };
  },
});

/** Units floor/ceil accept, in milliseconds (pandas' fixed frequencies). */
export const ROUND_UNITS: Readonly<Record<string, number>> = { D: DAY_MS, h: 3_600_000, min: 60_000, s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

registerExprFunction('dt_round', {
  type([t], opts: { mode: 'floor' | 'ceil'; unit: string }, _args, what) {
    temporalArg(t!, what);
    if (!Object.hasOwn(ROUND_UNITS, opts.unit)) throw new TypeError(`${what}: unit must be one of ${Object.keys(ROUND_UNITS).join(', ')}; got ${JSON.stringify(opts.unit)}`);
    return t!;
  },
  evaluate([x], n, opts: { mode: 'floor' | 'ceil'; unit: string }, type) {
    if ('lit' in x!) return { lit: null };
    const d = x.data;
    if (d.typeId === Type.Null) return x;
    const per = msPerUnit(d.type);
    const stepUnits = ROUND_UNITS[opts.unit]! / per;
    // A unit no coarser than the column's own leaves every value as it is.
    if (stepUnits <= 1) return x;
    const tz = zoneOf(d.type);
    if (tz !== null) return { data: roundInZone(d, tz, ROUND_UNITS[opts.unit]!, opts.mode === 'ceil', type, n) };
    const v = d.values as ArrayLike<number | bigint>;
    const ceil = opts.mode === 'ceil';
    if (v instanceof BigInt64Array) {
      const step = BigInt(Math.round(stepUnits));
      const out = sharedArray(BigInt64Array, n);
      for (let i = 0; i < n; i++) {
        const a = v[i]!;
        let r = a % step;
        if (r < 0n) r += step;
        out[i] = r === 0n ? a : ceil ? a - r + step : a - r;
      }
      return { data: primitiveData(type, n, out, validityOf(d)) };
    }
    const out = sharedArray(Int32Array, n);
    for (let i = 0; i < n; i++) {
      const a = v[i] as number;
      const r = ((a % stepUnits) + stepUnits) % stepUnits;
      out[i] = r === 0 ? a : ceil ? a - r + stepUnits : a - r;
    }
    return { data: primitiveData(type, n, out, validityOf(d)) };
  },
});

/**
 * floor/ceil on the wall clock of a zone (a day starts at local midnight, whatever the offset), back to an
 * instant; a local time that does not exist (clocks set forward) moves past the gap.
 */
function roundInZone(d: Data, tz: string, stepMs: number, ceil: boolean, type: DataType, n: number): Data {
  const offsetAt = offsetFunction(tz);
  const ms = epochMsReader(d);
  const valid = validityOf(d);
  const perUnit = msPerUnit(d.type);
  const out = sharedArray(BigInt64Array, n);
  for (let i = 0; i < n; i++) {
    if (valid !== null && !((valid[i >> 3]! >> (i & 7)) & 1)) continue;
    const t = ms(i);
    const off = offsetAt(t);
    const local = t + off;
    const r = ((local % stepMs) + stepMs) % stepMs;
    // Sub-millisecond parts of us/ns values count as "not on the boundary" for ceil.
    const exact = r === 0 && (perUnit >= 1 || BigInt((d.values as BigInt64Array)[i]!) % BigInt(Math.round(1 / perUnit)) === 0n);
    if (exact) {
      out[i] = BigInt((d.values as BigInt64Array)[i]!);
      continue;
    }
    const target = ceil ? local - r + stepMs : local - r;
    // The value's own offset where it still holds (a repeated hour floors within itself), else the zone's rule.
    const utc = offsetAt(target - off) === off ? target - off : localToUtc(target, offsetAt);
    out[i] = perUnit >= 1 ? BigInt(Math.round(utc / perUnit)) : BigInt(utc) * BigInt(Math.round(1 / perUnit));
  }
  return primitiveData(type, n, out, validityOf(d));
}

// ---------------------------------------------------------------------------------------------------
// Parsing text into timestamps

export interface ToDatetimeOptions {
  /** strftime-like: %Y %m %d %H %M %S %f and literal characters; absent: ISO-8601. */
  readonly format: string | null;
  /** 'raise' (default): text that does not parse is an error naming it; 'coerce': it becomes null. */
  readonly errors: 'raise' | 'coerce';
  /** For numeric input: the unit of the numbers since the epoch. */
  readonly unit: 's' | 'ms' | 'D' | null;
  /** The result's zone: text without an offset is wall-clock time there; null: UTC. */
  readonly tz?: string | null;
  /** Where the text came from, for the error (readCsv's parseDates: the files and the column). */
  readonly source?: string;
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** A parser for one strftime-like format (a subset: %Y %m %d %H %M %S %f %%), as epoch milliseconds. */
export function formatParser(format: string): (s: string) => number | undefined {
  const parts: string[] = [];
  let pattern = '^';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%' && i + 1 < format.length) {
      const f = format[++i]!;
      const re: Record<string, string> = { Y: '(\\d{4})', m: '(\\d{1,2})', d: '(\\d{1,2})', H: '(\\d{1,2})', M: '(\\d{1,2})', S: '(\\d{1,2})', f: '(\\d{1,9})' };
      if (f === '%') pattern += '%';
      else if (re[f]) {
        pattern += re[f];
        parts.push(f);
      } else throw new TypeError(`toDatetime: format directive %${f} is not supported; use %Y %m %d %H %M %S %f`);
    } else pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`${pattern}$`);
  return (s) => {
    const m = re.exec(s);
    if (!m) return undefined;
    const f: Record<string, number> = { Y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
    parts.forEach((p, k) => {
      const t = m[k + 1]!;
      f[p] = p === 'f' ? Number(t.slice(0, 3).padEnd(3, '0')) : Number(t);
    });
    if (f.m! < 1 || f.m! > 12 || f.d! < 1 || f.H! > 23 || f.M! > 59 || f.S! > 59) return undefined;
    const days = daysFromCivil(f.Y!, f.m!, f.d!);
    if (civilFromDays(days)[2] !== f.d) return undefined; // 02-30 is not a date
    return days * DAY_MS + f.H! * 3_600_000 + f.M! * 60_000 + f.S! * 1000 + f.f!;
  };
}

registerExprFunction('to_datetime', {
  type([t], opts: ToDatetimeOptions, _args, what) {
    const ok = t!.typeId === Type.Utf8 || t!.typeId === Type.Dictionary || t!.typeId === Type.Int || t!.typeId === Type.Float || isTemporalType(t!) || t!.typeId === Type.Null;
    if (!ok) throw new TypeError(`${what}: toDatetime needs text, numbers or dates; got ${String(t)}`);
    if ((t!.typeId === Type.Int || t!.typeId === Type.Float) && !opts.unit) throw new TypeError(`${what}: numbers need {unit: 's' | 'ms' | 'D'} to become timestamps`);
    if (opts.format !== null) formatParser(opts.format);
    if (opts.tz) checkTimeZone(opts.tz, what);
    return new TimestampMillisecond(opts.tz && !isUtcZone(opts.tz) ? opts.tz : null);
  },
  evaluate([x], n, opts: ToDatetimeOptions, type, what) {
    if ('lit' in x!) return { lit: null };
    const d = x.data;
    const valid = validityOf(d);
    const out = sharedArray(BigInt64Array, n);
    const keep = sharedArray(Uint8Array, (n + 7) >> 3);
    const isValid = (i: number) => valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
    if (d.typeId === Type.Null) return { data: primitiveData(type, n, out, keep) };
    let read: (i: number) => number | undefined;
    if (isTemporalType(d.type)) read = epochMsReader(d);
    else if (d.typeId === Type.Int || d.typeId === Type.Float) {
      const per = opts.unit === 's' ? 1000 : opts.unit === 'D' ? DAY_MS : 1;
      const v = d.values as ArrayLike<number | bigint>;
      read = (i) => {
        const ms = Number(v[i]!) * per;
        return Number.isFinite(ms) ? Math.floor(ms) : undefined;
      };
    } else {
      const text = stringAt(d);
      const utcParse = opts.format === null ? parseTimestamp : formatParser(opts.format);
      const tz = opts.tz && !isUtcZone(opts.tz) ? opts.tz : null;
      const offsetAt = tz === null ? null : offsetFunction(tz);
      // In a zone, text without its own offset is wall-clock time there.
      const parse = offsetAt === null ? utcParse : (s: string) => {
        const ms = utcParse(s);
        return ms === undefined || (opts.format === null && HAS_OFFSET.test(s) && !/^\d{4}-\d{2}-\d{2}$/.test(s)) ? ms : localToUtc(ms, offsetAt);
      };
      // Each distinct text of a dictionary column is parsed once.
      const memo = new Map<string, number | undefined>();
      read = (i) => {
        const s = text(i);
        if (memo.has(s)) return memo.get(s);
        const ms = parse(s.trim());
        memo.set(s, ms);
        return ms;
      };
    }
    for (let i = 0; i < n; i++) {
      if (!isValid(i)) continue;
      const ms = read(i);
      if (ms === undefined) {
        if (opts.errors === 'coerce') continue;
        const shown = d.typeId === Type.Utf8 || d.typeId === Type.Dictionary ? JSON.stringify(stringAt(d)(i)) : String((d.values as ArrayLike<unknown>)[i]);
        throw new RangeError(`${opts.source ?? what}: ${shown} (row ${i} of the partition) is not a ${opts.format === null ? 'ISO date or timestamp' : `date in format '${opts.format}'`}; pass {errors: 'coerce'} to turn such values into null${opts.format === null ? ", or {format: '%d/%m/%Y'}" : ''}`);
      }
      out[i] = BigInt(ms);
      keep[i >> 3]! |= 1 << (i & 7);
    }
    return { data: primitiveData(type, n, out, keep) };
  },
});

export { DateDay };
