// Every reduction on many partitions vs one partition vs a naive loop, under every scheduler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Table, vectorFromArray, Int64, Int32, Float64 } from 'apache-arrow';
import { compute, fromArrow, fromColumns, fromRecordBatches, type SchedulerName } from '../../src/index.ts';
import { SCHEDULERS, assertClose, naive, rng, type Num } from '../helpers.ts';

const REDS = ['sum', 'mean', 'min', 'max', 'count', 'var', 'std', 'prod', 'any', 'all'] as const;

function expected(name: (typeof REDS)[number], xs: Num[]): unknown {
  return (naive as Record<string, (xs: Num[]) => unknown>)[name]!(xs);
}

function dataset(seed: number, n: number, nullRate: number, kind: 'float' | 'int'): Num[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => (r() < nullRate ? null : kind === 'int' ? Math.floor(r() * 2000) - 1000 : (r() - 0.5) * 1e3));
}

for (const scheduler of SCHEDULERS) {
  const opts = { scheduler: scheduler as SchedulerName };

  test(`[${scheduler}] every Series reduction matches the naive loop on 1, 3, 7 and 40 partitions (nulls, ints, floats)`, async () => {
    for (const kind of ['float', 'int'] as const) {
      const xs = dataset(kind === 'int' ? 1 : 2, 257, 0.2, kind);
      for (const np of [1, 3, 7, 40]) {
        const s = fromColumns({ x: xs }, { npartitions: np }).col('x');
        const got = await compute(...REDS.map((r) => s[r]()), opts);
        REDS.forEach((r, i) => {
          // prod of 200 values overflows to +-Infinity or underflows; compare sign-safe
          assertClose(got[i], expected(r, xs), 1e-9, `${kind} ${r} on ${np} partitions`);
        });
      }
    }
  });

  test(`[${scheduler}] ddof for var/std, and splitEvery does not change results`, async () => {
    const xs = dataset(3, 100, 0.1, 'float');
    const s = fromColumns({ x: xs }, { npartitions: 17 }).col('x');
    const got = await compute(s.var({ ddof: 0 }), s.std({ ddof: 0 }), s.var({ ddof: 5 }), s.sum({ splitEvery: 2 }), s.mean({ splitEvery: 3 }), opts);
    assertClose(got[0], naive.var(xs, 0));
    assertClose(got[1], naive.std(xs, 0));
    assertClose(got[2], naive.var(xs, 5));
    assertClose(got[3], naive.sum(xs));
    assertClose(got[4], naive.mean(xs));
  });

  test(`[${scheduler}] variance is stable for data offset by 1e8 across partitions`, async () => {
    const r = rng(9);
    const xs = Array.from({ length: 10000 }, () => 1e8 + r());
    const s = fromColumns({ x: new Float64Array(xs) }, { npartitions: 13 }).col('x');
    const v = (await s.var().compute(opts)) as number;
    // reference: two-pass on the de-offset values (exact enough to judge)
    const ys = xs.map((x) => x - 1e8);
    assertClose(v, naive.var(ys)!, 1e-6, 'var offset 1e8');
  });

  test(`[${scheduler}] NaN is a value (propagates), null is missing (skipped)`, async () => {
    const xs: Num[] = [1, null, NaN, 3, null];
    const s = fromColumns({ x: xs }, { npartitions: 2 }).col('x');
    const [sum, mean, min, max, count] = await compute(s.sum(), s.mean(), s.min(), s.max(), s.count(), opts);
    assert.ok(Number.isNaN(sum as number) && Number.isNaN(mean as number) && Number.isNaN(min as number) && Number.isNaN(max as number));
    assert.is(count, 3);
  });

  test(`[${scheduler}] all-null and empty columns give the identities and nulls`, async () => {
    const allNull = fromColumns({ x: [null, null, null] as Num[] }, { npartitions: 2 }).col('x');
    const r = await compute(allNull.sum(), allNull.mean(), allNull.min(), allNull.count(), allNull.var(), allNull.prod(), allNull.any(), allNull.all(), opts);
    assert.equal(r, [0, null, null, 0, null, 1, false, true]);
    const empty = fromColumns({ x: new Float64Array(0) }, { npartitions: 3 }).col('x');
    const e = await compute(empty.sum(), empty.mean(), empty.max(), empty.count(), empty.std(), opts);
    assert.equal(e, [0, null, null, 0, null]);
  });

  test(`[${scheduler}] empty and one-row partitions mixed in`, async () => {
    const t = (xs: number[]) => new Table({ x: vectorFromArray(xs, new Float64()) }).batches[0]!;
    const parts = [t([]), t([5]), t([]), t([1, 2, 3]), t([7]), t([])];
    const s = fromRecordBatches(parts).col('x');
    const all = [5, 1, 2, 3, 7];
    const got = await compute(s.sum(), s.mean(), s.min(), s.max(), s.var(), s.count(), opts);
    assert.equal(got.slice(0, 4), [18, 3.6, 1, 7]);
    assertClose(got[4], naive.var(all));
    assert.is(got[5], 5);
  });

  test(`[${scheduler}] integer sums are exact: int32 beyond 2^31 and int64 beyond 2^53 (bigint)`, async () => {
    const big = new Int32Array(5000).fill(2147483647);
    const s = fromColumns({ x: big }, { npartitions: 4 }).col('x');
    assert.is(await s.sum().compute(opts), 2147483647 * 5000);
    const i64 = new BigInt64Array([9007199254740993n, 9007199254740993n, -1n, 5n]);
    const b = fromColumns({ x: i64 }, { npartitions: 3 }).col('x');
    const [sum, min, max, mean] = await compute(b.sum(), b.min(), b.max(), b.mean(), opts);
    assert.is(sum, 18014398509481990n);
    assert.is(min, -1);
    assert.is(max, 9007199254740993n);
    assertClose(mean, Number(18014398509481990n) / 4);
  });

  test(`[${scheduler}] booleans: sum counts trues, any/all, min/max`, async () => {
    const xs = [true, false, null, true];
    const s = fromColumns({ b: xs }, { npartitions: 3 }).col('b');
    assert.equal(await compute(s.sum(), s.count(), s.any(), s.all(), s.min(), s.max(), s.mean(), opts), [2, 3, true, false, false, true, 2 / 3]);
  });

  test(`[${scheduler}] DataFrame reductions give one value per column; strings need numericOnly`, async () => {
    const df = fromColumns({ a: [1, 2, null, 4], b: [0.5, null, 1.5, 2.5], s: ['x', 'y', 'z', null] }, { npartitions: 2 });
    assert.throws(() => df.sum(), /sum\(\) does not apply to s \(Utf8\); select other columns or pass \{numericOnly: true\}/);
    assert.equal(await df.sum({ numericOnly: true }).compute(opts), { a: 7, b: 4.5 });
    assert.equal(await df.count().compute(opts), { a: 3, b: 3, s: 3 });
    const [mean, max] = await compute(df.select(['a', 'b']).mean(), df.max({ numericOnly: true }), opts);
    assert.equal(mean, { a: 7 / 3, b: 1.5 });
    assert.equal(max, { a: 4, b: 2.5 });
  });

  test(`[${scheduler}] scalar arithmetic on reductions`, async () => {
    const s = fromColumns({ x: [1, 2, 3, 4] }, { npartitions: 2 }).col('x');
    assert.is(await s.sum().div(s.count()).compute(opts), 2.5);
    assert.is(await s.max().sub(s.min()).mul(2).compute(opts), 6);
  });

  test(`[${scheduler}] fromArrow keeps dictionary and int64 columns and re-partitions multi-batch tables`, async () => {
    const t1 = new Table({ k: vectorFromArray(['a', 'b', 'a', 'c', 'a']), v: vectorFromArray([1n, 2n, 3n, 4n, 5n], new Int64()) });
    // two batches of one schema (the same dictionary type), so re-partitioning must cross a batch boundary
    const t = new Table([t1.batches[0]!.slice(0, 2), t1.batches[0]!.slice(2, 5)]);
    const df = fromArrow(t, { npartitions: 3 });
    assert.is(df.npartitions, 3);
    assert.equal(await compute(df.col('v').sum(), df.col('k').count(), df.col('k').eq('a').sum(), opts), [15, 5, 3]);
    const out = await df.compute(opts);
    assert.equal(out.getChild('k')!.toArray(), ['a', 'b', 'a', 'c', 'a']);
  });
}

test('reductions of non-numeric columns fail when written, naming the column and type', () => {
  const df = fromColumns({ s: ['a', 'b'], n: new Int32Array([1, 2]) });
  assert.throws(() => df.col('s').mean(), /mean\(\) is not defined for s of type Utf8; only count\(\) applies to strings/);
  assert.throws(() => df.col('n').var({ ddof: -1 }), /ddof must be a non-negative integer/);
  assert.throws(() => df.col('n').sum({ splitEvery: 1 }), /splitEvery must be an integer >= 2/);
  void Int32;
});

test.run();
