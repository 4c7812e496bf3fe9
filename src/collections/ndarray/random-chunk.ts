// A random array's chunks: each distribution as a filler of runs (element i from (key, call start, i) alone),
// and the reductions of a chunk that never make it. A sum of g.normal(1e8) draws its values a block at a
// time into one reused buffer and adds them there, in the order partialReduce adds the made chunk, so the
// partial has the same bits while no 32 MiB chunk is allocated, faulted into memory and collected (which
// cost more than drawing the values).

import type { DType } from '../../kernels/array/dtypes.ts';
import type { Partial, ReductionName } from '../../kernels/array/reduce.ts';
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

/**
 * Whether a reduction of a random array over all its axes can be drawn chunk by chunk without the chunks:
 * float64 sums, whose order below is partialReduce's (other reductions make the chunk as before).
 */
export function reducesRandomStreamed(name: ReductionName, dtype: DType): boolean {
  return dtype === 'float64' && (name === 'sum' || name === 'nansum');
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

/**
 * The partial of reducing the chunk at `start` (shape `shape`) of a random array over all axes: what
 * partialReduce gives for the made chunk, bit for bit. Its rows (runs of the last axis) are summed
 * one by one into the cell, in C order, as walkRows visits them.
 */
export function reduceRandomChunk(spec: RandomSpec, fullShape: number[], start: number[], shape: number[], name: ReductionName): Partial {
  if (!reducesRandomStreamed(name, 'float64')) throw new Error(`array.reduce-random: ${name} is not drawn without its chunk; the lowering should have made the chunk`);
  const draw = runFiller(spec);
  const buf = (scratch ??= new Float64Array(STEP));
  const skipNaN = name === 'nansum';
  let acc = 0;
  forEachRun(fullShape, start, shape, (first, _at, n) => {
    acc += sumDrawn(draw, first, n, buf, skipNaN);
  });
  return { name, shape: shape.map(() => 1), inputDType: 'float64', values: Float64Array.of(acc) };
}
