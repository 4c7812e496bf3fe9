// Kernels of the cleaning verbs: fill nulls, choose between two values per row (where/mask/clip),
// membership in a list (isin) and rounding. Results take one type known when the expression is built.

import { type Data, type DataType, Bool, Dictionary, Float64, Int64, Type, Utf8 } from 'apache-arrow';
import type { ColExpr, Literal } from '../expr.ts';
import { intInfo, kindOf, literalFits } from '../expr.ts';
import { type FnOperand, registerExprFunction } from './expr-functions.ts';
import { dictionaryData, primitiveData, sharedArray } from './arrow-build.ts';
import { asFloat64, boolBytes, packBits } from './column-values.ts';
import { validityOf } from './validity.ts';
import { derivedDictionary, isStringType, stringAt, utf8FromStrings } from './strings.ts';
import { epochMsReader, isTemporalType, msPerUnit } from './dates.ts';
import { parseTimestamp } from '../io/csv/values.ts';

type Row = number | bigint | string | boolean;

/**
 * The one type two values can share (pandas-like, but never data-dependent): an integer column keeps its
 * type next to an integer literal that fits; mixed integers give int64; a float on either side float64;
 * a dictionary column stays a dictionary next to text; a date/timestamp column accepts ISO text.
 */
export function commonType(a: DataType, ea: ColExpr, b: DataType, eb: ColExpr, what: string): DataType {
  if (b.typeId === Type.Null) return a.typeId === Type.Null ? new Float64() : a;
  if (a.typeId === Type.Null) return b;
  const ka = kindOf(a);
  const kb = kindOf(b);
  const isIntLit = (e: ColExpr) => e.t === 'lit' && typeof e.value === 'number' && Number.isSafeInteger(e.value);
  const numeric = (k: string) => k === 'int' || k === 'bigint' || k === 'float';
  if (numeric(ka) && numeric(kb)) {
    const ia = intInfo(a);
    const ib = intInfo(b);
    if (ia && !ib && isIntLit(eb)) return literalFits((eb as { value: number }).value, a) ? a : new Int64();
    if (ib && !ia && isIntLit(ea)) return literalFits((ea as { value: number }).value, b) ? b : new Int64();
    if (ia && ib) return ia.bits === ib.bits && ia.signed === ib.signed ? a : new Int64();
    return new Float64();
  }
  if (ka === 'bool' && kb === 'bool') return new Bool();
  if (ka === 'string' && kb === 'string') return a.typeId === Type.Dictionary || (b.typeId === Type.Dictionary && ea.t === 'lit') ? derivedDictionary(what) : new Utf8();
  if (isTemporalType(a) && (isTemporalType(b) || (eb.t === 'lit' && typeof eb.value === 'string'))) {
    if (isTemporalType(b) && (a.typeId !== b.typeId || msPerUnit(a) !== msPerUnit(b))) throw new TypeError(`${what}: ${String(a)} and ${String(b)} differ; convert one with astype first`);
    if (eb.t === 'lit' && parseTimestamp(eb.value as string) === undefined) throw new TypeError(`${what}: ${JSON.stringify(eb.value)} is not an ISO date or timestamp`);
    return a;
  }
  if (isTemporalType(b) && ea.t === 'lit' && typeof ea.value === 'string') return commonType(b, eb, a, ea, what);
  throw new TypeError(`${what}: a ${String(a)} value and a ${String(b)} value have no common type; convert one with astype first`);
}

/** Reads row i of an operand as a value of `type` (validity is checked by the caller). */
function reader(e: FnOperand, type: DataType): (i: number) => Row | null {
  const kind = kindOf(type);
  if ('lit' in e) {
    const v = literalAs(e.lit, type);
    return () => v;
  }
  const d = e.data;
  if (d.typeId === Type.Null) return () => null;
  if (kind === 'string') return stringAt(d);
  if (isTemporalType(type)) {
    const v = d.values as ArrayLike<number | bigint>;
    return (i) => v[i]!;
  }
  if (kind === 'bool') {
    const b = boolBytes(d);
    return (i) => b[i] === 1;
  }
  if (kind === 'bigint') {
    const v = d.values as ArrayLike<number | bigint>;
    return (i) => BigInt(v[i]!);
  }
  const f = asFloat64(d);
  return (i) => f[i]!;
}

function literalAs(v: Literal, type: DataType): Row | null {
  if (v === null) return null;
  if (isTemporalType(type)) {
    const ms = typeof v === 'string' ? parseTimestamp(v)! : Number(v);
    const units = Math.floor(ms / msPerUnit(type));
    return (type.typeId === Type.Date && msPerUnit(type) > 1) ? units : BigInt(units);
  }
  const kind = kindOf(type);
  if (kind === 'bigint') return BigInt(v as number | bigint);
  if (kind === 'string') return String(v);
  if (kind === 'bool') return Boolean(v);
  return Number(v);
}

/** A column of `type` whose row i is `value(i)`, or null where `value` gives null. */
export function buildColumn(type: DataType, n: number, value: (i: number) => Row | null): Data {
  const valid = sharedArray(Uint8Array, (n + 7) >> 3);
  const setValid = (i: number) => (valid[i >> 3]! |= 1 << (i & 7));
  const kind = kindOf(type);
  if (kind === 'string') {
    const strings: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) strings[i] = value(i) as string | null;
    if (type.typeId !== Type.Dictionary) return utf8FromStrings(strings, null);
    const index = new Map<string, number>();
    const entries: string[] = [];
    const codes = sharedArray(Int32Array, n);
    for (let i = 0; i < n; i++) {
      const s = strings[i];
      if (s === null || s === undefined) continue;
      let k = index.get(s);
      if (k === undefined) {
        k = entries.length;
        index.set(s, k);
        entries.push(s);
      }
      codes[i] = k;
      setValid(i);
    }
    return dictionaryData(type as Dictionary, n, codes, utf8FromStrings(entries, null), valid);
  }
  if (kind === 'bool') {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = value(i);
      if (v === null) continue;
      bytes[i] = v ? 1 : 0;
      setValid(i);
    }
    return primitiveData(new Bool(), n, packBits(bytes), valid);
  }
  const Ctor = (type as unknown as { ArrayType: new (n: number) => ArrayLike<number | bigint> }).ArrayType as any;
  const out = sharedArray(Ctor, n) as unknown as Array<number | bigint>;
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < n; i++) {
    const v = value(i);
    if (v === null) continue;
    out[i] = big ? BigInt(v as number | bigint) : Number(v);
    setValid(i);
  }
  return primitiveData(type, n, out as unknown as ArrayBufferView, valid);
}

function isValidFn(e: FnOperand, n: number): (i: number) => boolean {
  if ('lit' in e) return () => e.lit !== null;
  const v = e.data.typeId === Type.Null ? sharedArray(Uint8Array, (n + 7) >> 3) : validityOf(e.data);
  return v === null ? () => true : (i) => ((v[i >> 3]! >> (i & 7)) & 1) === 1;
}

// fill_null(x, value): x where x is not null, else value.
registerExprFunction('fill_null', {
  type([a, b], _opts, args, what) {
    return commonType(a!, args[0]!, b!, args[1]!, what);
  },
  evaluate([x, v], n, _opts, type) {
    if ('lit' in x! && 'lit' in v!) return { lit: x.lit ?? v.lit };
    const xv = isValidFn(x!, n);
    const vv = isValidFn(v!, n);
    const xr = reader(x!, type);
    const vr = reader(v!, type);
    return { data: buildColumn(type, n, (i) => (xv(i) ? xr(i) : vv(i) ? vr(i) : null)) };
  },
});

// if_else(cond, a, b): a where cond is true, b where it is false or null (pandas' where/mask).
registerExprFunction('if_else', {
  type([c, a, b], _opts, args, what) {
    const kc = kindOf(c!);
    if (kc !== 'bool' && kc !== 'null') throw new TypeError(`${what}: the condition must be boolean, got ${String(c)}`);
    return commonType(a!, args[1]!, b!, args[2]!, what);
  },
  evaluate([c, a, b], n, _opts, type) {
    const cv = isValidFn(c!, n);
    const cb = 'lit' in c! ? null : c!.data.typeId === Type.Null ? new Uint8Array(n) : boolBytes(c!.data);
    const ck = 'lit' in c! ? c!.lit === true : false;
    const av = isValidFn(a!, n);
    const bv = isValidFn(b!, n);
    const ar = reader(a!, type);
    const br = reader(b!, type);
    return {
      data: buildColumn(type, n, (i) => {
        const take = cv(i) && (cb ? cb[i] === 1 : ck);
        return take ? (av(i) ? ar(i) : null) : bv(i) ? br(i) : null;
      }),
    };
  },
});

// is_in(x, {values}): true where x equals one of the values; a null x is true only when null is listed (pandas).
registerExprFunction('is_in', {
  type([t], opts: { values: readonly Literal[] }, _args, what) {
    const k = kindOf(t!);
    for (const v of opts.values) {
      if (v === null) continue;
      const ok =
        (k === 'string' && typeof v === 'string') ||
        ((k === 'int' || k === 'bigint' || k === 'float') && (typeof v === 'number' || typeof v === 'bigint')) ||
        (k === 'bool' && typeof v === 'boolean') ||
        (isTemporalType(t!) && typeof v === 'string' && parseTimestamp(v) !== undefined) ||
        k === 'null';
      if (!ok) throw new TypeError(`${what}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)} cannot equal a value of ${String(t)}`);
    }
    return new Bool();
  },
  evaluate([x], n, opts: { values: readonly Literal[] }) {
    const withNull = opts.values.includes(null);
    if ('lit' in x!) return { lit: x.lit === null ? withNull : opts.values.some((v) => v === x.lit) };
    const d = x.data;
    const valid = isValidFn(x!, n);
    const bytes = new Uint8Array(n);
    const vals = opts.values.filter((v) => v !== null);
    let member: (i: number) => boolean;
    if (d.typeId === Type.Null) member = () => false;
    else if (isStringType(d.type)) {
      const set = new Set(vals as string[]);
      if (d.typeId === Type.Dictionary) {
        // Each dictionary entry is looked up once.
        const dict = d.dictionary!.data[0]!;
        const entries = stringAt(dict);
        const hit = new Uint8Array(dict.length);
        for (let j = 0; j < dict.length; j++) hit[j] = set.has(entries(j)) ? 1 : 0;
        const codes = d.values as ArrayLike<number>;
        member = (i) => hit[codes[i]!] === 1;
      } else {
        const at = stringAt(d);
        member = (i) => set.has(at(i));
      }
    } else if (isTemporalType(d.type)) {
      const ms = epochMsReader(d);
      const set = new Set(vals.map((v) => parseTimestamp(v as string)));
      member = (i) => set.has(ms(i));
    } else if (d.typeId === Type.Bool) {
      const b = boolBytes(d);
      member = (i) => vals.includes(b[i] === 1);
    } else if (kindOf(d.type) === 'bigint') {
      // Exact: a number equals an int64 only when it is that integer.
      const set = new Set(vals.flatMap((v) => (typeof v === 'bigint' ? [v] : Number.isInteger(v) ? [BigInt(v as number)] : [])));
      const v = d.values as ArrayLike<bigint>;
      member = (i) => set.has(v[i]!);
    } else {
      const set = new Set(vals.map((v) => Number(v)));
      const f = asFloat64(d);
      // NaN is a value: a listed NaN matches NaN (as pandas' isin).
      const nan = vals.some((v) => typeof v === 'number' && Number.isNaN(v));
      member = (i) => set.has(f[i]!) || (nan && f[i] !== f[i]);
    }
    for (let i = 0; i < n; i++) bytes[i] = (valid(i) ? member(i) : withNull) ? 1 : 0;
    return { data: primitiveData(new Bool(), n, packBits(bytes), null) };
  },
});

/** numpy's round: half to even at the given number of decimals. */
export function roundHalfEven(x: number, decimals: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** Math.abs(decimals);
  const y = decimals >= 0 ? x * f : x / f;
  if (!Number.isFinite(y)) return x;
  let r = Math.round(y);
  // Math.round sends .5 up; numpy sends it to the even neighbour.
  if (Math.abs(y - Math.trunc(y)) === 0.5) r = 2 * Math.round(y / 2);
  return decimals >= 0 ? r / f : r * f;
}

registerExprFunction('round', {
  type([t], opts: { decimals: number }, _args, what) {
    const k = kindOf(t!);
    if (k !== 'int' && k !== 'bigint' && k !== 'float' && k !== 'null') throw new TypeError(`${what}: round() needs numbers, got ${String(t)}`);
    if (!Number.isInteger(opts.decimals)) throw new TypeError(`${what}: decimals must be an integer; got ${String(opts.decimals)}`);
    return k === 'null' ? new Float64() : t!;
  },
  evaluate([x], n, opts: { decimals: number }, type) {
    if ('lit' in x!) return { lit: x.lit === null ? null : roundHalfEven(Number(x.lit), opts.decimals) };
    const d = x.data;
    const k = kindOf(type);
    if (k === 'float') {
      const f = asFloat64(d);
      const out = sharedArray(Float64Array, n);
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(f[i]!, opts.decimals);
      return { data: primitiveData(type, n, out, validityOf(d)) };
    }
    // Integers: unchanged for decimals >= 0; else to a multiple of 10^-decimals, half to even, exactly.
    if (opts.decimals >= 0 || d.typeId === Type.Null) return x;
    const step = 10n ** BigInt(-opts.decimals);
    const v = d.values as ArrayLike<number | bigint>;
    const valid = validityOf(d);
    const what = `round(${opts.decimals})`;
    return {
      data: buildColumn(type, n, (i) => {
        if (valid !== null && !((valid[i >> 3]! >> (i & 7)) & 1)) return null;
        const a = BigInt(v[i]!);
        let q = a / step;
        let r = a - q * step;
        if (r < 0n) {
          r += step;
          q -= 1n;
        }
        const twice = 2n * r;
        if (twice > step || (twice === step && q % 2n !== 0n)) q += 1n;
        const out = q * step;
        if (!(kindOf(type) === 'bigint') && (out > BigInt(Number.MAX_SAFE_INTEGER) || !literalFits(Number(out), type))) throw new RangeError(`${what}: ${a} rounds to ${out}, outside ${String(type)}; widen first with astype('int64')`);
        return kindOf(type) === 'bigint' ? out : Number(out);
      }),
    };
  },
});
