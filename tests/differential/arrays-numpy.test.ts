// Seeded random array cases checked against NumPy, an independent engine (rule 1: hand-written fixtures are
// not enough). Every dimension varies: dtype, shape (0-d, empty and length-1 axes), chunking (1-element and
// ragged chunks), values (NaN, ±Inf, -0, subnormals, huge, int extremes), the expression (element-wise chains
// with broadcasting and weak scalars, casts, transposes, strided slices, reductions over any axes with
// keepdims, scans, matmul) and the scheduler (sync for all, threads for a share).
// NumPy evaluates each case under tessera's documented dtype rules (tests/differential/numpy_oracle.py) and
// returns, per element, the value and an error bound: exact operations must agree bit for bit (NaN with
// NaN, -0 with -0), approximate ones within the bound. Skipped, with a visible message, where NumPy is absent.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, closeExecutors, type DType, type NDArray } from '../../src/index.ts';
import { rng } from '../helpers.ts';

// a longer hunt: TESSERA_NUMPY_SEED=N TESSERA_NUMPY_CASES=K node --import tsx node_modules/uvu/bin.js tests/differential arrays-numpy
const SEED = Number(process.env.TESSERA_NUMPY_SEED ?? 20261208);
const CASES = Number(process.env.TESSERA_NUMPY_CASES ?? 400);
const THREADS_EVERY = 8;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

type Scalar = number | { float: true; v: string };
type Expr =
  | { k: 'in'; i: number }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'sc'; op: string; a: Expr; s: Scalar }
  | { k: 'cast'; dtype: DType; a: Expr }
  | { k: 'T'; a: Expr }
  | { k: 'slice'; a: Expr; specs: Array<number | [number | null, number | null, number]> }
  | { k: 'red'; op: string; a: Expr; axes: number[] | null; keepdims: boolean; ddof: number }
  | { k: 'scan'; op: string; a: Expr; axis: number }
  | { k: 'matmul'; a: Expr; b: Expr }
  | { k: 'rechunk'; a: Expr; chunks: number[][] }
  | { k: 'concat'; parts: Expr[]; axis: number }
  | { k: 'where'; c: Expr; a: Expr; b: Expr }
  /** x.T @ x + n I: symmetric positive definite and well conditioned, for the one-chunk factorizations */
  | { k: 'spd'; a: Expr }
  | { k: 'linalg'; op: 'cholesky' | 'inv' | 'solve' | 'lstsq' | 'qr-r'; a: Expr; b?: Expr };

interface Input { dtype: DType; shape: number[]; chunks: number[][]; data: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array }
interface Case { inputs: Input[]; expr: Expr; text: string }
/** What the generator knows of a subexpression: its dtype, shape, and whether its values are approximate. */
interface Typed { e: Expr; dtype: DType; shape: number[]; approx: boolean; text: string }

const isFloat = (d: DType): boolean => d === 'float64' || d === 'float32';
const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, int64: 3, float32: 4, float64: 5 };
function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  const [lo, hi] = RANK[a] < RANK[b] ? [a, b] : [b, a];
  return hi === 'float32' && (lo === 'int32' || lo === 'int64') ? 'float64' : hi;
}
const arith = (d: DType): DType => (d === 'bool' ? 'int32' : d);

/** Values of one dtype: mostly ordinary, some special. `tame` keeps floats moderate (sums and scans of huge values overflow by order). */
function values(r: Rand, dtype: DType, n: number, tame: boolean): Input['data'] {
  const special64 = tame ? [NaN, Infinity, -Infinity, -0, 0, 0.5] : [NaN, Infinity, -Infinity, -0, 0, 1e300, -1e300, 5e-324, -1e-310, 1.7976931348623157e308, 1e8 + 0.5, 7.5, -2.5];
  switch (dtype) {
    case 'float64':
    case 'float32': {
      const out = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      const offset = !tame && r() < 0.2 ? 1e8 : 0;
      for (let i = 0; i < n; i++) out[i] = r() < 0.1 ? pick(r, special64) : offset + (r() - 0.5) * 20;
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = r() < 0.1 ? pick(r, [2147483647, -2147483648, 0, -1]) : int(r, -100, 100);
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = r() < 0.1 ? pick(r, [9223372036854775807n, -9223372036854775808n, 4611686018427387904n, -1n]) : BigInt(int(r, -1000, 1000));
      return out;
    }
    case 'uint8': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = r() < 0.1 ? pick(r, [0, 255, 128]) : int(r, 0, 255);
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = r() < 0.5 ? 1 : 0;
      return out;
    }
  }
}

/** A random chunking of an axis of length n: pieces of random length (1-element ones included). */
function axisChunks(r: Rand, n: number): number[] {
  if (n === 0) return [0];
  const style = r();
  if (style < 0.25) return [n];
  if (style < 0.4) return Array.from({ length: n }, () => 1);
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const c = Math.min(left, int(r, 1, Math.max(1, Math.ceil(n / 2))));
    out.push(c);
    left -= c;
  }
  return out;
}

function randomShape(r: Rand): number[] {
  const ndim = r() < 0.05 ? 0 : int(r, 1, 3);
  const limit = [1, 60, 14, 7][ndim]!;
  return Array.from({ length: ndim }, () => (r() < 0.06 ? 0 : r() < 0.12 ? 1 : int(r, 2, limit)));
}

function makeInput(r: Rand, dtype: DType, shape: number[], tame: boolean): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype, shape, chunks: shape.map((s) => axisChunks(r, s)), data: values(r, dtype, n, tame) };
}

const DTYPES: DType[] = ['float64', 'float64', 'float32', 'int32', 'int64', 'uint8', 'bool'];

/** One random case: inputs plus an expression whose every step is valid for its operand types. */
function randomCase(r: Rand): Case {
  if (r() < 0.1) return matmulCase(r);
  if (r() < 0.06) return linalgCase(r);
  const dtype = pick(r, DTYPES);
  const shape = randomShape(r);
  const wantsReduction = r() < 0.55;
  const tame = wantsReduction || r() < 0.3;
  const inputs: Input[] = [makeInput(r, dtype, shape, tame)];
  let x: Typed = { e: { k: 'in', i: 0 }, dtype, shape, approx: false, text: `x0:${dtype}[${shape}]` };
  if (shape.length >= 1 && r() < 0.12) {
    // joined with a second array of any dtype along one axis (the result's dtype is the two's promotion)
    const axis = int(r, 0, shape.length - 1);
    const d2 = pick(r, DTYPES);
    const s2 = shape.map((n, i) => (i === axis ? int(r, 0, 5) : n));
    inputs.push(makeInput(r, d2, s2, tame));
    const joined = shape.map((n, i) => (i === axis ? n + s2[axis]! : n));
    x = { e: { k: 'concat', parts: [x.e, { k: 'in', i: 1 }], axis }, dtype: promote(dtype, d2), shape: joined, approx: false, text: `concat(${x.text}, x1:${d2}[${s2}], axis=${axis})` };
  }
  if (shape.length >= 1 && r() < 0.15) {
    const chunks = x.shape.map((n) => axisChunks(r, n));
    x = { ...x, e: { k: 'rechunk', a: x.e, chunks }, text: `${x.text}.rechunk(${JSON.stringify(chunks)})` };
  }
  if (shape.length >= 2 && r() < 0.2) x = { ...x, e: { k: 'T', a: x.e }, shape: [...shape].reverse(), text: `${x.text}.T` };
  if (shape.length >= 1 && r() < 0.2) x = sliceOf(r, x);
  const steps = int(r, 0, 3);
  for (let s = 0; s < steps; s++) x = elementwiseStep(r, x, inputs, tame);
  const end = r();
  if (wantsReduction) x = reductionOf(r, x);
  else if (end < 0.25 && x.shape.length >= 1 && !x.approx) x = scanOf(r, x);
  return { inputs, expr: x.e, text: x.text };
}

function sliceOf(r: Rand, x: Typed): Typed {
  const specs: Array<number | [number | null, number | null, number]> = [];
  const shape: number[] = [];
  x.shape.forEach((n) => {
    if (n > 0 && r() < 0.2) {
      specs.push(int(r, -n, n - 1));
      return;
    }
    const step = pick(r, [1, 1, 2, 3, -1, -2]);
    const a = n === 0 ? null : r() < 0.5 ? null : int(r, -n, n - 1);
    const b = n === 0 ? null : r() < 0.5 ? null : int(r, -n, n);
    specs.push([a, b, step]);
    shape.push(sliceLength(n, a, b, step));
  });
  return { ...x, e: { k: 'slice', a: x.e, specs }, shape, text: `${x.text}[${specs.map((s) => (typeof s === 'number' ? s : s.map((v) => v ?? '').join(':'))).join(',')}]` };
}

/** Python's slice length. */
function sliceLength(n: number, a: number | null, b: number | null, step: number): number {
  const norm = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const start = a === null ? (step > 0 ? 0 : n - 1) : norm(a, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  const stop = b === null ? (step > 0 ? n : -1) : norm(b, step > 0 ? 0 : -1, step > 0 ? n : n - 1);
  return step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
}

const APPROX_UNARY = ['exp', 'log', 'log1p', 'sin', 'cos', 'tanh'];
const COMPARE = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];

function elementwiseStep(r: Rand, x: Typed, inputs: Input[], tame: boolean): Typed {
  const choice = r();
  // an approximate value may feed only continuous, error-bounded steps (no floor at an integer boundary)
  if (choice < 0.3) {
    const ops = x.dtype === 'bool' ? ['not', 'isnan', 'neg', 'abs'] : x.approx ? ['neg', 'abs'] : ['neg', 'abs', 'floor', 'ceil', 'round', 'isnan', 'sqrt', ...APPROX_UNARY];
    const op = pick(r, ops);
    if (APPROX_UNARY.includes(op) || op === 'sqrt') {
      const d: DType = x.dtype === 'float32' ? 'float32' : 'float64';
      return { e: { k: 'un', op, a: x.e }, dtype: d, shape: x.shape, approx: APPROX_UNARY.includes(op), text: `${op}(${x.text})` };
    }
    const d: DType = op === 'isnan' || op === 'not' ? 'bool' : op === 'neg' || op === 'abs' ? arith(x.dtype) : x.dtype;
    return { e: { k: 'un', op, a: x.e }, dtype: d, shape: x.shape, approx: x.approx && d !== 'bool', text: `${op}(${x.text})` };
  }
  if (choice < 0.6 && x.dtype !== 'bool') {
    const floatScalar = r() < 0.4;
    const ops = x.approx ? ['add', 'sub', 'mul', 'minimum', 'maximum'] : ['add', 'sub', 'mul', 'div', 'mod', 'pow', 'minimum', 'maximum', ...COMPARE];
    const op = pick(r, ops);
    let s: Scalar;
    if (floatScalar) s = { float: true, v: String(pick(r, [2.5, -0.75, 1.5, 0.1, -3.25])) };
    else if (op === 'pow') s = int(r, 0, 3);
    else s = x.dtype === 'uint8' ? int(r, 0, 9) : int(r, -9, 9);
    const sd: DType = typeof s === 'number' ? arith(x.dtype) : isFloat(x.dtype) ? x.dtype : 'float64';
    const d: DType = COMPARE.includes(op) ? 'bool' : op === 'div' && !isFloat(sd) ? 'float64' : op === 'minimum' || op === 'maximum' ? (typeof s === 'number' ? x.dtype : sd) : sd;
    const approx = (x.approx || (op === 'pow' && isFloat(d))) && d !== 'bool';
    if (op === 'pow' && x.approx) return x;
    return { e: { k: 'sc', op, a: x.e, s }, dtype: d, shape: x.shape, approx, text: `(${x.text} ${op} ${typeof s === 'number' ? s : s.v})` };
  }
  if (choice < 0.85) {
    // a second array: the same shape or a broadcastable one (trailing axes, some of length 1)
    const dtype = pick(r, DTYPES);
    const drop = int(r, 0, x.shape.length);
    const shape = x.shape.slice(drop).map((n) => (r() < 0.3 ? 1 : n));
    const i = inputs.length;
    inputs.push(makeInput(r, dtype, shape, tame));
    const y: Typed = { e: { k: 'in', i }, dtype, shape, approx: false, text: `x${i}:${dtype}[${shape}]` };
    if (x.dtype === 'bool' && dtype === 'bool') {
      const op = pick(r, ['and', 'or', 'add', 'eq']);
      const d: DType = op === 'add' ? 'int32' : 'bool';
      return { e: { k: 'bin', op, a: x.e, b: y.e }, dtype: d, shape: x.shape, approx: false, text: `(${x.text} ${op} ${y.text})` };
    }
    const p = promote(x.dtype, dtype);
    // pow of two arrays only in floats: integers to negative powers raise (tested with scalars)
    const ops = x.approx ? ['add', 'sub', 'mul', 'minimum', 'maximum', 'where'] : ['add', 'sub', 'mul', 'div', 'minimum', 'maximum', 'mod', 'where', ...COMPARE, ...(isFloat(p) ? ['pow'] : [])];
    const op = pick(r, ops);
    if (op === 'where') {
      // x where x > 0.5 (or x != 0 for bools), else the second array: the dtype is the two's promotion
      const c: Expr = { k: 'sc', op: x.dtype === 'bool' ? 'ne' : 'gt', a: x.e, s: x.dtype === 'bool' ? 0 : { float: true, v: '0.5' } };
      return { e: { k: 'where', c, a: x.e, b: y.e }, dtype: p, shape: x.shape, approx: x.approx, text: `where(${x.text} > 0.5, ${x.text}, ${y.text})` };
    }
    const d: DType = COMPARE.includes(op) ? 'bool' : op === 'div' ? (isFloat(p) ? p : 'float64') : op === 'minimum' || op === 'maximum' ? p : arith(promote(arith(x.dtype), arith(dtype)));
    return { e: { k: 'bin', op, a: x.e, b: y.e }, dtype: d, shape: x.shape, approx: (x.approx || op === 'pow') && d !== 'bool', text: `(${x.text} ${op} ${y.text})` };
  }
  // a cast that cannot hit undefined conversions (NaN or out-of-range floats to integers)
  const targets: DType[] = isFloat(x.dtype) ? ['float64', 'float32'] : ['float64', 'float32', 'int64', 'int32'];
  const to = pick(r, targets);
  if (x.dtype === 'int64' && (to === 'int32' || to === 'float32')) return x;
  return { e: { k: 'cast', dtype: to, a: x.e }, dtype: to, shape: x.shape, approx: x.approx, text: `${x.text}.astype(${to})` };
}

const REDUCTIONS = ['sum', 'prod', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax', 'any', 'all', 'nansum', 'nanmean', 'nanvar', 'nanstd', 'nanmin', 'nanmax'];

function reductionOf(r: Rand, x: Typed): Typed {
  const ops = REDUCTIONS.filter((op) => !(x.approx && (op === 'argmin' || op === 'argmax')) && !(op.startsWith('nan') && !isFloat(x.dtype)) && !(op === 'prod' && x.approx));
  const op = pick(r, ops);
  const nd = x.shape.length;
  let axes: number[] | null = null;
  if (nd > 0 && r() < 0.7) {
    if (op === 'argmin' || op === 'argmax') axes = [int(r, 0, nd - 1)];
    else axes = Array.from({ length: nd }, (_, i) => i).filter(() => r() < 0.5);
    if (axes.length === 0) axes = [int(r, 0, nd - 1)];
  }
  const keepdims = r() < 0.3;
  const ddof = op.includes('var') || op.includes('std') ? int(r, 0, 1) : 0;
  const reduced = axes ?? Array.from({ length: nd }, (_, i) => i);
  const shape = keepdims ? x.shape.map((n, i) => (reduced.includes(i) ? 1 : n)) : x.shape.filter((_, i) => !reduced.includes(i));
  return { e: { k: 'red', op, a: x.e, axes, keepdims, ddof }, dtype: x.dtype, shape, approx: true, text: `${op}(${x.text}, axis=${axes ? `[${axes}]` : 'None'}${keepdims ? ', keepdims' : ''}${ddof ? ', ddof=1' : ''})` };
}

function scanOf(r: Rand, x: Typed): Typed {
  const op = x.dtype === 'float64' || x.dtype === 'float32' ? (r() < 0.7 ? 'cumsum' : 'cumprod') : 'cumsum';
  const axis = int(r, 0, x.shape.length - 1);
  return { e: { k: 'scan', op, a: x.e, axis }, dtype: x.dtype, shape: x.shape, approx: true, text: `${op}(${x.text}, axis=${axis})` };
}

function matmulCase(r: Rand): Case {
  const [m, k, n] = [int(r, 1, 23), int(r, 1, 19), int(r, 1, 17)];
  const da = pick(r, ['float64', 'float64', 'float32', 'int32'] as DType[]);
  const db = pick(r, ['float64', 'float32', 'int32'] as DType[]);
  const a = makeInput(r, da, [m, k], true);
  const b = makeInput(r, db, [k, n], true);
  // NaN/Inf in a product sum make the bound meaningless; matmul is checked on finite data
  for (const inp of [a, b]) if (isFloat(inp.dtype)) inp.data.forEach((v, i, arr) => { if (!Number.isFinite(v as number)) (arr as Float64Array)[i] = 1.25; });
  // the inner axis must be chunked alike on both sides
  b.chunks[0] = [...a.chunks[1]!];
  const transposed = r() < 0.3;
  const ea: Expr = { k: 'in', i: 0 };
  const expr: Expr = transposed
    ? { k: 'matmul', a: { k: 'T', a: { k: 'T', a: ea } }, b: { k: 'in', i: 1 } }
    : { k: 'matmul', a: ea, b: { k: 'in', i: 1 } };
  return { inputs: [a, b], expr, text: `x0:${da}[${m},${k}] @ x1:${db}[${k},${n}]` };
}

function finite(inp: Input): Input {
  inp.data.forEach((v, i, arr) => { if (!Number.isFinite(v as number)) (arr as Float64Array)[i] = -1.75; });
  return inp;
}

function linalgCase(r: Rand): Case {
  const op = pick(r, ['cholesky', 'inv', 'solve', 'lstsq', 'qr-r'] as const);
  const n = int(r, 1, 9);
  if (op === 'lstsq' || op === 'qr-r') {
    // tall and skinny, every row chunk at least n rows (TSQR's requirement)
    const blocks = int(r, 1, 4);
    const rows = Array.from({ length: blocks }, () => n + int(r, 0, 6));
    const x = finite(makeInput(r, 'float64', [rows.reduce((a, b) => a + b, 0), n], true));
    x.chunks = [rows, [n]];
    const m = x.shape[0]!;
    if (op === 'qr-r') return { inputs: [x], expr: { k: 'linalg', op, a: { k: 'in', i: 0 } }, text: `abs(qr(x0:float64[${m},${n}]).r)` };
    const b = finite(makeInput(r, 'float64', r() < 0.5 ? [m] : [m, int(r, 1, 3)], true));
    return { inputs: [x, b], expr: { k: 'linalg', op, a: { k: 'in', i: 0 }, b: { k: 'in', i: 1 } }, text: `lstsq(x0:float64[${m},${n}], x1[${b.shape}])` };
  }
  // (int32 extremes would make x.T @ x + n I numerically singular: tessera then refuses, NumPy returns noise)
  const x = finite(makeInput(r, pick(r, ['float64', 'float32'] as DType[]), [int(r, n, n + 8), n], true));
  const spd: Expr = { k: 'spd', a: { k: 'in', i: 0 } };
  if (op !== 'solve') return { inputs: [x], expr: { k: 'linalg', op, a: spd }, text: `${op}(spd(x0:${x.dtype}[${x.shape}]))` };
  const b = finite(makeInput(r, 'float64', r() < 0.5 ? [n] : [n, int(r, 1, 3)], true));
  return { inputs: [x, b], expr: { k: 'linalg', op, a: spd, b: { k: 'in', i: 1 } }, text: `solve(spd(x0:${x.dtype}[${x.shape}]), x1[${b.shape}])` };
}

/** The expression as a lazy tessera array. */
function build(e: Expr, xs: NDArray[]): NDArray {
  switch (e.k) {
    case 'in': return xs[e.i]!;
    case 'un': return (build(e.a, xs) as unknown as Record<string, () => NDArray>)[e.op]!();
    case 'bin': return (build(e.a, xs) as unknown as Record<string, (o: NDArray) => NDArray>)[e.op]!(build(e.b, xs));
    case 'sc': return (build(e.a, xs) as unknown as Record<string, (o: number) => NDArray>)[e.op]!(typeof e.s === 'number' ? e.s : Number(e.s.v));
    case 'cast': return build(e.a, xs).astype(e.dtype);
    case 'T': return build(e.a, xs).T;
    case 'slice': return build(e.a, xs).slice(...e.specs);
    case 'red': {
      const a = build(e.a, xs);
      const opts = { axis: e.axes ?? undefined, keepdims: e.keepdims, ...(e.ddof ? { ddof: e.ddof } : {}) };
      return (a as unknown as Record<string, (o: object) => NDArray>)[e.op]!(opts);
    }
    case 'scan': return (build(e.a, xs) as unknown as Record<string, (axis: number) => NDArray>)[e.op]!(e.axis);
    case 'matmul': return build(e.a, xs).matmul(build(e.b, xs));
    case 'rechunk': return build(e.a, xs).rechunk(e.chunks);
    case 'concat': return array.concatenate(e.parts.map((p) => build(p, xs)), e.axis);
    case 'where': return array.where(build(e.c, xs), build(e.a, xs), build(e.b, xs));
    case 'spd': {
      const a = build(e.a, xs);
      const n = a.shape[1]!;
      return a.T.matmul(a).add(array.eye(n).mul(n));
    }
    case 'linalg': {
      const a = build(e.a, xs);
      if (e.op === 'cholesky') return array.linalg.cholesky(a);
      if (e.op === 'inv') return array.linalg.inv(a);
      if (e.op === 'solve') return array.linalg.solve(a, build(e.b!, xs));
      if (e.op === 'lstsq') return array.linalg.lstsq(a, build(e.b!, xs));
      return array.linalg.qr(a).r.abs(); // R is unique up to the signs of its rows
    }
  }
}

interface Expected { dtype?: DType; shape?: number[]; b64?: string; err?: string; error?: string }

function findPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const bytes = (d: ArrayBufferView): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
const TYPED: Record<DType, (b: Buffer) => ArrayLike<number | bigint>> = {
  float64: (b) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  float32: (b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  int32: (b) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  int64: (b) => new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  uint8: (b) => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
  bool: (b) => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
};

/** '' when tessera's result agrees with NumPy's, else what differs (first few elements). */
function compare(got: { data: ArrayLike<number | bigint>; shape: number[] }, dtype: DType, want: Expected, opName: string | null): string {
  if (want.dtype !== dtype) return `dtype ${dtype}, NumPy (tessera's rules) ${want.dtype}`;
  if (got.shape.join() !== want.shape!.join()) return `shape (${got.shape}), NumPy (${want.shape})`;
  const w = TYPED[dtype](Buffer.from(want.b64!, 'base64'));
  const eb = Buffer.from(want.err!, 'base64');
  const err = new Float64Array(eb.buffer.slice(eb.byteOffset, eb.byteOffset + eb.byteLength));
  const bad: string[] = [];
  const zeroSignFree = opName === 'minimum' || opName === 'maximum' || opName === 'min' || opName === 'max' || opName === 'nanmin' || opName === 'nanmax';
  for (let i = 0; i < w.length && bad.length < 4; i++) {
    const a = got.data[i]!;
    const b = w[i]!;
    if (typeof b === 'bigint' || !isFloat(dtype)) {
      if (BigInt(a as bigint | number) !== BigInt(b as bigint | number)) bad.push(`[${i}] ${a} vs ${b}`);
      continue;
    }
    const x = a as number;
    const y = b as number;
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) bad.push(`[${i}] ${x} vs ${y}`);
    } else if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) bad.push(`[${i}] ${x} vs ${y}`);
    } else if (err[i] === 0) {
      if (!(x === y && (zeroSignFree || Object.is(x, y)))) bad.push(`[${i}] ${Object.is(x, -0) ? '-0' : x} vs ${Object.is(y, -0) ? '-0' : y} (must be exact)`);
    } else if (!(Math.abs(x - y) <= err[i]!)) {
      bad.push(`[${i}] ${x} vs ${y} (|diff| ${Math.abs(x - y)} > bound ${err[i]})`);
    }
  }
  return bad.length ? `${bad.length}+ elements differ: ${bad.join('; ')}` : '';
}

const python = findPython();
const cases: Case[] = [];
{
  const r = rng(SEED);
  for (let i = 0; i < CASES; i++) cases.push(randomCase(r));
}

if (python === null) {
  console.log('arrays-numpy: NumPy not found (apt-get install python3-numpy); the NumPy differential cases are skipped');
  test.skip(`${CASES} random array cases agree with NumPy`, () => {});
} else {
  test.after(() => closeExecutors());
  test(`${CASES} random array cases agree with NumPy (sync; every ${THREADS_EVERY}th also on threads)`, async () => {
    const payload = cases.map((c) => ({ inputs: c.inputs.map((x) => ({ dtype: x.dtype, shape: x.shape, b64: bytes(x.data).toString('base64') })), expr: c.expr }));
    const oracle = fileURLToPath(new URL('./numpy_oracle.py', import.meta.url));
    const run = spawnSync(python, [oracle], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
    assert.is(run.status, 0, `the NumPy oracle failed: ${run.stderr}`);
    const expected = JSON.parse(run.stdout) as Expected[];
    assert.is(expected.length, cases.length);
    const failures: string[] = [];
    let checked = 0;
    let errorsAgreed = 0;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const want = expected[i]!;
      const schedulers = i % THREADS_EVERY === 0 ? (['sync', 'threads'] as const) : (['sync'] as const);
      for (const scheduler of schedulers) {
        let got: { data: ArrayLike<number | bigint>; shape: number[] } | null = null;
        let dtype: DType | null = null;
        let thrown: unknown = null;
        try {
          const xs = c.inputs.map((x) => array.fromTypedArray(x.data, x.shape, { dtype: x.dtype, chunks: x.chunks }));
          const lazy = build(c.expr, xs);
          dtype = lazy.dtype;
          got = (await lazy.compute({ scheduler })) as unknown as { data: ArrayLike<number | bigint>; shape: number[] };
        } catch (e) {
          thrown = e;
        }
        const where = `case ${i} (${scheduler}): ${c.text}, chunks ${JSON.stringify(c.inputs.map((x) => x.chunks))}`;
        if (want.error !== undefined) {
          if (thrown === null) failures.push(`${where}: NumPy raised ${want.error}, tessera returned a value`);
          else errorsAgreed++;
          continue;
        }
        if (thrown !== null) {
          failures.push(`${where}: tessera threw ${(thrown as Error).message ?? String(thrown)}`);
          continue;
        }
        const opName = c.expr.k === 'red' || c.expr.k === 'un' || c.expr.k === 'bin' || c.expr.k === 'sc' ? c.expr.op : null;
        const problem = compare(got!, dtype!, want, opName);
        if (problem) failures.push(`${where}: ${problem}`);
        checked++;
      }
    }
    assert.ok(checked >= CASES * 0.75, `only ${checked} results compared (${errorsAgreed} cases raised in both)`);
    if (failures.length) assert.unreachable(`${failures.length} results differ from NumPy:\n${failures.slice(0, 25).join('\n')}`);
  });
}

test.run();
