// quantile / median: exact on many partitions (empty and one-row ones too) vs one partition, a naive sort
// and DuckDB's quantile_cont; the {approx: true} sketch within its stated rank-error bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Table, vectorFromArray, Int64 } from 'apache-arrow';
import { compute, fromArrow, fromColumns, kernelStats, resetKernelStats, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS, assertClose, rng, type Num } from '../../helpers.ts';
import { duckTable } from './duck-oracle.ts';
import { SKETCH_K, emptySketch, mergeSketches, sketchColumn, sketchQuantile } from '../../../src/kernels/sketch.ts';

const QS = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];

/** numpy/pandas 'linear': position q * (n - 1) in the sorted non-null values. */
function naiveQuantile(xs: Num[], q: number): number | null {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return null;
  if (v.some((x) => Number.isNaN(x))) return NaN;
  v.sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

function data(seed: number, n: number, kind: 'int' | 'float' | 'dups'): Num[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    if (r() < 0.15) return null;
    if (kind === 'int') return Math.floor(r() * 2000) - 1000;
    if (kind === 'dups') return Math.floor(r() * 4);
    return (r() - 0.3) * 10 ** Math.floor(r() * 12 - 6);
  });
}

test('exact quantiles: 1, 3, 10 (empty and one-row partitions) and 40 partitions agree with a naive sort and DuckDB', async () => {
  for (const kind of ['int', 'float', 'dups'] as const) {
    for (const n of [1, 7, 301]) {
      const xs = data(n * 7 + kind.length, n, kind);
      const q = await duckTable([xs]);
      const duck = (await q(`SELECT ${QS.map((p) => `quantile_cont(c0, ${p})`).join(', ')} FROM t`))[0]!;
      for (const np of [1, 3, 10, 40]) {
        const s = fromColumns({ x: xs }, { npartitions: np }).col('x');
        const got = await compute(...QS.map((p) => s.quantile(p)), s.median(), { scheduler: 'sync' });
        QS.forEach((p, i) => {
          assertClose(got[i], naiveQuantile(xs, p), 1e-12, `${kind} n=${n} q=${p} np=${np} vs naive`);
          assertClose(got[i], duck[i] as number | null, 1e-12, `${kind} n=${n} q=${p} np=${np} vs duckdb`);
        });
        assertClose(got[QS.length], naiveQuantile(xs, 0.5), 1e-12, 'median');
      }
    }
  }
});

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] quantile list, median of a frame, and int64 columns (partials cross workers)`, async () => {
    const xs = data(5, 500, 'int');
    const ys = data(6, 500, 'float');
    const df = fromColumns({ x: xs, y: ys }, { npartitions: 6 });
    const opts = { scheduler: scheduler as SchedulerName };
    const [table, med, one] = await compute(df.col('x').quantile([0.2, 0.8]), df.median(), df.quantile(0.3), opts);
    assert.equal(table.getChild('quantile')!.toArray(), Float64Array.from([0.2, 0.8]));
    assertClose(table.getChild('x')!.get(0), naiveQuantile(xs, 0.2));
    assertClose(table.getChild('x')!.get(1), naiveQuantile(xs, 0.8));
    assertClose(med.x, naiveQuantile(xs, 0.5));
    assertClose(med.y, naiveQuantile(ys, 0.5));
    assertClose(one.y, naiveQuantile(ys, 0.3));
    const big = [2n ** 40n, -5n, 7n, null, 2n ** 40n + 3n];
    const t = new Table({ v: vectorFromArray(big, new Int64()) });
    const v = fromArrow(t, { npartitions: 3 }).col('v');
    assert.is(await v.median().compute(opts), 7 + (2 ** 40 - 7) * 0.5);
  });
}

test('NaN propagates, nulls are skipped, no values gives null; q outside [0, 1] and strings are errors', async () => {
  const df = fromColumns({ x: [1, NaN, 3], y: [null, null, null], s: ['a', 'b', 'c'] }, { npartitions: 2 });
  const [a, b, c] = await compute(df.col('x').median(), df.col('y').median(), df.filter(df.col('x').gt(100)).col('x').quantile(0.5), { scheduler: 'sync' });
  assert.ok(Number.isNaN(a as number));
  assert.is(b, null);
  assert.is(c, null);
  assert.throws(() => df.col('x').quantile(1.5), /between 0 and 1; got 1.5/);
  assert.throws(() => df.col('x').quantile([]), /at least one/);
  assert.throws(() => df.col('s').quantile(0.5), /needs a numeric column/);
  assert.throws(() => df.col('x').quantile(0.5, { approx: 'yes' as unknown as boolean }), /approx must be true or false/);
  assert.throws(() => df.col('x').quantile(0.5, { aprox: true } as never), /aprox/);
  assert.throws(() => df.quantile(0.5), /does not apply to s/);
});

test('quantile, describe and sum of one frame in one compute(): one scan per column per partition', async () => {
  const df = fromColumns({ x: data(9, 400, 'float') }, { npartitions: 8 });
  const s = df.col('x');
  resetKernelStats();
  await compute(s.quantile(0.3), s.median(), s.sum(), df.describe(), s.quantile(0.9, { approx: true }), { scheduler: 'sync' });
  assert.is(kernelStats.partitionReads, 8);
  assert.is(kernelStats.reductionPasses, 8);
});

/** Is v a value at a rank within `err` of q(n-1) in sorted xs? */
function withinRank(sorted: Float64Array, q: number, v: number, err: number): boolean {
  const t = q * (sorted.length - 1);
  const lo = sorted[Math.max(0, Math.floor(t - err - 1))]!;
  const hi = sorted[Math.min(sorted.length - 1, Math.ceil(t + err + 1))]!;
  return v >= lo && v <= hi;
}

test('the sketch: tracked error never exceeds the stated n(log2(n/K)+2)/K, and every answer is within the tracked error', () => {
  const n = 300_000;
  const r = rng(17);
  const inputs: Record<string, Float64Array> = {
    ascending: Float64Array.from({ length: n }, (_, i) => i),
    descending: Float64Array.from({ length: n }, (_, i) => n - i),
    skewed: Float64Array.from({ length: n }, () => Math.exp(r() * 20)),
    fewValues: Float64Array.from({ length: n }, () => Math.floor(r() * 5)),
  };
  for (const [name, xs] of Object.entries(inputs)) {
    // 13 uneven partials merged in a tree, as a compute() would
    const cuts = [0, 1, 5000, 40_000, 40_001, 90_000, 150_000, 151_000, 200_000, 260_000, 270_000, 299_999, n];
    let parts = cuts.slice(1).map((end, i) => sketchColumn(vectorFromArray(xs.subarray(cuts[i]!, end)).data[0]!));
    while (parts.length > 1) {
      const next = [];
      for (let i = 0; i < parts.length; i += 3) next.push(parts.slice(i, i + 3).reduce((a, b) => mergeSketches(a, b), emptySketch()));
      parts = next;
    }
    const sk = parts[0]!;
    assert.is(sk.n, n);
    const bound = (n * (Math.log2(n / SKETCH_K) + 2)) / SKETCH_K;
    assert.ok(sk.err > 0 && sk.err <= bound, `${name}: tracked error ${sk.err} vs stated bound ${bound}`);
    const sorted = Float64Array.from(xs).sort();
    for (const q of [0, 0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 1]) {
      const v = sketchQuantile(sk, q)!;
      assert.ok(withinRank(sorted, q, v, sk.err), `${name} q=${q}: ${v} not within rank error ${sk.err}`);
    }
  }
});

test('{approx: true}: exact below K values; within the stated bound on 200k values over 16 partitions', async () => {
  const small = data(3, 900, 'float');
  const s1 = fromColumns({ x: small }, { npartitions: 5 }).col('x');
  for (const q of [0.1, 0.5, 0.95]) assertClose(await s1.quantile(q, { approx: true }).compute({ scheduler: 'sync' }), naiveQuantile(small, q), 1e-12, `small q=${q}`);
  const r = rng(4);
  const n = 200_000;
  const xs = Float64Array.from({ length: n }, () => (r() < 0.5 ? r() * 10 : 1000 + r() ** 3 * 1e6));
  const df = fromColumns({ x: xs }, { npartitions: 16 });
  const got = await df.describe({ approx: true }).compute({ scheduler: 'sync' });
  const sorted = Float64Array.from(xs).sort();
  const bound = (n * (Math.log2(n / SKETCH_K) + 2)) / SKETCH_K;
  [0.25, 0.5, 0.75].forEach((q, i) => {
    const v = got.getChild('x')!.get(4 + i) as number;
    assert.ok(withinRank(sorted, q, v, bound), `q=${q}: ${v}`);
  });
  assert.is(got.getChild('x')!.get(0), n);
});

test.run();
