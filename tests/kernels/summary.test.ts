// The reduction kernels directly: a summary of the whole equals the merge of summaries of any split,
// in any grouping, and the finalized values equal a naive loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Float32, Float64, Int8, Int16, Int32, Uint8, Uint16, Uint32, makeData, vectorFromArray } from 'apache-arrow';
import { finalizeSummary, mergeSummaries, needsOf, summarize, exactInteger, REDUCTIONS } from '../../src/kernels/summary.ts';
import { assertClose, naive, rng, type Num } from '../helpers.ts';

const all = needsOf(REDUCTIONS);

function dataOf(xs: Num[], type: 'f' | 'i') {
  return vectorFromArray(xs, type === 'f' ? new Float64() : new Int32()).data[0]!;
}

test('merging summaries of any split equals the summary of the whole (floats and ints, nulls)', () => {
  const r = rng(42);
  for (const type of ['f', 'i'] as const) {
    const xs: Num[] = Array.from({ length: 500 }, () => (r() < 0.2 ? null : type === 'f' ? (r() - 0.5) * 100 : Math.floor(r() * 1000) - 500));
    const whole = summarize(dataOf(xs, type), all);
    for (let trial = 0; trial < 20; trial++) {
      // random cut points, merged left to right and as a balanced tree
      const cuts = [0, ...Array.from({ length: 5 }, () => Math.floor(r() * xs.length)).sort((a, b) => a - b), xs.length];
      const parts = cuts.slice(1).map((c, i) => summarize(dataOf(xs.slice(cuts[i]!, c), type), all));
      const linear = parts.reduce(mergeSummaries);
      const tree = (ps: typeof parts): (typeof parts)[0] => (ps.length === 1 ? ps[0]! : mergeSummaries(tree(ps.slice(0, ps.length >> 1)), tree(ps.slice(ps.length >> 1))));
      for (const merged of [linear, tree(parts)]) {
        for (const name of REDUCTIONS) {
          assertClose(finalizeSummary(merged, name, 1), finalizeSummary(whole, name, 1), 1e-9, `${type} ${name}`);
        }
      }
    }
    for (const name of ['sum', 'mean', 'min', 'max', 'count', 'var', 'std', 'any', 'all'] as const) {
      assertClose(finalizeSummary(whole, name, 1), (naive as Record<string, (x: Num[]) => unknown>)[name]!(xs), 1e-9, `${type} ${name} vs naive`);
    }
  }
});

test('a scan gathers only what was asked, and counts one pass', async () => {
  const { kernelStats, resetKernelStats } = await import('../../src/kernels/stats.ts');
  resetKernelStats();
  const s = summarize(dataOf([3, 1, 2], 'f'), needsOf(['min']));
  assert.is(kernelStats.reductionPasses, 1);
  assert.equal([s.min, s.max, s.n], [1, 3, 3]);
  assert.is(s.m2, 0, 'moments were not asked for');
});

test('integer results: exact to 2^53 as numbers, bigint beyond', () => {
  assert.is(exactInteger(2n ** 53n - 1n), 2 ** 53 - 1);
  assert.is(exactInteger(2n ** 53n + 1n), 2n ** 53n + 1n);
  assert.is(exactInteger(-(2n ** 60n)), -(2n ** 60n));
});

test('variance of data offset by 1e8 merges without cancellation', () => {
  const r = rng(7);
  const xs = Array.from({ length: 4000 }, () => 1e8 + r());
  const parts = [0, 1000, 2500, 3999, 4000].slice(1).map((c, i, a) => summarize(dataOf(xs.slice(i === 0 ? 0 : a[i - 1]!, c), 'f'), all));
  const v = finalizeSummary(parts.reduce(mergeSummaries), 'var', 1) as number;
  assertClose(v, naive.var(xs.map((x) => x - 1e8))!, 1e-6);
});

test('sum/mean/min/max scan: the same count, sum (bit for bit), min and max as a naive loop, every number type, nulls, slices', () => {
  const r = rng(2024);
  const types = [
    { t: new Int8(), A: Int8Array, gen: () => Math.floor(r() * 256) - 128 },
    { t: new Int16(), A: Int16Array, gen: () => Math.floor(r() * 65536) - 32768 },
    { t: new Int32(), A: Int32Array, gen: () => (r() < 0.5 ? -1 : 1) * Math.floor(r() * 2 ** 31) },
    { t: new Uint8(), A: Uint8Array, gen: () => Math.floor(r() * 256) },
    { t: new Uint16(), A: Uint16Array, gen: () => Math.floor(r() * 65536) },
    { t: new Uint32(), A: Uint32Array, gen: () => Math.floor(r() * 2 ** 32) },
    { t: new Float32(), A: Float32Array, gen: () => { const u = r(); return u < 0.02 ? NaN : u < 0.04 ? -0 : u < 0.05 ? Infinity : u < 0.06 ? -Infinity : (r() - 0.5) * 1e6; } },
    { t: new Float64(), A: Float64Array, gen: () => { const u = r(); return u < 0.02 ? NaN : u < 0.04 ? -0 : u < 0.06 ? 0 : u < 0.07 ? -Infinity : (r() - 0.5) * 1e9; } },
  ] as const;
  // lengths around byte edges, one past the 2^20-value block, and empty/one-element columns
  const lengths = [0, 1, 7, 8, 9, 63, 1000, (1 << 20) + 13];
  for (const { t, A, gen } of types) {
    const integral = !(A === Float32Array || A === Float64Array);
    for (const len of lengths) {
      for (const nullRate of [0, 0.3, 1]) {
        for (const offset of len > 2 ? [0, 3] : [0]) {
          const vals = new A(len);
          for (let i = 0; i < len; i++) vals[i] = gen();
          const bits = new Uint8Array((len + 7) >> 3);
          let nulls = 0;
          for (let i = 0; i < len; i++) {
            if (nullRate === 0 || (nullRate < 1 && r() >= nullRate)) bits[i >> 3]! |= 1 << (i & 7);
            else nulls++;
          }
          const whole = makeData({ type: t, length: len, nullCount: nulls, nullBitmap: nulls > 0 ? bits : undefined, data: vals } as never);
          const data = offset > 0 ? whole.slice(offset, len - offset - 1) : whole;
          // the naive loop over what the column holds
          let n = 0;
          let fsum = 0;
          let isum = 0n;
          let mn: number | null = null;
          let mx: number | null = null;
          let nan = false;
          for (let i = 0; i < data.length; i++) {
            if (!data.getValid(i)) continue;
            const x = vals[offset + i]!;
            n++;
            if (integral) isum += BigInt(x);
            else fsum += x;
            if (x !== x) nan = true;
            if (mn === null || x < mn) mn = x;
            if (mx === null || x > mx) mx = x;
          }
          const where = `${String(t)} len ${len} nulls ${nullRate} offset ${offset}`;
          const s = summarize(data as never, needsOf(['sum', 'min', 'max']));
          assert.is(s.n, n, `${where}: count`);
          if (integral) assert.is(s.isum, isum, `${where}: exact sum`);
          else assert.ok(Object.is(s.sum, fsum), `${where}: sum ${s.sum} vs ${fsum}`);
          assert.ok(Object.is(s.min, n === 0 ? null : nan ? NaN : mn), `${where}: min ${s.min} vs ${mn}`);
          assert.ok(Object.is(s.max, n === 0 ? null : nan ? NaN : mx), `${where}: max ${s.max} vs ${mx}`);
          assert.is(s.nan, nan && n > 0, `${where}: nan`);
          // and the same as the general loop (asked for moments too), field by field
          const g = summarize(data as never, needsOf(['sum', 'min', 'max', 'var']));
          for (const k of ['n', 'sum', 'isum', 'min', 'max', 'nan'] as const) assert.ok(Object.is(s[k], g[k]), `${where}: ${k} ${String(s[k])} vs general ${String(g[k])}`);
          const onlyMin = summarize(data as never, needsOf(['min']));
          assert.ok(Object.is(onlyMin.isum, integral ? 0n : null) && onlyMin.sum === 0, `${where}: no sum when not asked`);
          const onlySum = summarize(data as never, needsOf(['sum']));
          assert.is(onlySum.min, null, `${where}: no min when not asked`);
        }
      }
    }
  }
});

test.run();
