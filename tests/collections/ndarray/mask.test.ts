// Boolean-mask selection on 1-D arrays, x.slice(mask): the elements where the mask is true, in order. The
// result's length is known only once computed, so its chunks are unknown (NaN) until computeChunkSizes().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, compute, NDArray, random } from '../../../src/index.ts';
import { rng, SCHEDULERS } from '../../helpers.ts';

const sync = { scheduler: 'sync' } as const;
const nums = async (x: NDArray): Promise<number[]> => Array.from((await x.compute(sync)).data as ArrayLike<number | bigint>).map(Number);

const r = rng(5);
const N = 1000;
const data = Float64Array.from({ length: N }, () => (r() < 0.03 ? NaN : Math.round((r() - 0.5) * 200) / 4));

test('x.slice(x.gt(c)) equals a naive filter in 1, 7, 1000 and ragged chunks, for all-true, all-false and NaN', async () => {
  for (const chunks of [N, 143, 1, [[500, 0, 1, 499]]] as const) {
    const x = array.fromTypedArray(data, [N], { chunks: chunks as never });
    for (const c of [-Infinity, 0, 10, Infinity]) {
      const got = await nums(x.slice(x.gt(c)));
      assert.equal(got, Array.from(data).filter((v) => v > c), `chunks ${JSON.stringify(chunks)} > ${c}`);
    }
    // NaN: isnan as the mask, and its negation
    assert.is((await nums(x.slice(x.isnan()))).length, Array.from(data).filter(Number.isNaN).length);
    const sel = x.slice(x.isnan().not());
    assert.ok(Number.isNaN(sel.shape[0]!));
    assert.is(sel.numblocks[0], x.numblocks[0], 'one output chunk per input chunk');
    const [s, m] = await compute(sel.sum(), sel.mean(), sync);
    const kept = Array.from(data).filter((v) => !Number.isNaN(v));
    assert.ok(Math.abs((s.data[0] as number) - kept.reduce((a, b) => a + b, 0)) < 1e-9);
    assert.ok(Math.abs((m.data[0] as number) - kept.reduce((a, b) => a + b, 0) / kept.length) < 1e-12);
  }
});

test('a mask from another array (with other chunks) and integer data; cumsum carries across selected blocks', async () => {
  const ints = array.arange(20, { chunks: 6 });
  const mask = array.fromTypedArray(Float64Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [20], { chunks: 7 }).eq(1);
  const picked = ints.slice(mask);
  assert.is(picked.dtype, 'int64');
  assert.equal(await nums(picked), [0, 3, 6, 9, 12, 15, 18]);
  assert.equal(await nums(picked.cumsum(0)), [0, 3, 9, 18, 30, 45, 63]);
  assert.equal(await nums(picked.mul(2).add(picked)), [0, 9, 18, 27, 36, 45, 54], 'element-wise on its own unknown chunks');
  const known = await picked.computeChunkSizes(sync);
  assert.equal(known.shape, [7]);
  assert.equal(known.chunks, [[2, 1, 1, 1, 1, 1]], 'the common refinement of chunks of 6 and 7: 6,1,5,2,4,2');
  assert.equal(await nums(known.slice([-2, null])), [15, 18]);
});

test('random draws selected by a mask are the same on every scheduler', async () => {
  const x = random.generator(3).normal(5000, { chunks: 777 });
  const want = await nums(x.slice(x.gt(1)));
  for (const scheduler of SCHEDULERS) {
    const got = Array.from((await x.slice(x.gt(1)).compute({ scheduler })).data as Float64Array);
    assert.equal(got, want, scheduler);
  }
  assert.ok(want.every((v) => v > 1) && want.length > 500);
});

test('mask errors: not bool, wrong length, not 1-D, mixed with other indices, needs-known operations', () => {
  const x = array.arange(10, { chunks: 3 });
  assert.throws(() => x.slice(x), /a mask must be a bool array \(e\.g\. x\.gt\(0\)\), got dtype int64/);
  assert.throws(() => x.slice(array.ones([9], { dtype: 'bool' })), /mask has length 9 and the array 10/);
  assert.throws(() => array.zeros([2, 5]).slice(array.ones([2], { dtype: 'bool' })), /takes a 1-D array and a 1-D mask, got shapes \(2, 5\) and \(2\)/);
  assert.throws(() => x.slice(x.gt(2), null), /a boolean mask is the only index/);
  const sel = x.slice(x.gt(2));
  assert.throws(() => sel.slice(0), /needs known chunk lengths.*computeChunkSizes/);
  assert.throws(() => sel.add(x), /unknown length in one and 10 in another/);
  assert.throws(() => sel.argmin(), /argmin needs known chunk lengths/);
});

test.run();
