// dropDuplicates / unique and nlargest / nsmallest across partitions vs naive references over the whole
// frame: keep first/last/false, null and NaN as values, unicode keys, empty and one-row partitions, order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, rng } from '../../helpers.ts';

type Row = { k: string | null; x: number | null; i: number };

function rows(seed: number, n: number): Row[] {
  const r = rng(seed);
  const words = ['α', 'β', '🚀', 'a\u0000b', '', 'constructor'];
  return Array.from({ length: n }, (_, i) => ({ k: r() < 0.1 ? null : words[Math.floor(r() * words.length)]!, x: r() < 0.1 ? null : r() < 0.05 ? NaN : Math.floor(r() * 5), i }));
}

const same = (a: unknown, b: unknown) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** pandas' drop_duplicates: keep first/last occurrence of each key, or only keys seen once. */
function naiveDrop(data: Row[], subset: Array<'k' | 'x'>, keep: 'first' | 'last' | false): number[] {
  const key = (r: Row) => subset.map((c) => r[c]);
  const eq = (a: Row, b: Row) => key(a).every((v, j) => same(v, key(b)[j]));
  return data
    .filter((r, idx) => {
      const dups = data.filter((o) => eq(o, r));
      if (keep === false) return dups.length === 1;
      if (keep === 'first') return data.findIndex((o) => eq(o, r)) === idx;
      return data.length - 1 - [...data].reverse().findIndex((o) => eq(o, r)) === idx;
    })
    .map((r) => r.i);
}

test('dropDuplicates: keep first/last/false on subsets, 1, 3, 17 and 60 partitions, order preserved', async () => {
  const data = rows(1, 45);
  for (const np of [1, 3, 17, 60]) {
    const df = fromColumns({ k: data.map((r) => r.k), x: data.map((r) => r.x), i: data.map((r) => r.i) }, { npartitions: np });
    for (const subset of [['k'], ['x'], ['k', 'x']] as Array<Array<'k' | 'x'>>) {
      for (const keep of ['first', 'last', false] as const) {
        const got = await df.dropDuplicates({ subset, keep, splitEvery: 2 }).col('i').toList({ scheduler: 'sync' });
        assert.equal(got, naiveDrop(data, subset, keep), `subset ${subset} keep ${keep} np ${np}`);
      }
    }
    const all = await df.select(['k', 'x']).dropDuplicates().compute({ scheduler: 'sync' });
    assert.is(all.numRows, naiveDrop(data, ['k', 'x'], 'first').length);
    assert.is((await df.dropDuplicates().compute({ scheduler: 'sync' })).numRows, 45, 'the default subset is every column (i is unique)');
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] unique() in order of first appearance (null and NaN once); Series.dropDuplicates`, async () => {
    const data = rows(2, 80);
    const df = fromColumns({ k: data.map((r) => r.k), x: data.map((r) => r.x) }, { npartitions: 9 });
    const opts = { scheduler: scheduler as SchedulerName };
    const [uk, ux, dx] = await compute(df.col('k').unique(), df.col('x').unique(), df.col('x').dropDuplicates({ keep: false }), opts);
    const firstSeen = <T>(xs: T[]) => xs.filter((v, i) => xs.findIndex((w) => same(w, v)) === i);
    assert.equal([...uk], firstSeen(data.map((r) => r.k)));
    const xs = data.map((r) => r.x);
    assert.equal([...ux].map(String), firstSeen(xs).map(String));
    assert.equal([...dx].map(String), xs.filter((v) => xs.filter((w) => same(w, v)).length === 1).map(String));
  });
}

test('dropDuplicates: errors name the column and the fix', () => {
  const df = fromColumns({ k: ['a'], x: [1] });
  assert.throws(() => df.dropDuplicates({ subset: ['nope'] }), /nope/);
  assert.throws(() => df.dropDuplicates({ keep: 'middle' as never }), /keep must be 'first', 'last' or false/);
  assert.throws(() => df.dropDuplicates({ subset: [] }), /at least one column/);
  assert.throws(() => df.dropDuplicates({ keeps: 'first' } as never), /keeps/);
});

/** pandas' nlargest/nsmallest (keep='first'): stable sort, nulls and NaN last. */
function naiveTop(data: Row[], n: number, largest: boolean): number[] {
  const rank = (v: number | null) => (v === null || Number.isNaN(v) ? null : v);
  return [...data]
    .sort((a, b) => {
      const x = rank(a.x);
      const y = rank(b.x);
      if (x === y) return a.i - b.i;
      if (x === null) return 1;
      if (y === null) return -1;
      return largest ? y - x : x - y;
    })
    .slice(0, n)
    .map((r) => r.i);
}

test('nlargest / nsmallest on 1, 4, 13 and 50 partitions: ties keep the earlier row, nulls and NaN last', async () => {
  const data = rows(3, 40);
  for (const np of [1, 4, 13, 50]) {
    const df = fromColumns({ x: data.map((r) => r.x), i: data.map((r) => r.i) }, { npartitions: np });
    for (const n of [0, 1, 5, 39, 100]) {
      const [big, small] = await compute(df.nlargest(n, 'x').col('i'), df.nsmallest(n, ['x']).col('i'), { scheduler: 'sync' });
      assert.equal([...big], naiveTop(data, n, true), `nlargest ${n} np ${np}`);
      assert.equal([...small], naiveTop(data, n, false), `nsmallest ${n} np ${np}`);
    }
  }
  const two = fromColumns({ a: [1, 2, 2, 2], b: [9, 1, 5, 5], i: [0, 1, 2, 3] }, { npartitions: 3 });
  assert.equal([...(await two.nlargest(3, ['a', 'b']).col('i').compute({ scheduler: 'sync' }))], [2, 3, 1]);
  assert.equal([...(await two.col('b').nsmallest(2).compute({ scheduler: 'sync' }))], [1, 5]);
  assert.throws(() => two.nlargest(2, []), /name the column/);
  assert.throws(() => two.nlargest(-1, 'a'), /non-negative integer/);
  assert.throws(() => fromColumns({ s: ['x'] }).nlargest(1, 's'), /rank by numeric columns/);
});

test.run();
