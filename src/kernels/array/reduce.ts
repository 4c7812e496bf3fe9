// Reductions along any set of axes as partial states that merge: a chunk's partial, partials merged in
// a tree, one finalize. The same code reduces one chunk in place (reduce()) and a chunked array (tree).

import { allocate, dtypeOfData, type DType } from './dtypes.ts';
import { contiguousStrides, isContiguous, sizeOf, view, type Strided } from './strided.ts';
import { addRowGroupsWasm } from './sum-rows-wasm.ts';

export const REDUCTIONS = [
  'sum', 'prod', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax', 'any', 'all',
  'nansum', 'nanmean', 'nanvar', 'nanstd', 'nanmin', 'nanmax',
] as const;
export type ReductionName = (typeof REDUCTIONS)[number];

export class EmptyReductionError extends RangeError {
  override name = 'EmptyReductionError';
}

type StateKind = 'sum' | 'prod' | 'moments' | 'extreme' | 'arg' | 'bool';

/** A partial reduction: plain typed arrays over the kept shape (reduced axes of length 1). */
export interface Partial {
  readonly name: ReductionName;
  readonly shape: number[];
  readonly inputDType: DType;
  /** sum/prod of floats, extremes, arg values (float inputs); for moments the mean minus `shift` */
  readonly values?: Float64Array;
  /** exact integer sums and products, int64 extremes and arg values */
  readonly big?: BigInt64Array;
  /** elements taken (moments, extremes, args) */
  readonly count?: Float64Array;
  /** elements seen, NaN included (extremes: an all-NaN cell is NaN, an empty one an error) */
  readonly seen?: Float64Array;
  readonly m2?: Float64Array;
  /** moments: a value near the data (its first element); means are kept relative to it, so 1e8 offsets cost nothing */
  readonly shift?: Float64Array;
  readonly index?: Float64Array;
  readonly flags?: Uint8Array;
}

function stateKind(name: ReductionName): StateKind {
  switch (name) {
    case 'sum': case 'nansum': return 'sum';
    case 'prod': return 'prod';
    case 'mean': case 'var': case 'std': case 'nanmean': case 'nanvar': case 'nanstd': return 'moments';
    case 'min': case 'max': case 'nanmin': case 'nanmax': return 'extreme';
    case 'argmin': case 'argmax': return 'arg';
    case 'any': case 'all': return 'bool';
  }
}

const skipsNaN = (name: ReductionName): boolean => name.startsWith('nan');
const isInteger = (d: DType): boolean => d !== 'float64' && d !== 'float32';

/** Normalises axes (negative allowed, duplicates rejected); undefined or null means all axes. */
export function normalizeAxes(axes: number | readonly number[] | null | undefined, ndim: number, what = 'axis'): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out: number[] = [];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new RangeError(`${what} ${a} is out of bounds for an array of ${ndim} dimension${ndim === 1 ? '' : 's'}; use -${ndim}..${ndim - 1}`);
    const n = a < 0 ? a + ndim : a;
    if (out.includes(n)) throw new RangeError(`${what} ${a} is repeated`);
    out.push(n);
  }
  return out.sort((x, y) => x - y);
}

/**
 * Walks `shape` in C order with three stride sets at once: the input's, the output cell's (0 on reduced
 * axes) and the arg index's (0 on kept axes).
 */
function walk(shape: readonly number[], sIn: readonly number[], oIn: number, sOut: readonly number[], sArg: readonly number[], oArg: number, fn: (i: number, o: number, a: number) => void): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) {
    fn(oIn, 0, oArg);
    return;
  }
  const counter = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1]!;
  const si = sIn[nd - 1]!, so = sOut[nd - 1]!, sa = sArg[nd - 1]!;
  let bi = oIn, bo = 0, ba = oArg;
  for (;;) {
    for (let j = 0, i = bi, o = bo, a = ba; j < inner; j++, i += si, o += so, a += sa) fn(i, o, a);
    let axis = nd - 2;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      bi += sIn[axis]!;
      bo += sOut[axis]!;
      ba += sArg[axis]!;
      if (counter[axis]! < shape[axis]!) break;
      bi -= sIn[axis]! * shape[axis]!;
      bo -= sOut[axis]! * shape[axis]!;
      ba -= sArg[axis]! * shape[axis]!;
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/**
 * Walks `shape` in C order one innermost row at a time: fn(input start, output start, length, input step,
 * output step). Kernels run their own tight loop over the row, so nothing is called per element.
 */
function walkRows(shape: readonly number[], sIn: readonly number[], oIn: number, sOut: readonly number[], fn: (i: number, o: number, n: number, si: number, so: number) => void): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) return fn(oIn, 0, 1, 0, 0);
  const counter = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1]!;
  const si = sIn[nd - 1]!, so = sOut[nd - 1]!;
  let bi = oIn, bo = 0;
  for (;;) {
    fn(bi, bo, inner, si, so);
    let axis = nd - 2;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      bi += sIn[axis]!;
      bo += sOut[axis]!;
      if (counter[axis]! < shape[axis]!) break;
      bi -= sIn[axis]! * shape[axis]!;
      bo -= sOut[axis]! * shape[axis]!;
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** acc[o + j*so] += d[i + j*si] for a row (sum along an outer axis), unit strides on their own loop. */
function rowAddInto(acc: Float64Array, o: number, so: number, d: Float64Array | Float32Array, i: number, si: number, n: number, skipNaN: boolean): void {
  if (skipNaN) {
    for (let j = 0; j < n; j++, i += si, o += so) {
      const v = d[i]!;
      if (v === v) acc[o] += v;
    }
  } else if (si === 1 && so === 1) {
    for (let j = 0; j < n; j++) acc[o + j] += d[i + j]!;
  } else {
    for (let j = 0; j < n; j++, i += si, o += so) acc[o] += d[i]!;
  }
}

const MOMENTS = new Float64Array(2);

/**
 * Sum and sum of squares of (v - shift) over one row, into out[0], out[1] (a top-level loop V8 optimises
 * alone): as rowSum, element j into accumulator j mod 4 while a whole group of four remains, the rest into
 * the first, then (a0 + a1) + (a2 + a3). Four independent chains keep the adds pipelined, and the fused
 * SIMD kernel (fused-reduce.ts) accumulates in exactly these lanes, so both give the same bits.
 */
function rowMoments(f: Float64Array | Float32Array, i: number, n: number, si: number, sh: number, out: Float64Array): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0, j = 0;
  for (; j + 4 <= n; j += 4, i += 4 * si) {
    const t0 = f[i]! - sh, t1 = f[i + si]! - sh, t2 = f[i + 2 * si]! - sh, t3 = f[i + 3 * si]! - sh;
    a0 += t0;
    q0 += t0 * t0;
    a1 += t1;
    q1 += t1 * t1;
    a2 += t2;
    q2 += t2 * t2;
    a3 += t3;
    q3 += t3 * t3;
  }
  for (; j < n; j++, i += si) {
    const t = f[i]! - sh;
    a0 += t;
    q0 += t * t;
  }
  out[0] = (a0 + a1) + (a2 + a3);
  out[1] = (q0 + q1) + (q2 + q3);
}

/** Sum of one row of floats into a number (four accumulators: independent adds pipeline, and round less). */
function rowSum(d: Float64Array | Float32Array, i: number, n: number, si: number, skipNaN: boolean): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let j = 0;
  if (!skipNaN) {
    for (; j + 4 <= n; j += 4, i += 4 * si) {
      a0 += d[i]!;
      a1 += d[i + si]!;
      a2 += d[i + 2 * si]!;
      a3 += d[i + 3 * si]!;
    }
  }
  for (; j < n; j++, i += si) {
    const v = d[i]!;
    if (!skipNaN || v === v) a0 += v;
  }
  return (a0 + a1) + (a2 + a3);
}

/**
 * acc[j] += sum over r of d[offset + r * cols + j]: the sum over leading axes of a C-contiguous block
 * (sum(axis=0) of row chunks). Eight rows per pass over acc, so acc is loaded and stored an eighth as
 * often; the eight are added as a pairwise tree. Two columns per iteration: the loop is bound by
 * instructions more than by memory (a WebAssembly SIMD loop over the same bytes runs twice as fast), and the
 * per-iteration work on acc and the loop itself is then paid once for two columns (~8% less CPU). Each
 * column's additions are the same, in the same order, as one column at a time.
 */
function sumLeadingRows(acc: Float64Array, d: Float64Array | Float32Array, offset: number, rows: number, cols: number): void {
  let r = 0;
  // the same groups in WebAssembly SIMD where d lies in a shared WebAssembly memory (large chunks)
  if (d instanceof Float64Array && addRowGroupsWasm(acc, d, offset, Math.floor(rows / 8), cols)) r = rows - (rows % 8);
  for (; r + 8 <= rows; r += 8) {
    const b0 = offset + r * cols, b1 = b0 + cols, b2 = b1 + cols, b3 = b2 + cols;
    const b4 = b3 + cols, b5 = b4 + cols, b6 = b5 + cols, b7 = b6 + cols;
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const k = j + 1;
      const x = ((d[b0 + j]! + d[b1 + j]!) + (d[b2 + j]! + d[b3 + j]!)) + ((d[b4 + j]! + d[b5 + j]!) + (d[b6 + j]! + d[b7 + j]!));
      const y = ((d[b0 + k]! + d[b1 + k]!) + (d[b2 + k]! + d[b3 + k]!)) + ((d[b4 + k]! + d[b5 + k]!) + (d[b6 + k]! + d[b7 + k]!));
      acc[j] += x;
      acc[k] += y;
    }
    if (j < cols) acc[j] += ((d[b0 + j]! + d[b1 + j]!) + (d[b2 + j]! + d[b3 + j]!)) + ((d[b4 + j]! + d[b5 + j]!) + (d[b6 + j]! + d[b7 + j]!));
  }
  for (; r < rows; r++) {
    const b = offset + r * cols;
    for (let j = 0; j < cols; j++) acc[j] += d[b + j]!;
  }
}

export interface PartialOptions {
  /** Where this chunk starts in the whole array (argmin/argmax report whole-array indices). */
  origin?: readonly number[];
  /** The whole array's shape (argmin/argmax). */
  fullShape?: readonly number[];
  /** dtype of the data when it cannot be read from the typed array (bool). */
  dtype?: DType;
}

const FLUSH = 1 << 21; // int32 values: 2^21 additions stay below 2^52, exact in a double

/** The partial state of reducing `x` over `axes` (sorted, distinct). */
export function partialReduce(name: ReductionName, x: Strided, axes: readonly number[], options: PartialOptions = {}): Partial {
  const inputDType = options.dtype ?? dtypeOfData(x.data);
  const nd = x.shape.length;
  const reduced = new Set(axes);
  const shape = x.shape.map((n, i) => (reduced.has(i) ? 1 : n));
  const cells = sizeOf(shape);
  const outStride = contiguousStrides(shape).map((s, i) => (reduced.has(i) ? 0 : s));
  const kind = stateKind(name);
  const skip = skipsNaN(name);
  const data = x.data;
  const noArg = new Array<number>(nd).fill(0);
  const big = data instanceof BigInt64Array;

  if (kind === 'sum' || kind === 'prod') {
    const product = kind === 'prod';
    if (isInteger(inputDType)) {
      const acc = new BigInt64Array(cells).fill(product ? 1n : 0n);
      if (big) {
        const d = data as BigInt64Array;
        walk(x.shape, x.stride, x.offset, outStride, noArg, 0, product ? (i, o) => { acc[o] = acc[o]! * d[i]!; } : (i, o) => { acc[o] = acc[o]! + d[i]!; });
      } else if (product) {
        const d = data as Int32Array;
        walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => { acc[o] = acc[o]! * BigInt(d[i]!); });
      } else {
        // exact: doubles until 2^21 additions, then carried into the int64 cell
        const d = data as Int32Array;
        const part = new Float64Array(cells);
        const n = new Int32Array(cells);
        walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => {
          part[o] += d[i]!;
          if (++n[o]! === FLUSH) {
            acc[o] = acc[o]! + BigInt(part[o]!);
            part[o] = 0;
            n[o] = 0;
          }
        });
        for (let o = 0; o < cells; o++) if (part[o] !== 0) acc[o] = acc[o]! + BigInt(part[o]!);
      }
      return { name, shape, inputDType, big: acc };
    }
    const acc = new Float64Array(cells).fill(product ? 1 : 0);
    const d = data as Float64Array;
    // reduced axes leading, kept axes trailing, C-contiguous: rows of `cells` values summed into acc
    const leading = axes.length > 0 && axes.length < nd && axes.every((a, i) => a === i);
    if (!product && !skip && leading && isContiguous(x) && cells > 1) {
      sumLeadingRows(acc, d, x.offset, sizeOf(x.shape) / cells, cells);
      return { name, shape, inputDType, values: acc };
    }
    if (!product) {
      walkRows(x.shape, x.stride, x.offset, outStride, (i, o, n, si, so) => {
        if (so === 0) acc[o] += rowSum(d, i, n, si, skip);
        else rowAddInto(acc, o, so, d, i, si, n, skip);
      });
      return { name, shape, inputDType, values: acc };
    }
    if (product) walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => { acc[o] *= d[i]!; });
    else if (skip) walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => { const v = d[i]!; if (v === v) acc[o] += v; });
    else walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => { acc[o] += d[i]!; });
    return { name, shape, inputDType, values: acc };
  }

  if (kind === 'moments') {
    const count = new Float64Array(cells);
    const mean = new Float64Array(cells);
    const m2 = new Float64Array(cells);
    const d = data as ArrayLike<number | bigint>;
    // Sums shifted by each cell's first value, turned into (mean, M2) at the end: with data offset by 1e8
    // the shifted values are small, so nothing cancels; chunks then merge by Chan's update.
    const shift = new Float64Array(cells);
    const s1 = new Float64Array(cells);
    if (data instanceof Float64Array || data instanceof Float32Array) {
      const f = data;
      walkRows(x.shape, x.stride, x.offset, outStride, (i, o, n, si, so) => {
        if (so !== 0) {
          for (let j = 0; j < n; j++, i += si, o += so) {
            const v = f[i]!;
            if (skip && v !== v) continue;
            if (count[o]++ === 0) shift[o] = v;
            const t = v - shift[o]!;
            s1[o] += t;
            m2[o] += t * t;
          }
          return;
        }
        // the whole row goes to one cell: locals, and rowMoments' four accumulators each
        let c = count[o]!, sh = shift[o]!, a = 0, b = 0, q = 0, r = 0, j = 0;
        if (!skip) {
          // the cell's first value is its shift, and stays in the row: its own v - shift is +0, which changes no
          // sum, and the groups of four then count from the row's start, as the fused kernel's do
          if (c === 0 && n > 0) sh = f[i]!;
          rowMoments(f, i, n, si, sh, MOMENTS);
          a = MOMENTS[0]!;
          q = MOMENTS[1]!;
          c += n;
          j = n;
        }
        for (; c === 0 && j < n; j++, i += si) {
          const v = f[i]!;
          if (skip && v !== v) continue;
          sh = v;
          c = 1;
        }
        for (; j < n; j++, i += si) {
          const v = f[i]!;
          if (skip && v !== v) continue;
          const t = v - sh;
          a += t;
          q += t * t;
          c++;
        }
        count[o] = c;
        shift[o] = sh;
        s1[o] += a + b;
        m2[o] += q + r;
      });
    } else walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => {
      const v = Number(d[i]!);
      if (skip && v !== v) return;
      if (count[o]++ === 0) shift[o] = v;
      const t = v - shift[o]!;
      s1[o] += t;
      m2[o] += t * t;
    });
    // A cell holding an infinity (or NaN) anywhere: the shifted sums give inf - inf = NaN where the mean is
    // +-inf (NumPy: mean([inf, 1]) = inf). Such cells are rare, so they get a second, unshifted pass.
    const bad = new Uint8Array(cells);
    let anyBad = false;
    for (let o = 0; o < cells; o++) {
      if (count[o]! > 0 && !(Number.isFinite(shift[o]!) && Number.isFinite(s1[o]!))) (bad[o] = 1), (anyBad = true);
    }
    if (anyBad) {
      const plain = new Float64Array(cells);
      walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => {
        if (bad[o] === 0) return;
        const v = Number(d[i]!);
        if (skip && v !== v) return;
        plain[o] += v;
      });
      for (let o = 0; o < cells; o++) if (bad[o] === 1) (shift[o] = 0), (s1[o] = plain[o]!);
    }
    for (let o = 0; o < cells; o++) {
      const n = count[o]!;
      if (n === 0) continue;
      mean[o] = s1[o]! / n;
      m2[o] = centredSquares(m2[o]!, s1[o]!, n);
      // NaN or infinite data: the variance is NaN (as NumPy), not inf - inf noise
      if (bad[o] === 1) m2[o] = NaN;
    }
    return { name, shape, inputDType, count, values: mean, m2, shift };
  }

  if (kind === 'bool') {
    const all = name === 'all';
    const flags = new Uint8Array(cells).fill(all ? 1 : 0);
    const d = data as ArrayLike<number | bigint>;
    walk(x.shape, x.stride, x.offset, outStride, noArg, 0, all
      ? (i, o) => { const v = d[i]!; if (v === 0 || v === 0n) flags[o] = 0; }
      : (i, o) => { const v = d[i]!; if (v !== 0 && v !== 0n) flags[o] = 1; });
    return { name, shape, inputDType, flags };
  }

  const isMin = name === 'min' || name === 'nanmin' || name === 'argmin';
  const count = new Float64Array(cells);
  const seen = new Float64Array(cells);
  if (kind === 'extreme') {
    if (big) {
      const d = data as BigInt64Array;
      const vals = new BigInt64Array(cells);
      walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => {
        const v = d[i]!;
        if (count[o] === 0 || (isMin ? v < vals[o]! : v > vals[o]!)) vals[o] = v;
        count[o]++;
        seen[o]++;
      });
      return { name, shape, inputDType, big: vals, count, seen };
    }
    const d = data as Float64Array;
    const vals = new Float64Array(cells);
    walk(x.shape, x.stride, x.offset, outStride, noArg, 0, (i, o) => {
      const v = d[i]!;
      seen[o]++;
      if (v !== v) {
        if (!skip) {
          vals[o] = NaN;
          count[o]++;
        }
        return;
      }
      const cur = vals[o]!;
      if (count[o] === 0) vals[o] = v;
      else if (cur === cur && (isMin ? v < cur : v > cur)) vals[o] = v;
      count[o]++;
    });
    return { name, shape, inputDType, values: vals, count, seen };
  }

  // argmin / argmax: index in C order over the reduced axes of the whole array; the first NaN wins
  const full = options.fullShape ?? x.shape;
  const origin = options.origin ?? new Array<number>(nd).fill(0);
  const argStride = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (reduced.has(i)) {
      argStride[i] = s;
      s *= full[i]!;
    }
  }
  const argOrigin = origin.reduce((acc, c, i) => acc + c * argStride[i]!, 0);
  const index = new Float64Array(cells);
  if (big) {
    const d = data as BigInt64Array;
    const vals = new BigInt64Array(cells);
    walk(x.shape, x.stride, x.offset, outStride, argStride, argOrigin, (i, o, a) => {
      const v = d[i]!;
      if (count[o] === 0 || (isMin ? v < vals[o]! : v > vals[o]!)) {
        vals[o] = v;
        index[o] = a;
      }
      count[o]++;
    });
    return { name, shape, inputDType, big: vals, index, count };
  }
  const d = data as Float64Array;
  const vals = new Float64Array(cells);
  walk(x.shape, x.stride, x.offset, outStride, argStride, argOrigin, (i, o, a) => {
    const v = d[i]!;
    const cur = vals[o]!;
    if (count[o] === 0 || (cur === cur && (v !== v || (isMin ? v < cur : v > cur)))) {
      vals[o] = v;
      index[o] = a;
    }
    count[o]++;
  });
  return { name, shape, inputDType, values: vals, index, count };
}

/**
 * M2 (the sum of squared deviations) from sums shifted by the first value: sq - s1^2 / n. Finite values whose
 * squares overflow make that inf - inf; as sq >= s1^2 / n, the spread overflows too, so it is Infinity (NumPy's
 * two-pass var gives inf there), not NaN. Callers set NaN themselves for cells holding NaN or infinities.
 */
export function centredSquares(sq: number, s1: number, n: number): number {
  const m2 = sq - (s1 * s1) / n;
  return m2 === m2 ? m2 : Infinity;
}

/**
 * One cell's partial from sums a fused chain computed (fused-reduce.ts) in partialReduce's order: a sum
 * from rowSum's four accumulators, or moments from the shift (the first value), the sum of v - shift and
 * (unless only a mean is wanted) of its square over n > 0 values (finite shift and sum: otherwise partialReduce's unshifted pass is needed).
 * The arithmetic is partialReduce's for that cell; a test holds the two equal bit for bit.
 */
export function partialOfSums(name: ReductionName, shape: number[], inputDType: DType, sums: { a: readonly number[] } | { n: number; shift: number; s1: number; sq?: number }): Partial {
  if ('a' in sums) {
    const [a0, a1, a2, a3] = sums.a as [number, number, number, number];
    return { name, shape, inputDType, values: Float64Array.of(0 + ((a0 + a1) + (a2 + a3))) };
  }
  const { n, shift, s1, sq } = sums;
  // no squares (a mean's fused step): M2 is NaN, not a made-up 0, should anything but a mean ever read it
  const m2 = sq === undefined ? NaN : centredSquares(sq, s1, n);
  return { name, shape, inputDType, count: Float64Array.of(n), values: Float64Array.of(s1 / n), m2: Float64Array.of(m2), shift: Float64Array.of(shift) };
}

/**
 * parts.reduce(combinePartials), with float sums and products folded into one output in the same order
 * (the same bits): no array per step, one pass per part over hoisted arrays. The small combines run on the
 * scheduler's thread (IN_PLACE_VALUES), right where a compute() waits for them.
 */
export function combineAll(parts: readonly Partial[]): Partial {
  const first = parts[0]!;
  const kind = stateKind(first.name);
  if ((kind !== 'sum' && kind !== 'prod') || first.big || parts.length < 2) return parts.reduce((a, b) => combinePartials(a, b));
  const shape = first.shape.join();
  for (const p of parts) {
    if (p.name !== first.name || p.shape.join() !== shape || p.big || !p.values) return parts.reduce((a, b) => combinePartials(a, b));
  }
  const out = first.values!.slice();
  const n = out.length;
  for (let k = 1; k < parts.length; k++) {
    const v = parts[k]!.values!;
    if (kind === 'sum') for (let o = 0; o < n; o++) out[o] = out[o]! + v[o]!;
    else for (let o = 0; o < n; o++) out[o] = out[o]! * v[o]!;
  }
  return { name: first.name, shape: first.shape, inputDType: first.inputDType, values: out };
}

/**
 * Merges two partials of the same reduction over the same kept shape, in any order (argmin/argmax break
 * ties by the lower index, as NumPy's first occurrence).
 */
export function combinePartials(a: Partial, b: Partial): Partial {
  if (a.name !== b.name || a.shape.join() !== b.shape.join()) throw new Error(`cannot merge partial ${a.name} (${a.shape}) with ${b.name} (${b.shape})`);
  const kind = stateKind(a.name);
  const cells = sizeOf(a.shape);
  const { name, shape, inputDType } = a;
  switch (kind) {
    case 'sum':
    case 'prod': {
      const product = kind === 'prod';
      if (a.big) {
        const out = new BigInt64Array(cells);
        for (let o = 0; o < cells; o++) out[o] = product ? a.big[o]! * b.big![o]! : a.big[o]! + b.big![o]!;
        return { name, shape, inputDType, big: out };
      }
      const out = new Float64Array(cells);
      for (let o = 0; o < cells; o++) out[o] = product ? a.values![o]! * b.values![o]! : a.values![o]! + b.values![o]!;
      return { name, shape, inputDType, values: out };
    }
    case 'moments': {
      const count = new Float64Array(cells), mean = new Float64Array(cells), m2 = new Float64Array(cells), shift = new Float64Array(cells);
      for (let o = 0; o < cells; o++) {
        // Chan et al.'s pairwise update, with both means relative to a's shift (the shifts' difference is exact)
        const na = a.count![o]!, nb = b.count![o]!;
        const n = na + nb;
        count[o] = n;
        if (n === 0) continue;
        if (na === 0 || nb === 0) {
          const from = na === 0 ? b : a;
          shift[o] = from.shift![o]!;
          mean[o] = from.values![o]!;
          m2[o] = from.m2![o]!;
          continue;
        }
        const meanA = a.shift![o]! + a.values![o]!, meanB = b.shift![o]! + b.values![o]!;
        if (!Number.isFinite(meanA) || !Number.isFinite(meanB)) {
          // an infinite or NaN side: the weighted mean gives NumPy's inf / NaN; the variance is NaN
          shift[o] = 0;
          mean[o] = (na * meanA + nb * meanB) / n;
          m2[o] = NaN;
          continue;
        }
        shift[o] = a.shift![o]!;
        const delta = b.shift![o]! - a.shift![o]! + (b.values![o]! - a.values![o]!);
        mean[o] = a.values![o]! + delta * (nb / n);
        m2[o] = a.m2![o]! + b.m2![o]! + delta * delta * ((na * nb) / n);
      }
      return { name, shape, inputDType, count, values: mean, m2, shift };
    }
    case 'bool': {
      const flags = new Uint8Array(cells);
      for (let o = 0; o < cells; o++) flags[o] = name === 'all' ? a.flags![o]! & b.flags![o]! : a.flags![o]! | b.flags![o]!;
      return { name, shape, inputDType, flags };
    }
    case 'extreme':
    case 'arg': {
      const isMin = name === 'min' || name === 'nanmin' || name === 'argmin';
      const count = new Float64Array(cells);
      const seen = a.seen ? new Float64Array(cells) : undefined;
      const index = a.index ? new Float64Array(cells) : undefined;
      const bigOut = a.big ? new BigInt64Array(cells) : undefined;
      const valOut = a.values ? new Float64Array(cells) : undefined;
      for (let o = 0; o < cells; o++) {
        count[o] = a.count![o]! + b.count![o]!;
        if (seen) seen[o] = a.seen![o]! + b.seen![o]!;
        let takeB: boolean;
        if (a.count![o] === 0) takeB = true;
        else if (b.count![o] === 0) takeB = false;
        else if (bigOut) {
          const va = a.big![o]!, vb = b.big![o]!;
          takeB = isMin ? vb < va : vb > va;
          // equal values: the lower index wins (blocks of several axes interleave in C order)
          if (va === vb && index) takeB = b.index![o]! < a.index![o]!;
        } else {
          const va = a.values![o]!, vb = b.values![o]!;
          takeB = va === va && (vb !== vb || (isMin ? vb < va : vb > va));
          const tie = va === vb || (va !== va && vb !== vb);
          if (tie && index) takeB = b.index![o]! < a.index![o]!;
        }
        const from = takeB ? b : a;
        if (bigOut) bigOut[o] = from.big![o]!;
        else valOut![o] = from.values![o]!;
        if (index) index[o] = from.index![o]!;
      }
      return { name, shape, inputDType, count, seen, index, big: bigOut, values: valOut } as Partial;
    }
  }
}

export interface FinalizeOptions {
  readonly axes: readonly number[];
  readonly keepdims?: boolean;
  readonly ddof?: number;
  /** How many elements each result cell reduces: 0 makes min/max/argmin/argmax an error even when there are no cells (NumPy: (0, 0).min(axis=0) raises). */
  readonly reducedLength?: number;
}

/** The result dtype of a reduction over `input`, by NumPy's rules (integer sums widen to int64). */
export function reductionDType(name: ReductionName, input: DType): DType {
  switch (stateKind(name)) {
    case 'sum': case 'prod': return isInteger(input) ? 'int64' : input;
    case 'moments': return input === 'float32' ? 'float32' : 'float64';
    case 'extreme': return input;
    case 'arg': return 'int64';
    case 'bool': return 'bool';
  }
}

/** The reduction's result as a contiguous array (0-d when every axis was reduced without keepdims). */
export function finalizePartial(p: Partial, options: FinalizeOptions): Strided & { dtype: DType } {
  const cells = sizeOf(p.shape);
  const outShape = options.keepdims ? [...p.shape] : p.shape.filter((_, i) => !options.axes.includes(i));
  const dtype = reductionDType(p.name, p.inputDType);
  const out = allocate(dtype, cells) as { [i: number]: number | bigint } & ArrayLike<number | bigint>;
  const ddof = options.ddof ?? 0;
  const kind = stateKind(p.name);
  if ((kind === 'extreme' || kind === 'arg') && options.reducedLength === 0) {
    throw new EmptyReductionError(`${p.name} of an empty array (or an empty slice along the reduced axes) has no value; check the shape, or use a reduction with an identity such as sum`);
  }
  switch (kind) {
    case 'sum':
    case 'prod':
      for (let o = 0; o < cells; o++) out[o] = p.big ? p.big[o]! : p.values![o]!;
      break;
    case 'moments':
      for (let o = 0; o < cells; o++) {
        const n = p.count![o]!;
        if (p.name === 'mean' || p.name === 'nanmean') out[o] = n === 0 ? NaN : p.shift![o]! + p.values![o]!;
        else {
          const v = n - ddof <= 0 ? NaN : Math.max(0, p.m2![o]!) / (n - ddof);
          out[o] = p.name.endsWith('std') ? Math.sqrt(v) : v;
        }
      }
      break;
    case 'bool':
      for (let o = 0; o < cells; o++) out[o] = p.flags![o]!;
      break;
    case 'extreme':
      for (let o = 0; o < cells; o++) {
        if (p.seen![o] === 0) throw new EmptyReductionError(`${p.name} of an empty array (or an empty slice along the reduced axes) has no value; check the shape, or use a reduction with an identity such as sum`);
        out[o] = p.count![o] === 0 ? NaN : p.big ? p.big[o]! : p.values![o]!;
      }
      break;
    case 'arg':
      for (let o = 0; o < cells; o++) {
        if (p.count![o] === 0) throw new EmptyReductionError(`${p.name} of an empty array has no index; check the shape`);
        out[o] = BigInt(p.index![o]!);
      }
      break;
  }
  return { ...view(out as never, outShape), dtype };
}

/** Reduces one in-memory array: `reduce('var', x, [0], {ddof: 1})`. */
export function reduce(name: ReductionName, x: Strided, axes: number | readonly number[] | null | undefined, options: { keepdims?: boolean; ddof?: number; dtype?: DType } = {}): Strided & { dtype: DType } {
  const list = normalizeAxes(axes, x.shape.length);
  if ((name === 'argmin' || name === 'argmax') && list.length !== 1 && list.length !== x.shape.length) {
    throw new RangeError(`${name} takes one axis or none (all axes, flattened), got axes ${list.join(', ')}`);
  }
  const reducedLength = list.reduce((n, axis) => n * x.shape[axis]!, 1);
  return finalizePartial(partialReduce(name, x, list, { dtype: options.dtype }), { axes: list, keepdims: options.keepdims, ddof: options.ddof, reducedLength });
}
