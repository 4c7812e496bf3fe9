// A random array's chunks: each distribution as a filler of runs (element i from (key, call start, i) alone),
// and the reductions of a chunk that never make it. A sum of g.normal(1e8) draws its values a block at a
// time into one reused buffer and adds them there, in the order partialReduce adds the made chunk, so the
// partial has the same bits while no 32 MiB chunk is allocated, faulted into memory and collected (which
// cost more than drawing the values).

import type { DType } from '../../kernels/array/dtypes.ts';
import { centredSquares, type Partial, type ReductionName } from '../../kernels/array/reduce.ts';
import {
  fillBinomial, fillExponential, fillGamma, fillIntegers, fillNormal, fillPermutation, fillPoisson, fillUniform, fillWeightedChoice,
} from '../../random/distributions.ts';
import { forEachRun } from './chunks.ts';
import type { RandomSpec } from './node.ts';

/** Writes elements [first, first + count) of the generating call to out[offset..]. */
export type RunFiller = (first: number, count: number, out: Float64Array, offset: number) => void;

export function runFiller(spec: RandomSpec): RunFiller {
  const p = spec.params;
  const s = spec.start;
  switch (spec.dist) {
    case 'uniform': return (first, n, out, at) => fillUniform(s, first, n, out, at, p.low, p.high);
    case 'normal': return (first, n, out, at) => fillNormal(s, first, n, out, at, p.loc, p.scale);
    case 'exponential': return (first, n, out, at) => fillExponential(s, first, n, out, at, p.scale);
    case 'gamma': return (first, n, out, at) => fillGamma(s, first, n, out, at, p.shape!, p.scale);
    case 'poisson': return (first, n, out, at) => fillPoisson(s, first, n, out, at, p.lam!);
    case 'binomial': return (first, n, out, at) => fillBinomial(s, first, n, out, at, p.n!, p.p!);
    case 'integers': return (first, n, out, at) => fillIntegers(s, first, n, out, at, p.low!, p.high!);
    case 'choice': {
      const cumulative = Float64Array.from(spec.cumulative!);
      return (first, n, out, at) => fillWeightedChoice(s, first, n, out, at, cumulative);
    }
    case 'permutation': return (first, n, out, at) => fillPermutation(s, first, n, out, at, p.n!);
  }
}

const DRAWN = new Set<ReductionName>(['sum', 'nansum', 'prod', 'mean', 'var', 'std', 'nanmean', 'nanvar', 'nanstd']);

/**
 * Whether a reduction of a random array over all its axes can be drawn chunk by chunk without the chunks:
 * float64 sums, products and moments, each in partialReduce's order below (others make the chunk as before).
 */
export function reducesRandomStreamed(name: ReductionName, dtype: DType): boolean {
  return dtype === 'float64' && DRAWN.has(name);
}

/**
 * mean, var and std (and their nan- forms) keep one partial state, the moments: the key of the reduction
 * whose drawn partial they can share, so compute(x.mean(), x.std()) draws x once. Null: not shared.
 */
export function sharedMomentsOf(name: ReductionName): ReductionName | null {
  if (name === 'mean' || name === 'var' || name === 'std') return 'mean';
  if (name === 'nanmean' || name === 'nanvar' || name === 'nanstd') return 'nanmean';
  return null;
}

/** A shared moments partial under the name of the reduction reading it (the state is the same; finalize reads the name). */
export function momentsAs(p: Partial, name: ReductionName): Partial {
  if (sharedMomentsOf(p.name) === null || sharedMomentsOf(p.name) !== sharedMomentsOf(name)) throw new Error(`array.moments-as: a ${p.name} partial cannot stand for ${name}`);
  return { ...p, name };
}

// Values drawn per step: 64 KiB, in cache. A multiple of 4, so the four accumulators below see the same
// elements as rowSum's (reduce.ts) groups of four, which never straddle two steps.
const STEP = 1 << 13;
let scratch: Float64Array | null = null;

/**
 * Elements [first, first + n) summed as reduce.ts's rowSum sums one row: element j into accumulator j % 4
 * while a whole group of four remains, the rest into the first, then (a0 + a1) + (a2 + a3); nansum skips
 * NaN and uses only the first. tests/random/streamed-reduce.test.ts pins this to partialReduce's bits.
 */
function sumDrawn(draw: RunFiller, first: number, n: number, buf: Float64Array, skipNaN: boolean): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let at = 0; at < n; at += STEP) {
    const len = Math.min(STEP, n - at);
    draw(first + at, len, buf, 0);
    let j = 0;
    if (!skipNaN) {
      for (; j + 4 <= len; j += 4) {
        a0 += buf[j]!;
        a1 += buf[j + 1]!;
        a2 += buf[j + 2]!;
        a3 += buf[j + 3]!;
      }
    }
    for (; j < len; j++) {
      const v = buf[j]!;
      if (!skipNaN || v === v) a0 += v;
    }
  }
  return (a0 + a1) + (a2 + a3);
}

/** Elements [first, first + n) multiplied in order into acc (partialReduce walks a product element by element). */
function prodDrawn(draw: RunFiller, first: number, n: number, buf: Float64Array, acc: number): number {
  for (let at = 0; at < n; at += STEP) {
    const len = Math.min(STEP, n - at);
    draw(first + at, len, buf, 0);
    for (let j = 0; j < len; j++) acc *= buf[j]!;
  }
  return acc;
}

/** Elements [first, first + n) added in order into acc, NaN skipped or not (the plain pass over infinite data). */
function plainSumDrawn(draw: RunFiller, first: number, n: number, buf: Float64Array, acc: number, skipNaN: boolean): number {
  for (let at = 0; at < n; at += STEP) {
    const len = Math.min(STEP, n - at);
    draw(first + at, len, buf, 0);
    for (let j = 0; j < len; j++) {
      const v = buf[j]!;
      if (!skipNaN || v === v) acc += v;
    }
  }
  return acc;
}

/**
 * reduce.ts's rowMoments over elements [first, first + n): sums of t = v - sh and t^2, element j (counted from
 * `first`) into accumulator j mod 4 while a whole group of four remains (STEP is a multiple of 4, so groups
 * never straddle two steps), the rest into the first; returns [(a0 + a1) + (a2 + a3), the same of the squares]
 * in MOMENTS.
 */
function rowMomentsDrawn(draw: RunFiller, first: number, n: number, buf: Float64Array, sh: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  for (let at = 0; at < n; at += STEP) {
    const len = Math.min(STEP, n - at);
    draw(first + at, len, buf, 0);
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const t0 = buf[j]! - sh, t1 = buf[j + 1]! - sh, t2 = buf[j + 2]! - sh, t3 = buf[j + 3]! - sh;
      a0 += t0;
      q0 += t0 * t0;
      a1 += t1;
      q1 += t1 * t1;
      a2 += t2;
      q2 += t2 * t2;
      a3 += t3;
      q3 += t3 * t3;
    }
    for (; j < len; j++) {
      const t = buf[j]! - sh;
      a0 += t;
      q0 += t * t;
    }
  }
  MOMENTS[0] = (a0 + a1) + (a2 + a3);
  MOMENTS[1] = (q0 + q1) + (q2 + q3);
}
const MOMENTS = new Float64Array(2);

/**
 * The moments partial (count, mean, M2 and shift) as partialReduce computes it for one cell: sums of values
 * shifted by the first (non-NaN) one, each row's sums added into the cell; a cell whose shift or sum is not
 * finite gets a plain second pass and NaN M2.
 */
function momentsDrawn(draw: RunFiller, fullShape: number[], start: number[], shape: number[], name: ReductionName, buf: Float64Array): Partial {
  const skip = name.startsWith('nan');
  let count = 0, shift = 0, s1 = 0, m2 = 0;
  const one = new Float64Array(1);
  forEachRun(fullShape, start, shape, (first, _at, n) => {
    let c = count, sh = shift, a = 0, q = 0, j = 0;
    const b = 0, r = 0;
    if (!skip) {
      // the first value is the shift and stays in the run (its v - shift is +0), as in reduce.ts
      if (c === 0 && n > 0) {
        draw(first, 1, one, 0);
        sh = one[0]!;
      }
      if (j < n) {
        rowMomentsDrawn(draw, first, n, buf, sh);
        a = MOMENTS[0]!;
        q = MOMENTS[1]!;
        c += n;
      }
    } else {
      // NaN skipped; the first value taken sets the shift and adds nothing
      for (let at = 0; at < n; at += STEP) {
        const len = Math.min(STEP, n - at);
        draw(first + at, len, buf, 0);
        for (let k = 0; k < len; k++) {
          const v = buf[k]!;
          if (v !== v) continue;
          if (c === 0) {
            sh = v;
            c = 1;
            continue;
          }
          const t = v - sh;
          a += t;
          q += t * t;
          c++;
        }
      }
    }
    count = c;
    shift = sh;
    s1 += a + b;
    m2 += q + r;
  });
  const bad = count > 0 && !(Number.isFinite(shift) && Number.isFinite(s1));
  if (bad) {
    let plain = 0;
    forEachRun(fullShape, start, shape, (first, _at, n) => {
      plain = plainSumDrawn(draw, first, n, buf, plain, skip);
    });
    shift = 0;
    s1 = plain;
  }
  let mean = 0;
  if (count !== 0) {
    mean = s1 / count;
    m2 = centredSquares(m2, s1, count);
    if (bad) m2 = NaN;
  }
  const cell = (v: number) => Float64Array.of(v);
  return { name, shape: shape.map(() => 1), inputDType: 'float64', count: cell(count), values: cell(mean), m2: cell(m2), shift: cell(shift) };
}

/**
 * The partial of reducing the chunk at `start` (shape `shape`) of a random array over all axes: what
 * partialReduce gives for the made chunk, bit for bit. Its rows (runs of the last axis) go into the one
 * cell in C order, as walkRows visits them.
 */
export function reduceRandomChunk(spec: RandomSpec, fullShape: number[], start: number[], shape: number[], name: ReductionName): Partial {
  if (!reducesRandomStreamed(name, 'float64')) throw new Error(`array.reduce-random: ${name} is not drawn without its chunk; the lowering should have made the chunk`);
  const draw = runFiller(spec);
  const buf = (scratch ??= new Float64Array(STEP));
  const cells = shape.map(() => 1);
  if (name === 'sum' || name === 'nansum') {
    const skipNaN = name === 'nansum';
    let acc = 0;
    forEachRun(fullShape, start, shape, (first, _at, n) => {
      acc += sumDrawn(draw, first, n, buf, skipNaN);
    });
    return { name, shape: cells, inputDType: 'float64', values: Float64Array.of(acc) };
  }
  if (name === 'prod') {
    let acc = 1;
    forEachRun(fullShape, start, shape, (first, _at, n) => {
      acc = prodDrawn(draw, first, n, buf, acc);
    });
    return { name, shape: cells, inputDType: 'float64', values: Float64Array.of(acc) };
  }
  return momentsDrawn(draw, fullShape, start, shape, name, buf);
}
