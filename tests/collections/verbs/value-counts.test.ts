// valueCounts({normalize, sort, dropna}) of a Series and per group, vs naive counting and DuckDB;
// per-aggregation ddof in one agg(); numbers of distinct values with and without nulls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, assertClose, naive, rng, type Num } from '../../helpers.ts';
import { duckTable } from './duck-oracle.ts';

function words(seed: number, n: number): Array<string | null> {
  const r = rng(seed);
  const w = ['x', 'y', 'zz', 'ü', '🚀', '__proto__'];
  return Array.from({ length: n }, () => (r() < 0.15 ? null : w[Math.floor(r() ** 2 * w.length)]!));
}

/** Counts in order of first appearance. */
function counts<T>(xs: T[]): Array<[T, number]> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m];
}

test('Series.valueCounts: sort, normalize, dropna on 1, 5 and 30 partitions vs naive counts', async () => {
  const xs = words(1, 120);
  for (const np of [1, 5, 30]) {
    const s = fromColumns({ w: xs }, { npartitions: np }).col('w');
    const [sorted, firstSeen, props, withNull] = await compute(s.valueCounts(), s.valueCounts({ sort: false }), s.valueCounts({ normalize: true }), s.valueCounts({ dropna: false, normalize: true, sort: false }), { scheduler: 'sync' });
    const nonNull = counts(xs.filter((x) => x !== null));
    const bySize = [...nonNull].sort((a, b) => b[1] - a[1] || nonNull.indexOf(a) - nonNull.indexOf(b));
    assert.equal([...sorted.getChild('count')!].map(Number), bySize.map(([, c]) => c), `counts np=${np}`);
    assert.equal(new Set([...sorted.getChild('w')!]), new Set(nonNull.map(([w]) => w)));
    assert.equal([...firstSeen.getChild('w')!], nonNull.map(([w]) => w), 'sort: false keeps first appearance');
    const total = xs.filter((x) => x !== null).length;
    [...props.getChild('proportion')!].forEach((p, i) => assertClose(p, bySize[i]![1] / total, 1e-12));
    // sort: false with nulls kept: first-appearance order, the null value last
    const expected = [...counts(xs).filter(([w]) => w !== null), ...counts(xs).filter(([w]) => w === null)];
    assert.equal([...withNull.getChild('w')!], expected.map(([w]) => w));
    [...withNull.getChild('proportion')!].forEach((p, i) => assertClose(p, expected[i]![1] / xs.length, 1e-12));
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] groupby(k).col(c).valueCounts() vs DuckDB GROUP BY k, c; normalized within each group`, async () => {
    const r = rng(2);
    const k: Num[] = Array.from({ length: 200 }, () => (r() < 0.1 ? null : Math.floor(r() * 4)));
    const c: Num[] = Array.from({ length: 200 }, () => (r() < 0.1 ? null : Math.floor(r() * 3)));
    const df = fromColumns({ k, c }, { npartitions: 7 });
    const [vc, norm] = await compute(df.groupby('k').col('c').valueCounts(), df.groupby('k').col('c').valueCounts({ normalize: true }), { scheduler: scheduler as SchedulerName });
    const q = await duckTable([k, c]);
    const rows = (await q('SELECT c0, c1, count(*) AS n, count(*) / sum(count(*)) OVER (PARTITION BY c0) FROM t WHERE c0 IS NOT NULL AND c1 IS NOT NULL GROUP BY c0, c1 ORDER BY c0, n DESC, c1')) as Array<[number, number, bigint, number]>;
    assert.equal(vc.schema.fields.map((f) => f.name), ['k', 'c', 'count']);
    assert.is(vc.numRows, rows.length);
    // within a key, equal counts may come in either order: compare sorted by (k, count desc, c)
    const got = vc.toArray().map((x) => [x.k, x.c, Number(x.count)] as [number, number, number]);
    const key = (t: [number, number, number]) => `${t[0]}|${String(1e6 - t[2]).padStart(8, '0')}|${t[1]}`;
    assert.equal(got.map(key).sort(), rows.map(([a, b, n]) => key([a, b, Number(n)])).sort());
    for (let i = 1; i < got.length; i++) {
      assert.ok(got[i - 1]![0] < got[i]![0] || (got[i - 1]![0] === got[i]![0] && got[i - 1]![2] >= got[i]![2]), 'by key, then most frequent first');
    }
    const props = new Map(norm.toArray().map((x) => [`${x.k}|${x.c}`, x.proportion as number]));
    for (const [a, b, , p] of rows) assertClose(props.get(`${a}|${b}`), p, 1e-12, `proportion ${a},${b}`);
  });
}

test('valueCounts options are checked', () => {
  const s = fromColumns({ w: ['a'] }).col('w');
  assert.throws(() => s.valueCounts({ normalise: true } as never), /normalise/);
  assert.throws(() => s.valueCounts({ sort: 'yes' as never }), /sort must be true or false/);
  const df = fromColumns({ k: [1], c: [2] });
  assert.throws(() => df.groupby('k').col('k').valueCounts(), /'k' is a group key/);
});

test('per-aggregation ddof in one agg(): var with ddof 1 and 0 side by side; the old forms still work', async () => {
  const r = rng(5);
  const k = Array.from({ length: 90 }, () => Math.floor(r() * 3));
  const x: Num[] = Array.from({ length: 90 }, () => (r() < 0.1 ? null : r() * 100));
  const df = fromColumns({ k, x }, { npartitions: 4 });
  const t = await df
    .groupby('k')
    .agg({ x: ['std', { op: 'var', ddof: 0 }, 'var'], pop: ['x', { op: 'std', ddof: 0 }], mean: ['x', 'mean'] })
    .toRecords({ scheduler: 'sync' });
  assert.equal(Object.keys(t[0]!), ['k', 'x_std', 'x_var_ddof0', 'x_var', 'pop', 'mean']);
  for (const row of t) {
    const xs = x.filter((_, i) => k[i] === row.k);
    assertClose(row.x_std, naive.std(xs, 1), 1e-9);
    assertClose(row.x_var_ddof0, naive.var(xs, 0), 1e-9);
    assertClose(row.x_var, naive.var(xs, 1), 1e-9);
    assertClose(row.pop, naive.std(xs, 0), 1e-9);
    assertClose(row.mean, naive.mean(xs), 1e-9);
  }
  assert.throws(() => df.groupby('k').agg({ x: [{ op: 'sum', ddof: 0 }] }), /ddof applies to var and std only/);
  assert.throws(() => df.groupby('k').agg({ x: [{ op: 'var', ddof: -2 }] }), /ddof must be a non-negative integer/);
  assert.throws(() => df.groupby('k').agg({ x: [{ op: 'vari' } as never] }), /unknown aggregation 'vari'/);
  assert.throws(() => df.groupby('k').agg({ x: [{ op: 'var', dof: 1 } as never] }), /unknown key 'dof'/);
});

test('nunique: dropna honoured for a Series (null counts as one more value with {dropna: false})', async () => {
  const s = fromColumns({ w: ['a', null, 'b', 'a', null] }, { npartitions: 3 }).col('w');
  const [a, b] = await compute(s.nunique(), s.nunique({ dropna: false }), { scheduler: 'sync' });
  assert.equal([a, b], [2, 3]);
});

test.run();
