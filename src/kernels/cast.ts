// astype(): converting a column to another type. Allowed pairs are decided when the expression is built;
// a value that would change (a fraction cut off, an integer out of range, text that is not a number) is a
// RangeError naming it, never a silent rounding (docs/TYPES.md).

import {
  type Data,
  type DataType,
  Bool,
  DateDay,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  TimestampMillisecond,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { intInfo, kindOf } from '../expr.ts';
import { registerExprFunction } from './expr-functions.ts';
import { buildColumn } from './cleaning.ts';
import { boolBytes } from './column-values.ts';
import { validityOf } from './validity.ts';
import { derivedDictionary, stringAt } from './strings.ts';
import { civilFromDays, epochMsReader, isTemporalType, msPerUnit } from './dates.ts';
import { parseFloat64, parseTimestamp } from '../io/csv/values.ts';

export const CAST_TARGETS = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'bool', 'string', 'category', 'date', 'timestamp',
] as const;
export type CastTarget = (typeof CAST_TARGETS)[number];

/** Aliases users bring from pandas/numpy. */
const ALIASES: Readonly<Record<string, CastTarget>> = { str: 'string', utf8: 'string', object: 'string', float: 'float64', int: 'int64', boolean: 'bool', 'datetime64[ms]': 'timestamp', datetime: 'timestamp', 'datetime64[ns]': 'timestamp' };

export function castTarget(name: unknown): CastTarget | null {
  if (typeof name !== 'string') return null;
  if ((CAST_TARGETS as readonly string[]).includes(name)) return name as CastTarget;
  return ALIASES[name] ?? ALIASES[name.toLowerCase()] ?? null;
}

function targetType(to: CastTarget, from: DataType, what: string): DataType {
  switch (to) {
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'uint64': return new Uint64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'string': return new Utf8();
    case 'category': return from.typeId === Type.Dictionary ? from : derivedDictionary(what);
    case 'date': return new DateDay();
    case 'timestamp': return new TimestampMillisecond();
  }
}

registerExprFunction('cast', {
  type([t], opts: { to: CastTarget }, _args, what) {
    const from = t!;
    const k = kindOf(from);
    const to = opts.to;
    const numeric = k === 'int' || k === 'bigint' || k === 'float' || k === 'bool';
    const temporal = isTemporalType(from);
    const toNumber = to !== 'string' && to !== 'category' && to !== 'date' && to !== 'timestamp';
    if (k === 'null') return targetType(to, from, what);
    if (toNumber && to !== 'bool' && !(numeric || k === 'string')) throw new TypeError(`${what}: cannot make ${String(from)} into ${to}; ${temporal ? 'use .dt fields (year, month, ...) for numbers from dates' : 'convert it to text first'}`);
    if (to === 'bool' && !numeric) throw new TypeError(`${what}: cannot make ${String(from)} into bool; compare instead (e.g. .eq('yes'))`);
    if ((to === 'date' || to === 'timestamp') && !(temporal || k === 'string')) throw new TypeError(`${what}: cannot make ${String(from)} into ${to}; for numbers since the epoch use toDatetime(series, {unit: 's' | 'ms' | 'D'})`);
    if (k === 'other' && !temporal) throw new TypeError(`${what}: cannot convert ${String(from)}`);
    return targetType(to, from, what);
  },
  evaluate([x], n, opts: { to: CastTarget }, type, what) {
    if ('lit' in x!) throw new Error(`internal: ${what} of a literal`);
    const d = x.data;
    if (d.typeId === Type.Null) return { data: buildColumn(type, n, () => null) };
    const valid = validityOf(d);
    const isValid = (i: number) => valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
    const from = d.type;
    // Same type: nothing to do (dictionary to category, int32 to int32).
    if (sameType(from, type)) return x;
    const read = sourceReader(d);
    const convert = converter(from, type, opts.to, what);
    return { data: buildColumn(type, n, (i) => (isValid(i) ? convert(read(i), i) : null)) };
  },
});

function sameType(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (a.typeId === Type.Dictionary) return true;
  return String(a) === String(b) && (!isTemporalType(a) || msPerUnit(a) === msPerUnit(b));
}

type Value = number | bigint | string | boolean;

function sourceReader(d: Data): (i: number) => Value {
  const k = kindOf(d.type);
  if (k === 'string') return stringAt(d);
  if (k === 'bool') {
    const b = boolBytes(d);
    return (i) => b[i] === 1;
  }
  if (isTemporalType(d.type)) return epochMsReader(d);
  const v = d.values as ArrayLike<number | bigint>;
  return (i) => v[i]!;
}

function show(v: Value): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}` : String(v);
}

/** How one non-null value of `from` becomes a value of `to`; throws a RangeError where it would change. */
function converter(from: DataType, to: DataType, target: string, what: string): (v: Value, row: number) => Value {
  const fail = (v: Value, row: number, why: string, fix: string): never => {
    throw new RangeError(`${what}: ${show(v)} (row ${row} of the partition) ${why}; ${fix}`);
  };
  const fk = kindOf(from);
  const tk = kindOf(to);
  if (tk === 'string') {
    if (isTemporalType(from)) return (v) => formatTime(v as number, from.typeId === Type.Date);
    if (fk === 'bool') return (v) => (v ? 'True' : 'False');
    if (fk === 'float') return (v) => pythonFloat(v as number);
    return (v) => String(v);
  }
  if (isTemporalType(to)) {
    const per = msPerUnit(to);
    const fromMs = (v: Value, row: number): number => {
      if (typeof v === 'string') {
        const ms = parseTimestamp(v.trim());
        return ms === undefined ? fail(v, row, 'is not an ISO date or timestamp', "use toDatetime(series, {format}) for other layouts, or {errors: 'coerce'} there") : ms;
      }
      return v as number;
    };
    if (to.typeId === Type.Date) {
      // A timestamp with a time of day would lose it: pandas' .dt.normalize()/floor('D') says so explicitly.
      return (v, row) => {
        const ms = fromMs(v, row);
        if (ms % per !== 0) fail(v, row, 'has a time of day a date cannot hold', "floor it first: series.dt.floor('D')");
        return Math.floor(ms / per);
      };
    }
    return (v, row) => BigInt(fromMs(v, row));
  }
  if (tk === 'bool') return (v) => (typeof v === 'bigint' ? v !== 0n : typeof v === 'boolean' ? v : v !== 0);
  if (tk === 'float') {
    const f32 = (to as unknown as { precision: number }).precision === 1;
    return (v, row) => {
      let x: number;
      if (typeof v === 'string') {
        const p = parseFloat64(v.trim());
        if (p === undefined) fail(v, row, 'is not a number', "clean the text first (e.g. .str.replace(',', ''))");
        x = p!;
      } else if (typeof v === 'bigint') {
        x = Number(v);
        if (BigInt(x) !== v) fail(v, row, `is not exactly representable as ${target}`, 'keep it as int64, or divide first (.div(1)) to accept the rounding');
      } else x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      return f32 ? Math.fround(x) : x;
    };
  }
  // Integers.
  const info = intInfo(to)!;
  const lo = info.signed ? -(2n ** BigInt(info.bits - 1)) : 0n;
  const hi = info.signed ? 2n ** BigInt(info.bits - 1) - 1n : 2n ** BigInt(info.bits) - 1n;
  return (v, row) => {
    let b: bigint;
    if (typeof v === 'boolean') b = v ? 1n : 0n;
    else if (typeof v === 'bigint') b = v;
    else if (typeof v === 'string') {
      const t = v.trim();
      if (!/^[+-]?\d+$/.test(t)) fail(v, row, 'is not an integer', "convert to 'float64' first if it has a fraction, or clean the text");
      b = BigInt(t);
    } else {
      if (!Number.isFinite(v)) fail(v, row, `cannot be an integer (${target})`, 'fill or drop it first (fillna, dropna)');
      if (!Number.isInteger(v)) fail(v, row, `has a fraction; ${target} would cut it off`, 'round first (.round(), .floordiv(1)) to say how');
      b = BigInt(v);
    }
    if (b < lo || b > hi) fail(v, row, `is outside ${target} (${lo}..${hi})`, 'use a wider type (int64)');
    return info.bits === 64 ? b : Number(b);
  };
}

/** Python's repr of a float (what pandas' astype(str) prints): '1.0', '0.1', '1e+16', 'nan', 'inf'. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length > exp + 1) body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return neg ? `-${body}` : body;
}

function formatTime(ms: number, dateOnly: boolean): string {
  const days = Math.floor(ms / 86_400_000);
  const [y, m, d] = civilFromDays(days);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  const date = `${y < 0 ? '-' : ''}${p(Math.abs(y), 4)}-${p(m)}-${p(d)}`;
  if (dateOnly) return date;
  const t = ms - days * 86_400_000;
  const frac = t % 1000;
  return `${date} ${p(Math.floor(t / 3_600_000))}:${p(Math.floor(t / 60_000) % 60)}:${p(Math.floor(t / 1000) % 60)}${frac ? `.${p(frac, 3)}` : ''}`;
}
