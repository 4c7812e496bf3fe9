// A reduction over all axes of an element-wise array is evaluated a slice at a time without making the
// blocks (array.reduce-expr). It must equal reducing the materialised element-wise array, for every
// reduction, across slice and chunk edges, with NaN, ints, bools, empty arrays and broadcasting (not fused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, NDArray } from '../../../src/index.ts';
import { rng } from '../../helpers.ts';

const sync = { scheduler: 'sync' } as const;
const value = async (x: NDArray): Promise<number | bigint> => (await x.compute(sync)).data[0] as number | bigint;
const materialised = async (x: NDArray): Promise<NDArray> => {
  const v = await x.compute(sync);
  return array.fromTypedArray(v.data as Float64Array, x.shape, { chunks: -1, dtype: x.dtype });
};

const r = rng(77);
const N = 70_001; // more than two 32768-element slices
const data = Float64Array.from({ length: N }, (_, i) => (i % 9973 === 5 ? NaN : 1e8 + Math.round((r() - 0.5) * 1000) / 16));

test('every reduction of an element-wise chain equals the reduction of its materialised values', async () => {
  for (const [shape, chunks] of [[[N], [40_000]], [[7, 10_000], [3, 5000]]] as const) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = array.fromTypedArray(data.slice(0, size), [...shape], { chunks: [...chunks] });
    const exprs: Array<[string, NDArray]> = [
      ['x*2-1e8', x.mul(2).sub(1e8)],
      ['exp(sin)', x.sin().exp()],
      ['x > 1e8', x.gt(1e8)],
      ['isnan', x.isnan()],
      ['int64', x.isnan().astype('int64').mul(7).add(x.gt(1e8).astype('int64'))],
    ];
    for (const [what, e] of exprs) {
      const m = await materialised(e);
      for (const name of ['sum', 'mean', 'var', 'min', 'max', 'nansum', 'nanmean', 'nanstd', 'nanmax', 'any', 'all', 'prod'] as const) {
        if ((e.dtype === 'bool' || e.dtype === 'int64') && name === 'prod') continue;
        const got = await value(e[name]());
        const want = await value(m[name]());
        if (typeof want === 'bigint') assert.is(got, want, `${what} ${name} ${shape}`);
        else if (Number.isNaN(want)) assert.ok(Number.isNaN(got as number), `${what} ${name} ${shape}: NaN`);
        else assert.ok(Math.abs((got as number) - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what} ${name} ${shape}: ${got} vs ${want}`);
      }
    }
  }
});

test('empty, broadcast (not fused) and per-axis reductions still agree; argmin stays exact', async () => {
  const empty = array.zeros([0], { chunks: 5 });
  assert.is(await value(empty.add(1).sum()), 0);
  assert.ok(Number.isNaN((await value(empty.add(1).mean())) as number));
  const a = array.fromTypedArray(data.slice(0, 600), [20, 30], { chunks: [7, 11] });
  const row = array.fromTypedArray(data.slice(0, 30), [30], { chunks: 11 });
  const b = a.sub(row);
  const mb = await materialised(b);
  assert.ok(Math.abs(((await value(b.nansum())) as number) - ((await value(mb.nansum())) as number)) < 1e-6);
  assert.is(await value(a.mul(-1).argmin()), await value((await materialised(a.mul(-1))).argmin()));
});

test.run();
