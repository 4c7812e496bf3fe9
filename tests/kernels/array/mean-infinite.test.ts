// Means of arrays holding infinities follow NumPy: mean([inf, 1, 2]) = inf, mean([inf, -inf]) = NaN, and
// the variance of anything with an infinity is NaN — on one chunk and across chunks. The shifted moment
// sums used to give inf - inf = NaN for the mean when the first value (the shift) was infinite.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, compute } from '../../../src/index.ts';

function naiveMean(v: number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

const CASES: number[][] = [
  [Infinity, 1, 2],
  [1, Infinity, 2],
  [1, 2, -Infinity],
  [-Infinity, -Infinity, 5, 6],
  [Infinity, -Infinity, 3],
  [Infinity, 3, NaN, 4],
];

for (const values of CASES) {
  for (const chunk of [values.length, 1, 2]) {
    test(`mean/var of [${values.join(', ')}] in chunks of ${chunk}`, async () => {
      const x = array.fromTypedArray(Float64Array.from(values), [values.length], { chunks: [chunk] });
      const [mean, variance, nanmean] = (await compute(x.mean(), x.var(), x.nanmean())) as unknown as { data: Float64Array }[];
      const got = Number((mean as any).data?.[0] ?? mean);
      const want = naiveMean(values);
      if (Number.isFinite(want)) assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-12 + 1e-300, `mean ${got} vs ${want}`);
      else assert.is(String(got), String(want), 'mean');
      const hasInf = values.some((v) => v === Infinity || v === -Infinity);
      const hasNaN = values.some((v) => Number.isNaN(v));
      if (hasInf || hasNaN) assert.ok(Number.isNaN(Number((variance as any).data?.[0] ?? variance)), 'var with an infinity or NaN is NaN');
      const kept = values.filter((v) => !Number.isNaN(v));
      const gotNan = Number((nanmean as any).data?.[0] ?? nanmean);
      const wantNan = naiveMean(kept);
      if (Number.isFinite(wantNan)) assert.ok(Math.abs(gotNan - wantNan) <= Math.abs(wantNan) * 1e-12, `nanmean ${gotNan} vs ${wantNan}`);
      else assert.is(String(gotNan), String(wantNan), 'nanmean');
    });
  }
}

test.run();
