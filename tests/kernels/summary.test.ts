// The reduction kernels directly: a summary of the whole equals the merge of summaries of any split,
// in any grouping, and the finalized values equal a naive loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Float64, Int32, vectorFromArray } from 'apache-arrow';
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

test.run();
