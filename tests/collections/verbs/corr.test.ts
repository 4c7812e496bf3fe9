// cov / corr: Pearson over pairwise-complete rows (pandas' rule) vs DuckDB and a naive two-pass loop,
// on many partitions; stable for data offset by 1e8; matrix of a frame; errors for other methods.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, assertClose, rng, type Num } from '../../helpers.ts';
import { duckTable } from './duck-oracle.ts';

/** Two-pass reference over the rows where both are non-null. */
function naiveCo(xs: Num[], ys: Num[], ddof = 1): { cov: number | null; corr: number | null } {
  const pairs = xs.map((x, i) => [x, ys[i]!] as const).filter(([x, y]) => x !== null && y !== null) as Array<readonly [number, number]>;
  const n = pairs.length;
  if (n === 0) return { cov: null, corr: null };
  const mx = pairs.reduce((s, [x]) => s + x, 0) / n;
  const my = pairs.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return { cov: n - ddof > 0 ? sxy / (n - ddof) : null, corr: n < 2 ? null : sxy / Math.sqrt(sxx * syy) };
}

function cols(seed: number, n: number): [Num[], Num[], Num[]] {
  const r = rng(seed);
  const x: Num[] = [];
  const y: Num[] = [];
  const z: Num[] = [];
  for (let i = 0; i < n; i++) {
    const a = r() * 100;
    x.push(r() < 0.1 ? null : a);
    y.push(r() < 0.2 ? null : 3 * a + r() * 40 - 20);
    z.push(r() < 0.05 ? null : Math.floor(r() * 50));
  }
  return [x, y, z];
}

test('Series corr/cov on 1, 3, 10 and 40 partitions vs DuckDB corr/covar_samp/covar_pop and a naive loop', async () => {
  for (const n of [2, 9, 400]) {
    const [x, y] = cols(n, n);
    const q = await duckTable([x, y]);
    const [[dc, ds, dp]] = (await q('SELECT corr(c0, c1), covar_samp(c0, c1), covar_pop(c0, c1) FROM t')) as Array<Array<number | null>>;
    for (const np of [1, 3, 10, 40]) {
      const df = fromColumns({ x, y }, { npartitions: np });
      const [c, s, p] = await compute(df.col('x').corr(df.col('y')), df.col('x').cov(df.col('y')), df.col('x').cov(df.col('y'), { ddof: 0 }), { scheduler: 'sync' });
      const ref = naiveCo(x, y);
      assertClose(c, ref.corr, 1e-9, `corr n=${n} np=${np}`);
      assertClose(s, ref.cov, 1e-9, `cov n=${n} np=${np}`);
      if (n > 2) {
        assertClose(c, dc, 1e-9, `corr vs duckdb n=${n}`);
        assertClose(s, ds, 1e-9, `covar_samp vs duckdb n=${n}`);
      }
      assertClose(p, dp, 1e-9, `covar_pop vs duckdb n=${n}`);
    }
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] df.corr() and df.cov(): symmetric matrices of every numeric pair, pairwise-complete`, async () => {
    const [x, y, z] = cols(11, 300);
    const df = fromColumns(new Map<string, Num[]>([['x', x], ['__proto__', y], ['z', z]]), { npartitions: 7 });
    const [corr, cov] = await compute(df.corr(), df.cov(), { scheduler: scheduler as SchedulerName });
    const data = [x, y, z];
    const names = ['x', '__proto__', 'z'];
    assert.equal([...corr.getChild('column')!], names);
    names.forEach((a, i) =>
      names.forEach((b, j) => {
        const ref = naiveCo(data[i]!, data[j]!);
        assertClose(corr.getChild(b)!.get(i), ref.corr, 1e-9, `corr ${a},${b}`);
        assertClose(cov.getChild(b)!.get(i), ref.cov, 1e-9, `cov ${a},${b}`);
      }),
    );
  });
}

test('stable for data offset by 1e8 (co-moments merged by Chan, no sum-of-products cancellation)', async () => {
  const r = rng(3);
  const x = Array.from({ length: 20000 }, () => 1e8 + r());
  const y = x.map((v) => 2 * v + r() * 0.1);
  const df = fromColumns({ x: Float64Array.from(x), y: Float64Array.from(y) }, { npartitions: 13 });
  const [c, s] = await compute(df.col('x').corr(df.col('y')), df.col('x').cov(df.col('y')), { scheduler: 'sync' });
  const ref = naiveCo(x.map((v) => v - 1e8), y.map((v) => v - 2e8));
  assertClose(c, ref.corr, 1e-6, 'corr');
  assertClose(s, ref.cov, 1e-6, 'cov');
});

test('edges: a constant column gives NaN, fewer than two pairs null, NaN propagates; other methods are errors', async () => {
  const df = fromColumns({ x: [1, 2, 3, null], k: [5, 5, 5, 5], o: [null, null, null, 1], n: [1, NaN, 2, 3], s: ['a', 'b', 'c', 'd'] }, { npartitions: 2 });
  const [constant, few, nan] = await compute(df.col('x').corr(df.col('k')), df.col('x').corr(df.col('o')), df.col('x').corr(df.col('n')), { scheduler: 'sync' });
  assert.ok(Number.isNaN(constant as number));
  assert.is(few, null);
  assert.ok(Number.isNaN(nan as number));
  assert.throws(() => df.col('x').corr(df.col('k'), { method: 'spearman' }), /'spearman' is not supported; only 'pearson'/);
  assert.throws(() => df.corr({ method: 'kendall', numericOnly: true }), /'kendall' is not supported/);
  assert.throws(() => df.corr(), /does not apply to s/);
  assert.throws(() => df.col('x').corr(df.col('s')), /numeric column/);
  assert.throws(() => df.col('x').cov(df.col('k'), { ddof: -1 }), /ddof must be a non-negative integer/);
  const other = fromColumns({ x: [1, 2] });
  assert.throws(() => df.col('x').corr(other.col('x')), /rows do not line up/);
});

test.run();
