// The sign of zero in sums and cumulative sums, as NumPy has it (checked with numpy 1.24 and 2.4):
//   np.sum(np.full(n, -0.0)) is +0.0 for every n (and along any axis, float32 too, nansum too): NumPy's add
//   reduction starts from its identity +0. DuckDB's SUM and pandas' sum give +0.0 as well.
//   np.cumsum(np.full(n, -0.0)) is all -0.0: out[0] = a[0], out[i] = out[i-1] + a[i].
// Array cumsum started each lane at +0 and so gave +0 for every -0 prefix; it now starts at -0 (the IEEE
// additive identity: -0 + x is x for every x, +0 included), so it is NumPy's recurrence whatever the
// chunking. Sums keep +0 (every path pinned here, so the two cannot be confused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, compute, fromColumns } from '../../../src/index.ts';
import { closeExecutors } from '../../../src/scheduler/get-executor.ts';
import { rng } from '../../helpers.ts';

const sync = { scheduler: 'sync' } as const;
const show = (v: number | bigint) => (Object.is(v, -0) ? '-0' : String(v));
const values = (a: { data: ArrayLike<number | bigint> }, n: number) => Array.from({ length: n }, (_, i) => show(a.data[i]!)).join(',');

test('sums of -0.0 are +0.0 in every path (NumPy, DuckDB, pandas)', async () => {
  for (const [n, chunks] of [[1, 1], [2, 1], [9, 4], [100, 7], [100, 100], [1000, 64]] as const) {
    const a = array.fromTypedArray(new Float64Array(n).fill(-0), n, { chunks });
    const f32 = array.fromTypedArray(new Float32Array(n).fill(-0), n, { chunks });
    const where = `${n} values in chunks of ${chunks}`;
    for (const [name, x] of [['sum', a.sum()], ['nansum', a.nansum()], ['fused a*1', a.mul(1).sum()], ['fused a+a', a.add(a).sum()], ['float32', f32.sum()], ['mean', a.mean()]] as const) {
      assert.is(show((await x.compute(sync)).data[0]!), '0', `${where}: ${name}`);
    }
  }
  const m = array.fromTypedArray(new Float64Array(12).fill(-0), [3, 4], { chunks: [2, 2] });
  assert.is(values(await m.sum({ axis: 0 }).compute(sync), 4), '0,0,0,0');
  assert.is(values(await m.sum({ axis: 1 }).compute(sync), 3), '0,0,0');
  const df = fromColumns({ x: [-0, -0, -0], g: [1, 1, 2] }, { npartitions: 2 });
  assert.is(show(Number((await compute(df.col('x').sum(), sync))[0])), '0', 'frame sum');
  const g = await df.groupby('g').agg({ x: 'sum' }).compute(sync);
  assert.is([...g.getChild('x')!].map(show).join(','), '0,0', 'groupby sum');
});

/** NumPy's cumsum: the first value as it is, then each running total plus the next value. */
function naiveCumsum(v: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) out.push(i === 0 ? v[0]! : out[i - 1]! + v[i]!);
  return out;
}

test('cumsum keeps -0.0 as NumPy does (all -0: all -0), whatever the chunking', async () => {
  for (const chunks of [1, 2, 3, 6]) {
    const a = array.fromTypedArray(new Float64Array(6).fill(-0), 6, { chunks });
    assert.is(values(await a.cumsum(0).compute(sync), 6), '-0,-0,-0,-0,-0,-0', `chunks of ${chunks}`);
    const f = array.fromTypedArray(new Float32Array(6).fill(-0), 6, { chunks });
    assert.is(values(await f.cumsum(0).compute(sync), 6), '-0,-0,-0,-0,-0,-0', `float32, chunks of ${chunks}`);
  }
  // np.cumsum([-0., 0., -0.]) is [-0., 0., 0.]; np.cumsum([0., -0.]) is [0., 0.]
  assert.is(values(await array.fromTypedArray(Float64Array.of(-0, 0, -0), 3, { chunks: 1 }).cumsum(0).compute(sync), 3), '-0,0,0');
  assert.is(values(await array.fromTypedArray(Float64Array.of(0, -0), 2, { chunks: 1 }).cumsum(0).compute(sync), 2), '0,0');
  // Two axes, blocks of 2x2: each lane starts with its own -0.
  const m = array.fromTypedArray(Float64Array.of(-0, -0, 1, -0, -0, -0, -0, -1, -0, 2, -0, -0), [3, 4], { chunks: [2, 2] });
  assert.is(values(await m.cumsum(0).compute(sync), 12), '-0,-0,1,-0,-0,-0,1,-1,-0,2,1,-1');
  assert.is(values(await m.cumsum(1).compute(sync), 12), '-0,-0,1,1,-0,-0,-0,-1,-0,2,2,2');
});

test('frame cumsum keeps -0.0 across partitions (pandas: np.cumsum per column)', async () => {
  for (const npartitions of [1, 2, 4]) {
    const df = fromColumns({ x: [-0, -0, -0, -0.0, 0, -0] }, { npartitions });
    const got = [...(await df.col('x').cumsum().compute(sync))].map((v) => show(v as number)).join(',');
    assert.is(got, '-0,-0,-0,-0,0,0', `${npartitions} partitions`);
  }
});

test('cumsum equals the naive recurrence bit for bit on ±0, NaN, ±Inf and small values, any chunking', async () => {
  const r = rng(20261202);
  const pool = [-0, 0, -0, 0.5, -0.5, 1, -1, NaN, Infinity, -Infinity, 1e-300, -1e-300];
  for (let round = 0; round < 30; round++) {
    const n = 1 + Math.floor(r() * 40);
    const v = Float64Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]!);
    const want = naiveCumsum(v).map(show).join(',');
    for (const chunks of [1, 3, n]) {
      const got = await array.fromTypedArray(v, n, { chunks }).cumsum(0).compute(sync);
      assert.is(values(got, n), want, `round ${round}, chunks of ${chunks}: ${Array.from(v, show).join(',')}`);
    }
  }
});

test.after(async () => {
  await closeExecutors();
});

test.run();
