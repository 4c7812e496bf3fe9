// Randomized comparison of the in-memory kernels with naive references written here: random frames
// (int32, int64 near and past 2^53, float64 with NaN/±0/huge/tiny, bool, unicode utf8, nulls) split
// into random partitions (empty and one-row ones included), checked for every reduction, arithmetic
// operator, comparison and groupby aggregation, result types included (docs/TYPES.md). Seeded; a
// failure is shrunk to a small case and printed as a reproduction.
// Longer runs: TESSERA_KERNEL_FUZZ_SEED=7 TESSERA_KERNEL_FUZZ_CASES=2000 node --import tsx node_modules/uvu/bin.js tests random-kernels
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DataType, type RecordBatch, type Vector, Field, Schema } from 'apache-arrow';
import { compute, fromRecordBatches, type DataFrame, type Series } from '../../src/index.ts';
import { buildColumn } from '../../src/kernels/groupby/aggregate.ts';
import { makeBatch } from '../../src/kernels/arrow-build.ts';
import { sliceBatch } from '../../src/kernels/take.ts';
import { typeFromTag } from '../../src/kernels/type-tags.ts';
import { rng } from '../helpers.ts';

const SEED = Number(process.env.TESSERA_KERNEL_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.TESSERA_KERNEL_FUZZ_CASES ?? 60);
const sync = { scheduler: 'sync' as const };

type Tag = 'int32' | 'int64' | 'float64' | 'bool' | 'utf8';
type V = number | bigint | boolean | string | null;
interface Frame {
  names: string[];
  tags: Tag[];
  cols: V[][];
  /** Partition boundaries: [0, ..., nrows]; repeated values make empty partitions. */
  cuts: number[];
}
type Query =
  | { kind: 'reduce'; col: number }
  | { kind: 'arith'; op: ArithOp; l: number; r: number | { lit: V } }
  | { kind: 'cmp'; op: CmpOp; l: number; r: number | { lit: V } }
  | { kind: 'unary'; op: 'neg' | 'abs'; col: number }
  | { kind: 'group'; keys: number[]; value: number; dropna: boolean; splitOut: number };
type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'floordiv' | 'mod' | 'pow';
type CmpOp = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
interface Case {
  frame: Frame;
  query: Query;
}

// ------------------------------------------------------------------------------------------------
// generation

const NAMES = ['__proto__', 'constructor', 'x y', 'ü', 'k', 'v'];
const STRINGS = ['', 'a', 'B', 'é', 'e\u0301', '😀', '北京', 'a\u0001b', 'zz', '\uFFFD'];
const TAGS: Tag[] = ['int32', 'int64', 'float64', 'bool', 'utf8'];

function generateValue(tag: Tag, r: () => number): V {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  switch (tag) {
    case 'int32':
      return r() < 0.7 ? Math.floor(r() * 21) - 10 : pick([0, 1, -1, 2147483647, -2147483648, 65536, Math.floor(r() * 4294967296) - 2147483648]);
    case 'int64':
      if (r() < 0.6) return BigInt(Math.floor(r() * 21) - 10);
      return pick([2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n, BigInt(Math.floor(r() * 2 ** 40))]);
    case 'float64':
      if (r() < 0.6) return Math.round((r() - 0.5) * 2000) / 8;
      return pick([NaN, 0, -0, 1e300, -1e300, 5e-324, -5e-324, 2 ** 53 + 2, 0.1, Infinity, -Infinity, 1e-300]);
    case 'bool':
      return r() < 0.5;
    case 'utf8':
      return pick(STRINGS);
  }
}

function generateFrame(r: () => number): Frame {
  const ncols = 2 + Math.floor(r() * 3);
  const nrows = [0, 1, 2, 5, 17, 40][Math.floor(r() * 6)]!;
  const names = NAMES.slice().sort(() => r() - 0.5).slice(0, ncols);
  const tags = names.map(() => TAGS[Math.floor(r() * TAGS.length)]!);
  const cols = tags.map((tag) => {
    const nullRate = [0, 0, 0.2, 0.6, 1][Math.floor(r() * 5)]!;
    return Array.from({ length: nrows }, () => (r() < nullRate ? null : generateValue(tag, r)));
  });
  const nparts = 1 + Math.floor(r() * 5);
  const inner = Array.from({ length: nparts - 1 }, () => Math.floor(r() * (nrows + 1))).sort((a, b) => a - b);
  return { names, tags, cols, cuts: [0, ...inner, nrows] };
}

const NUMERIC: Tag[] = ['int32', 'int64', 'float64', 'bool'];
const ARITH_OPS: ArithOp[] = ['add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow'];
const CMP_OPS: CmpOp[] = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'];

function generateQueries(f: Frame, r: () => number): Query[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const idx = f.names.map((_, i) => i);
  const numeric = idx.filter((i) => NUMERIC.includes(f.tags[i]!) && f.tags[i] !== 'bool');
  const out: Query[] = [{ kind: 'reduce', col: pick(idx) }];
  if (numeric.length > 0) {
    const l = pick(numeric);
    const lits: V[] = [3, -2, 0, 2.5, 2 ** 31, 9007199254740992, -7n, NaN, 1];
    out.push({ kind: 'arith', op: pick(ARITH_OPS), l, r: r() < 0.6 ? pick(numeric) : { lit: pick(lits) } });
    out.push({ kind: 'unary', op: r() < 0.5 ? 'neg' : 'abs', col: pick(numeric) });
  }
  const l = pick(idx);
  const tag = f.tags[l]!;
  const partners = idx.filter((i) => (tag === 'utf8' ? f.tags[i] === 'utf8' : tag === 'bool' ? f.tags[i] === 'bool' : numeric.includes(i)));
  const lit: V = tag === 'utf8' ? pick(STRINGS) : tag === 'bool' ? r() < 0.5 : pick([9007199254740992, 2.5, -0.5, 0, NaN, Infinity, -Infinity, 9007199254740993n, 2 ** 63, 1e300]);
  out.push({ kind: 'cmp', op: pick(CMP_OPS), l, r: r() < 0.5 && partners.length > 0 ? pick(partners) : { lit } });
  const keyable = idx.filter((i) => f.tags[i] !== 'float64' || r() < 0.5);
  const nkeys = Math.min(keyable.length, 1 + Math.floor(r() * 2));
  const keys = keyable.sort(() => r() - 0.5).slice(0, nkeys);
  const values = idx.filter((i) => !keys.includes(i));
  if (keys.length > 0 && values.length > 0) out.push({ kind: 'group', keys, value: pick(values), dropna: r() < 0.5, splitOut: r() < 0.7 ? 1 : 2 });
  return out;
}

// ------------------------------------------------------------------------------------------------
// building the frame

function build(f: Frame): DataFrame {
  const types = f.tags.map((t) => typeFromTag(t));
  const schema = new Schema(f.names.map((n, i) => new Field(n, types[i]!, true)));
  const whole = makeBatch(schema, f.cols.map((c, i) => buildColumn(types[i]!, c as never)));
  const parts: RecordBatch[] = [];
  for (let p = 0; p + 1 < f.cuts.length; p++) parts.push(sliceBatch(whole, f.cuts[p]!, f.cuts[p + 1]!));
  return fromRecordBatches(parts, schema);
}

// ------------------------------------------------------------------------------------------------
// naive references

const isInt = (t: Tag) => t === 'int32' || t === 'int64';
const num = (v: V): number => (typeof v === 'boolean' ? (v ? 1 : 0) : Number(v));
const big = (v: V): bigint => (typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v as number | bigint));
const safe = (x: bigint): number | bigint => (x >= -(2n ** 53n) + 1n && x <= 2n ** 53n - 1n ? Number(x) : x);
const present = (xs: V[]) => xs.filter((x) => x !== null);

/** Exact order of two numbers, bigints included, by way of exact decimal-free reasoning. */
function exactCmp(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && Number.isNaN(a)) return NaN;
  if (typeof b === 'number' && Number.isNaN(b)) return NaN;
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b) || (a === b ? 0 : a < b ? -1 : 1);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'number') return -exactCmp(b, a);
  const n = b as number;
  if (!Number.isFinite(n)) return n > 0 ? -1 : 1;
  const whole = BigInt(Math.trunc(n));
  if (a !== whole) return a < whole ? -1 : 1;
  const frac = n - Math.trunc(n);
  return frac === 0 ? 0 : frac > 0 ? -1 : 1;
}

function utf8Cmp(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function close(got: unknown, want: unknown, tol: number): boolean {
  if (typeof want === 'number' && typeof got === 'number') {
    if (Number.isNaN(want)) return Number.isNaN(got);
    if (!Number.isFinite(want)) return got === want;
    return Math.abs(got - want) <= tol;
  }
  return got === want;
}

const show = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : typeof v === 'number' ? String(v) : JSON.stringify(v));

// ------------------------------------------------------------------------------------------------
// checks: each returns null or a message saying what differed

async function check(c: Case): Promise<string | null> {
  const df = build(c.frame);
  const q = c.query;
  try {
    if (q.kind === 'reduce') return await checkReduce(df, c.frame, q.col);
    if (q.kind === 'arith') return await checkArith(df, c.frame, q);
    if (q.kind === 'cmp') return await checkCmp(df, c.frame, q);
    if (q.kind === 'unary') return await checkUnary(df, c.frame, q);
    return await checkGroup(df, c.frame, q);
  } catch (e) {
    return `threw: ${(e as Error).message}`;
  }
}

async function checkReduce(df: DataFrame, f: Frame, col: number): Promise<string | null> {
  const tag = f.tags[col]!;
  const s = df.col(f.names[col]!);
  const xs = present(f.cols[col]!);
  if (tag === 'utf8') {
    const got = await s.count().compute(sync);
    return got === xs.length ? null : `count: got ${got}, want ${xs.length}`;
  }
  const names = ['sum', 'mean', 'min', 'max', 'count', 'var', 'std', 'prod', 'any', 'all'] as const;
  const got = (await compute(...names.map((n) => s[n]()), sync)) as unknown[];
  const nums = xs.map(num);
  const finite = nums.every(Number.isFinite);
  const scale = nums.reduce((a, x) => a + (Number.isFinite(x) ? Math.abs(x) : 0), 0);
  const want: Record<string, unknown> = { count: xs.length };
  if (tag === 'bool') {
    const trues = xs.filter((x) => x === true).length;
    Object.assign(want, { sum: trues, min: xs.length ? trues === xs.length : null, max: xs.length ? trues > 0 : null, any: trues > 0, all: trues === xs.length });
  } else {
    want.sum = isInt(tag) ? safe(xs.reduce<bigint>((a, x) => a + big(x), 0n)) : nums.reduce((a, x) => a + x, 0);
    const hasNaN = nums.some(Number.isNaN);
    let mn: V = null;
    let mx: V = null;
    for (const x of xs) {
      if (mn === null || exactCmp(x as number | bigint, mn as number | bigint) < 0) mn = x;
      if (mx === null || exactCmp(x as number | bigint, mx as number | bigint) > 0) mx = x;
    }
    want.min = xs.length === 0 ? null : hasNaN ? NaN : typeof mn === 'bigint' ? safe(mn) : mn;
    want.max = xs.length === 0 ? null : hasNaN ? NaN : typeof mx === 'bigint' ? safe(mx) : mx;
    want.any = nums.some((x) => x !== 0);
    want.all = nums.every((x) => x !== 0);
  }
  want.mean = xs.length === 0 ? null : isInt(tag) ? Number(xs.reduce<bigint>((a, x) => a + big(x), 0n)) / xs.length : nums.reduce((a, x) => a + x, 0) / xs.length;
  const m = nums.reduce((a, x) => a + x, 0) / nums.length;
  const v = nums.length < 2 ? null : nums.reduce((a, x) => a + (x - m) * (x - m), 0) / (nums.length - 1);
  const wild = !finite || nums.some((x) => Math.abs(x) > 1e150 || (x !== 0 && Math.abs(x) < 1e-150));
  // |product| of the nonzero values: past ~1e300 the order of multiplication decides Inf (then NaN with a 0) or not
  const prodAbs = nums.reduce((a, x) => (x === 0 ? a : a * Math.abs(x)), 1);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    let tol = 0;
    if (name === 'var' || name === 'std') {
      if (wild) continue; // overflowing squares: the order of summation decides Inf vs NaN
      const w = name === 'var' ? v : v === null ? null : Math.sqrt(v);
      if (!close(got[i], w, 1e-9 * (Math.abs(w ?? 0) + 1e-6 * m * m + 1e-12))) return `${name}: got ${show(got[i])}, want ${show(w)}`;
      continue;
    }
    if (name === 'prod') {
      if (!finite || prodAbs > 1e300 || nums.some((x) => x !== 0 && Math.abs(x) < 1e-150)) continue;
      const p = nums.reduce((a, x) => a * x, 1);
      if (!close(got[i], p, 1e-12 * Math.abs(p))) return `prod: got ${show(got[i])}, want ${show(p)}`;
      continue;
    }
    if ((name === 'sum' || name === 'mean') && tag === 'float64') tol = 1e-12 * scale / (name === 'mean' ? Math.max(1, xs.length) : 1);
    if (name === 'mean' && isInt(tag)) tol = 1e-12 * Math.abs(want.mean as number);
    if (!close(got[i], want[name], tol)) return `${name}: got ${show(got[i])}, want ${show(want[name])}`;
  }
  return null;
}

function operand(df: DataFrame, f: Frame, r: number | { lit: V }): Series | V {
  return typeof r === 'number' ? df.col(f.names[r]!) : r.lit;
}

function litTag(v: V): Tag | 'intlit' | 'null' {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'intlit' : 'float64';
  return typeof v === 'string' ? 'utf8' : 'bool';
}

/** The documented result type of l op r (docs/TYPES.md), derived here independently of the implementation. */
function arithType(op: ArithOp, lt: Tag, rt: Tag | 'intlit' | 'null', rlit: V): Tag {
  if (op === 'div') return 'float64';
  if (rt === 'null') return isInt(lt) ? lt : 'float64';
  if (rt === 'intlit') {
    if (!isInt(lt)) return 'float64';
    if (lt === 'int32') return (rlit as number) >= -(2 ** 31) && (rlit as number) < 2 ** 31 ? 'int32' : 'int64';
    return 'int64';
  }
  if (!isInt(lt) || !isInt(rt)) return 'float64';
  return lt === rt ? lt : 'int64';
}

async function checkArith(df: DataFrame, f: Frame, q: Extract<Query, { kind: 'arith' }>): Promise<string | null> {
  const lt = f.tags[q.l]!;
  const rt = typeof q.r === 'number' ? f.tags[q.r]! : litTag(q.r.lit);
  const rlit = typeof q.r === 'number' ? null : q.r.lit;
  const type = arithType(q.op, lt, rt, rlit);
  const s = (df.col(f.names[q.l]!) as unknown as Record<ArithOp, (o: unknown) => Series>)[q.op](operand(df, f, q.r));
  const wantType = { int32: 'Int32', int64: 'Int64', float64: 'Float64' }[type as 'int32'];
  if (String(s.dtype) !== wantType) return `type: got ${String(s.dtype)}, want ${wantType}`;
  const n = f.cols[0]!.length;
  const lv = f.cols[q.l]!;
  const rv = typeof q.r === 'number' ? f.cols[q.r]! : new Array<V>(n).fill(rlit);
  const want: Array<V | 'error'> = [];
  let error: string | null = null;
  for (let i = 0; i < n; i++) {
    const a = lv[i]!;
    const b = rv[i]!;
    if (a === null || b === null) {
      want.push(null);
      continue;
    }
    if (type === 'float64') {
      const x = num(a);
      const y = num(b);
      want.push(q.op === 'add' ? x + y : q.op === 'sub' ? x - y : q.op === 'mul' ? x * y : q.op === 'div' ? x / y : q.op === 'pow' ? (x === 1 || (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) ? 1 : x ** y) : 'error');
      continue;
    }
    const x = big(a);
    const y = big(b);
    let res: bigint | null;
    if (q.op === 'floordiv' || q.op === 'mod') {
      if (y === 0n) res = null;
      else {
        // floor division by way of exact rationals: q = floor(x / y)
        let qq = x / y;
        if (qq * y !== x && (x < 0n) !== (y < 0n)) qq -= 1n;
        res = q.op === 'floordiv' ? qq : x - qq * y;
      }
    } else if (q.op === 'pow') {
      if (y < 0n) {
        error = 'negative integer power';
        break;
      }
      res = y > 200n && (x > 1n || x < -1n) ? 2n ** 70n : x ** y;
    } else res = q.op === 'add' ? x + y : q.op === 'sub' ? x - y : x * y;
    const bits = type === 'int32' ? 32n : 64n;
    if (res !== null && (res < -(2n ** (bits - 1n)) || res >= 2n ** (bits - 1n))) {
      error = 'overflows';
      break;
    }
    want.push(res === null ? null : type === 'int32' ? Number(res) : res);
  }
  let got: Vector;
  try {
    got = await s.compute(sync);
  } catch (e) {
    const msg = (e as Error).message;
    if (error && msg.includes(error)) return null;
    return `threw ${msg}; want ${error ?? 'values'}`;
  }
  if (error) return `no error; want an error saying '${error}'`;
  for (let i = 0; i < n; i++) {
    const g = got.get(i) as V;
    const w = want[i]!;
    if (w === 'error') {
      // float floordiv/mod: check the defining properties instead of one formula
      const x = num(lv[i]!);
      const y = num(rv[i]!);
      const qq = got.get(i) as number;
      const nan = Number.isNaN(qq);
      let ok: boolean;
      if (Number.isNaN(x) || Number.isNaN(y)) ok = nan;
      else if (q.op === 'floordiv') {
        if (y === 0) ok = Object.is(qq, x / y) || (nan && Number.isNaN(x / y)) || qq === x / y;
        else if (!Number.isFinite(x)) ok = nan;
        else if (!Number.isFinite(y)) ok = qq === 0 || qq === -1;
        else if (!Number.isFinite(x / y)) ok = qq === x / y; // the quotient itself overflows
        else ok = qq === Math.floor(qq) && Math.abs(qq - x / y) <= 1 + 1e-9 * Math.abs(x / y);
      } else {
        if (y === 0 || !Number.isFinite(x)) ok = nan;
        else if (!Number.isFinite(y)) ok = qq === x || !Number.isFinite(qq) || qq === 0;
        else ok = qq === 0 || (Math.sign(qq) === Math.sign(y) && Math.abs(qq) <= Math.abs(y));
      }
      if (!ok) return `row ${i}: ${show(x)} ${q.op} ${show(y)} gave ${show(qq)}`;
      continue;
    }
    if (!(g === w || (typeof g === 'number' && typeof w === 'number' && Number.isNaN(g) && Number.isNaN(w)))) return `row ${i}: got ${show(g)}, want ${show(w)}`;
  }
  return null;
}

async function checkUnary(df: DataFrame, f: Frame, q: Extract<Query, { kind: 'unary' }>): Promise<string | null> {
  const tag = f.tags[q.col]!;
  const s = df.col(f.names[q.col]!)[q.op]();
  const wantType = ARROW_NAME[tag];
  if (String(s.dtype) !== wantType) return `type: got ${String(s.dtype)}, want ${wantType}`;
  const xs = f.cols[q.col]!;
  const want = xs.map((x) => (x === null ? null : typeof x === 'bigint' ? (q.op === 'neg' || x < 0n ? -x : x) : q.op === 'neg' ? -(x as number) : Math.abs(x as number)));
  const limit = tag === 'int32' ? 2n ** 31n : 2n ** 63n;
  const overflows = isInt(tag) && want.some((w) => w !== null && BigInt(w as number | bigint) >= limit);
  let got: Vector;
  try {
    got = await s.compute(sync);
  } catch (e) {
    return overflows && /overflows/.test((e as Error).message) ? null : `threw ${(e as Error).message}`;
  }
  if (overflows) return 'no overflow error';
  for (let i = 0; i < xs.length; i++) {
    const g = got.get(i) as V;
    if (!Object.is(g, want[i]) && !(g === want[i])) return `row ${i}: ${q.op}(${show(xs[i]!)}) got ${show(g)}, want ${show(want[i]!)}`;
  }
  return null;
}

async function checkCmp(df: DataFrame, f: Frame, q: Extract<Query, { kind: 'cmp' }>): Promise<string | null> {
  const s = (df.col(f.names[q.l]!) as unknown as Record<CmpOp, (o: unknown) => Series>)[q.op](operand(df, f, q.r));
  const got = await s.compute(sync);
  const n = f.cols[0]!.length;
  for (let i = 0; i < n; i++) {
    const a = f.cols[q.l]![i]!;
    const b = typeof q.r === 'number' ? f.cols[q.r]![i]! : q.r.lit;
    let want: boolean | null;
    if (a === null || b === null) want = null;
    else {
      const c = typeof a === 'string' ? utf8Cmp(a, b as string) : exactCmp(typeof a === 'boolean' ? num(a) : (a as number | bigint), typeof b === 'boolean' ? num(b) : (b as number | bigint));
      want = Number.isNaN(c) ? q.op === 'ne' : { gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0, eq: c === 0, ne: c !== 0 }[q.op];
    }
    const g = got.get(i);
    if (g !== want) return `row ${i}: ${show(a)} ${q.op} ${show(b)}: got ${show(g)}, want ${show(want)}`;
  }
  return null;
}

const GROUP_AGGS = ['sum', 'mean', 'count', 'size', 'min', 'max', 'var', 'std', 'first', 'last', 'nunique', 'median'] as const;
const ARROW_NAME: Record<Tag, string> = { int32: 'Int32', int64: 'Int64', float64: 'Float64', bool: 'Bool', utf8: 'Utf8' };

function groupAggTypeRef(fn: (typeof GROUP_AGGS)[number], tag: Tag): string {
  if (fn === 'count' || fn === 'size' || fn === 'nunique') return 'Int64';
  if (fn === 'sum') return tag === 'float64' ? 'Float64' : 'Int64';
  if (fn === 'min' || fn === 'max' || fn === 'first' || fn === 'last') return ARROW_NAME[tag];
  return 'Float64';
}

/** A group key as text: NaN one group, -0 and 0 one group, null its own. */
const keyText = (v: V) => (v === null ? 'null' : typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : String(v === 0 ? 0 : v)) : `${typeof v}:${String(v)}`);

async function checkGroup(df: DataFrame, f: Frame, q: Extract<Query, { kind: 'group' }>): Promise<string | null> {
  const tag = f.tags[q.value]!;
  const fns = GROUP_AGGS.filter((fn) => tag !== 'utf8' || ['count', 'size', 'first', 'last', 'nunique'].includes(fn));
  const spec: Record<string, [string, string]> = {};
  fns.forEach((fn, i) => (spec[`o${i}`] = [f.names[q.value]!, fn]));
  // reference: rows per key tuple, in row order
  const groups = new Map<string, { key: V[]; rows: V[]; size: number }>();
  const n = f.cols[0]!.length;
  for (let r = 0; r < n; r++) {
    const key = q.keys.map((k) => f.cols[k]![r]!);
    if (q.dropna && key.some((v) => v === null)) continue;
    const text = key.map(keyText).join('|');
    let g = groups.get(text);
    if (!g) groups.set(text, (g = { key, rows: [], size: 0 }));
    g.size++;
    g.rows.push(f.cols[q.value]![r]!);
  }
  // An integer group sum beyond int64 must be an error, never a wrapped number.
  const overflow = tag !== 'float64' && tag !== 'utf8' && [...groups.values()].some((g) => {
    const t = present(g.rows).reduce<bigint>((a, x) => a + big(x), 0n);
    return t >= 2n ** 63n || t < -(2n ** 63n);
  });
  let out;
  try {
    out = await df.groupby(q.keys.map((k) => f.names[k]!), { dropna: q.dropna }).agg(spec as never, { splitOut: q.splitOut }).compute(sync);
  } catch (e) {
    if (overflow && /beyond int64/.test((e as Error).message)) return null;
    throw e;
  }
  if (overflow) return 'no error for a group sum beyond int64';
  for (let i = 0; i < fns.length; i++) {
    const t = String(out.schema.fields.find((x) => x.name === `o${i}`)!.type);
    if (t !== groupAggTypeRef(fns[i]!, tag)) return `${fns[i]} type: got ${t}, want ${groupAggTypeRef(fns[i]!, tag)}`;
  }
  if (out.numRows !== groups.size) return `got ${out.numRows} groups, want ${groups.size}`;
  const keyCols = q.keys.map((k) => out.getChild(f.names[k]!)!);
  // rows come sorted by key (within each output partition: check with one): numbers (NaN last), strings by
  // code point, false before true, nulls last
  const order = (x: V, y: V): number => {
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'string') return utf8Cmp(x, y as string);
    if (typeof x === 'boolean') return Number(x) - Number(y);
    const c = exactCmp(x as number | bigint, y as number | bigint);
    return Number.isNaN(c) ? (x !== x ? (y !== y ? 0 : 1) : -1) : c;
  };
  for (let row = 1; q.splitOut === 1 && row < out.numRows; row++) {
    for (let c = 0; c < keyCols.length; c++) {
      const d = order(keyCols[c]!.get(row - 1) as V, keyCols[c]!.get(row) as V);
      if (d < 0) break;
      if (d > 0) return `rows ${row - 1} and ${row} are out of key order`;
    }
  }
  const outCols = fns.map((_, i) => out.getChild(`o${i}`)!);
  for (let row = 0; row < out.numRows; row++) {
    const text = keyCols.map((c) => keyText(c.get(row) as V)).join('|');
    const g = groups.get(text);
    if (!g) return `unexpected group ${text}`;
    const xs = present(g.rows);
    const nums = xs.map(num);
    const wild = nums.some((x) => !Number.isFinite(x) || Math.abs(x) > 1e150);
    const hasNaN = nums.some(Number.isNaN);
    const scale = nums.reduce((a, x) => a + (Number.isFinite(x) ? Math.abs(x) : 0), 0);
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i]!;
      const got = outCols[i]!.get(row) as V;
      let want: V;
      let tol = 0;
      switch (fn) {
        case 'count':
          want = BigInt(xs.length);
          break;
        case 'size':
          want = BigInt(g.size);
          break;
        case 'nunique':
          want = BigInt(new Set(xs.map(keyText)).size);
          break;
        case 'first':
          want = xs.length ? xs[0]! : null;
          break;
        case 'last':
          want = xs.length ? xs[xs.length - 1]! : null;
          break;
        case 'sum':
          if (tag === 'float64') {
            want = nums.reduce((a, x) => a + x, 0);
            tol = 1e-12 * scale;
          } else want = xs.reduce<bigint>((a, x) => a + big(x), 0n);
          break;
        case 'mean':
          want = xs.length === 0 ? null : (tag === 'float64' ? nums.reduce((a, x) => a + x, 0) : Number(xs.reduce<bigint>((a, x) => a + big(x), 0n))) / xs.length;
          tol = (1e-12 * scale) / Math.max(1, xs.length) + 1e-12 * Math.abs((want as number) ?? 0);
          break;
        case 'min':
        case 'max': {
          if (xs.length === 0) want = null;
          else if (tag === 'bool') want = fn === 'min' ? xs.every((x) => x === true) : xs.some((x) => x === true);
          else if (hasNaN) want = NaN;
          else want = xs.reduce((m, x) => (exactCmp(x as number | bigint, m as number | bigint) * (fn === 'min' ? 1 : -1) < 0 ? x : m));
          break;
        }
        case 'var':
        case 'std': {
          if (wild) continue;
          const m = nums.reduce((a, x) => a + x, 0) / nums.length;
          const v = nums.length < 2 ? null : nums.reduce((a, x) => a + (x - m) * (x - m), 0) / (nums.length - 1);
          want = fn === 'var' || v === null ? v : Math.sqrt(v);
          tol = 1e-9 * (Math.abs(want ?? 0) + 1e-6 * m * m + 1e-12);
          break;
        }
        case 'median': {
          if (xs.length === 0) want = null;
          else if (hasNaN) want = NaN;
          else {
            const s = [...nums].sort((a, b) => a - b);
            const h = s.length >> 1;
            want = s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
            tol = 1e-12 * Math.abs(want);
          }
          break;
        }
      }
      // -0 and 0 are equal here: which one a float min/first keeps is not part of the contract
      if (!close(got, want, tol) && !(got === 0 && want === 0)) return `group ${text} ${fn}: got ${show(got)}, want ${show(want)}`;
    }
  }
  return null;
}

// ------------------------------------------------------------------------------------------------
// shrinking and reporting

function withRows(f: Frame, keep: (r: number) => boolean): Frame {
  const map: number[] = [];
  const n = f.cols[0]!.length;
  let kept = 0;
  const cuts = f.cuts.map(() => 0);
  for (let r = 0, p = 0; r <= n; r++) {
    while (p < f.cuts.length && f.cuts[p] === r) cuts[p++] = kept;
    if (r < n && keep(r)) {
      map.push(r);
      kept++;
    }
  }
  return { ...f, cols: f.cols.map((c) => map.map((r) => c[r]!)), cuts };
}

/** Drop rows and partitions one at a time while the case still fails. */
async function shrink(c: Case): Promise<{ c: Case; msg: string }> {
  let cur = c;
  let msg = (await check(c))!;
  for (let changed = true; changed; ) {
    changed = false;
    for (let r = cur.frame.cols[0]!.length - 1; r >= 0; r--) {
      const next = { ...cur, frame: withRows(cur.frame, (x) => x !== r) };
      const m = await check(next);
      if (m) {
        cur = next;
        msg = m;
        changed = true;
      }
    }
    for (let p = 1; p + 1 < cur.frame.cuts.length; p++) {
      const next = { ...cur, frame: { ...cur.frame, cuts: cur.frame.cuts.filter((_, i) => i !== p) } };
      const m = await check(next);
      if (m) {
        cur = next;
        msg = m;
        changed = true;
      }
    }
  }
  return { c: cur, msg };
}

function reproduction(c: Case): string {
  const f = c.frame;
  const cols = f.names.map((n, i) => `  ${JSON.stringify(n)} (${f.tags[i]}): [${f.cols[i]!.map(show).join(', ')}]`).join('\n');
  const q = JSON.stringify(c.query, (_, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  return `columns:\n${cols}\npartition boundaries: [${f.cuts.join(', ')}]\nquery: ${q}`;
}

test(`in-memory kernels match naive references (seed ${SEED}, ${CASES} frames)`, async () => {
  const r = rng(SEED);
  let checked = 0;
  for (let i = 0; i < CASES; i++) {
    const frame = generateFrame(r);
    for (const query of generateQueries(frame, r)) {
      const c = { frame, query };
      checked++;
      if ((await check(c)) !== null) {
        const small = await shrink(c);
        assert.unreachable(`frame ${i} (seed ${SEED}) failed: ${small.msg}\nminimal reproduction:\n${reproduction(small.c)}`);
      }
    }
  }
  assert.ok(checked >= CASES * 3, 'every frame ran its queries');
});

test.run();
