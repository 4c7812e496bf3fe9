// Arithmetic completeness: a Series with a lazy Scalar (x.sub(x.mean()).div(x.std()) in one graph, the
// scalar computed once and broadcast, next to other outputs), floordiv/mod/pow edges as pandas, and
// Series.map with functions shipped to every scheduler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeExecutors, compute, fromColumns, kernelStats, resetKernelStats, udf } from '../../../src/index.ts';
import { naive, rejects } from '../../helpers.ts';
import { PARTITIONS, col, samePerPartitioning, show } from './verb-helpers.ts';

test.after(() => closeExecutors());

const N = 31;
const X: (number | null)[] = Array.from({ length: N }, (_, i) => (i % 7 === 3 ? null : ((i * 37) % 23) - 9));
const Y: number[] = Array.from({ length: N }, (_, i) => i * 0.5 - 3);
const frame = (p: number) => fromColumns(new Map<string, unknown[]>([['x', X], ['constructor', Y]]), { npartitions: p });
const close = (a: unknown, b: unknown, what: string) => {
  if (a === null || b === null) return assert.is(a, b, what);
  assert.ok(Math.abs((a as number) - (b as number)) <= 1e-12 * Math.max(1, Math.abs(b as number)), `${what}: ${a} vs ${b}`);
};

test('x.sub(x.mean()).div(x.std()): one graph, scalars computed once, same at every partitioning', async () => {
  const mean = naive.mean(X)!;
  const std = naive.std(X)!;
  const z = await samePerPartitioning((p) => {
    const x = frame(p).col('x');
    return x.sub(x.mean()).div(x.std());
  });
  col(z, 'x').forEach((v, i) => close(v, X[i] === null ? null : (X[i]! - mean) / std, `row ${i}`));
  // With other outputs in the same compute: the partitions are read once, the scalars scanned once.
  for (const p of [5, 40]) {
    const df = frame(p);
    const x = df.col('x');
    resetKernelStats();
    const [zz, m, s, t] = await compute(x.sub(x.mean()).div(x.std()), x.mean(), x.std(), df, { scheduler: 'sync' });
    assert.is(kernelStats.partitionReads, p, 'each partition read once');
    assert.is(kernelStats.reductionPasses, p, 'one reduction pass per partition for mean and std together');
    close(m, mean, 'mean');
    close(s, std, 'std');
    assert.is(t.numRows, N);
    assert.is(zz.length, N);
  }
  const x = frame(3).col('x');
  assert.match(x.sub(x.mean()).explain(), /scalar<float64>/);
});

test('scalars inside filters and inside reductions (two rounds), nested and null', async () => {
  const ys = (p: number) => {
    const df = frame(p);
    return df.filter(df.col('x').gt(df.col('x').mean())).col('constructor').sum();
  };
  const mean = naive.mean(X)!;
  const want = X.reduce<number>((s, v, i) => (v !== null && v > mean ? s + Y[i]! : s), 0);
  for (const p of PARTITIONS) close(await ys(p).compute({ scheduler: 'sync' }), want, `filter by mean, ${p} partitions`);
  for (const p of PARTITIONS) {
    const x = frame(p).col('x');
    // mean of squared deviations = population variance: a reduction over an expression holding a scalar.
    close(await x.sub(x.mean()).pow(2).mean().compute(), naive.var(X, 0), `var via scalar, ${p}`);
    // Scalars combine before broadcasting.
    const r = await x.sub(x.max().sub(x.min()).div(2)).toList();
    const half = (naive.max(X)! - naive.min(X)!) / 2;
    r.forEach((v, i) => close(v, X[i] === null ? null : X[i]! - half, `row ${i}`));
  }
  const allNull = fromColumns({ x: [1.5, 2.5], y: [null, null] as (number | null)[] }, { npartitions: 2 });
  assert.equal(await allNull.col('x').sub(allNull.col('y').mean()).toList(), [null, null], 'the mean of nothing is null: every row is null');
});

test('scalar types: integer scalars keep integer results', async () => {
  const df = frame(4);
  const x = df.col('x');
  assert.is(String(x.sub(x.min()).dtype), 'Int32', 'int32 minus its min stays int32');
  assert.is(String(x.sub(x.count()).dtype), 'Int64', 'count is int64: mixed widths give int64');
  assert.is(String(x.sub(x.mean()).dtype), 'Float64');
  const lo = naive.min(X)!;
  assert.equal(await x.sub(x.min()).toList(), X.map((v) => (v === null ? null : v - lo)));
  const big = fromColumns({ b: new BigInt64Array([2n ** 60n, 2n ** 60n + 3n]) }, { npartitions: 2 });
  assert.equal(await big.col('b').sub(big.col('b').min()).toList(), [0, 3], 'int64 minus its min is exact');
  assert.equal(await x.gt(x.mean()).toList(), X.map((v) => (v === null ? null : v > naive.mean(X)!)));
});

test('projection pushdown reaches the frames scalars read (one pruned read of the source)', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { readCsv } = await import('../../../src/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-scalar-'));
  try {
    const p = join(dir, 'a.csv');
    writeFileSync(p, `a,b,c\n${Array.from({ length: 50 }, (_, i) => `${i},${i * 2},x${i}`).join('\n')}\n`);
    const df = readCsv(p, { blocksize: 200 });
    const a = df.col('a');
    const plan = a.sub(a.mean()).explain();
    assert.match(plan, /read-csv .* columns=\[a\]/);
    // The mean's read and the broadcast's read are one task per partition (same pruned source).
    const reads = /(\d+) io\.csv\.read/.exec(plan);
    assert.is(Number(reads?.[1]), df.npartitions, plan);
    resetKernelStats();
    const r = await a.sub(a.mean()).toList({ scheduler: 'sync' });
    assert.equal(r, Array.from({ length: 50 }, (_, i) => i - 24.5));
    assert.is(kernelStats.partitionReads, df.npartitions, 'the scalar and the broadcast share one pruned read per partition');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('floordiv / mod / pow follow pandas (integers stay integers; x // 0 and x % 0 are null)', async () => {
  const r = await samePerPartitioning((p) => {
    const df = fromColumns({ a: [-7, 7, -7, 7, 5, 0, null], b: [2, -2, -2, 2, 0, 3, 1] }, { npartitions: p });
    return df.assign({ fd: df.col('a').floordiv(df.col('b')), md: df.col('a').mod(df.col('b')), pw: df.col('a').pow(2) });
  });
  assert.equal(col(r, 'fd'), [-4, -4, 3, 3, null, 0, null]);
  assert.equal(col(r, 'md'), [1, -1, -1, 1, null, 0, null]);
  assert.equal(col(r, 'pw'), [49, 49, 49, 49, 25, 0, null]);
  const df = fromColumns({ a: [1, 5.5, -5.5, 1] }, { npartitions: 2 });
  assert.equal(show(await df.col('a').floordiv(0.1).toList()), show([9, 54, -55, 9]), 'Python: 1 // 0.1 == 9');
  assert.equal(show(await df.col('a').mod(-2).toList()), show([-1, -0.5, -1.5, -1]));
  await rejects(fromColumns({ a: [2] }).col('a').pow(-1).compute(), /negative/);
});

test('Series.map: closures on sync, self-contained functions and module functions on workers', async () => {
  const df = fromColumns({ x: [1, -2, null, 4], s: ['a', 'b', 'a', null] }, { npartitions: 3 });
  let calls = 0;
  const k = 10;
  assert.equal(await df.col('x').map((v: number) => { calls++; return v * k; }, { dtype: 'int32' }).toList({ scheduler: 'sync' }), [10, -20, null, 40]);
  assert.is(calls, 3, 'nulls skipped (naAction ignore)');
  assert.equal(await df.col('x').map((v: number | null) => (v === null ? -1 : v), { naAction: null, dtype: 'int32' }).toList(), [1, -2, -1, 4]);
  for (const scheduler of ['threads', 'processes'] as const) {
    assert.equal(await df.col('x').map((v: number, p: { k: number }) => v * p.k, { params: { k: 0.5 } }).toList({ scheduler }), [0.5, -1, null, 2], scheduler);
    const m = udf(new URL('./fixtures/map-fns.ts', import.meta.url).href, 'label');
    assert.equal(await df.col('x').map(m, { dtype: 'string', params: { prefix: '#' } }).toList({ scheduler }), ['#pos', '#neg', null, '#pos'], `${scheduler} module`);
    await rejects(df.col('x').map((v: number) => v * k).compute({ scheduler }), /uses 'k' from outside itself/);
  }
  // A dictionary column: the function runs once per distinct value.
  const cat = df.astype({ s: 'category' });
  calls = 0;
  assert.equal(await cat.col('s').map((v: string) => { calls++; return v.toUpperCase(); }, { dtype: 'string' }).toList({ scheduler: 'sync' }), ['A', 'B', 'A', null]);
  assert.ok(calls <= 3, `called ${calls} times for 2 distinct values over 3 partitions`);
  await rejects(df.col('x').map(() => 'text').compute({ scheduler: 'sync' }), /returned "text" \(string\) for 1, but the declared dtype is Float64; pass \{dtype/);
  await rejects(df.col('x').map(() => { throw new Error('boom'); }).compute({ scheduler: 'sync' }), /the function threw for 1: boom/);
  assert.throws(() => df.col('x').map(42 as never), /expected a function or udf/);
  assert.throws(() => df.col('x').map((v: number) => v, { dtype: 'decimal' }), /dtype must be one of/);
});

test.run();
