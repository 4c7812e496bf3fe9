// Regressions found by the NumPy differential suite (tests/differential/arrays-numpy.test.ts), pinned by
// hand-worked cases at the collection level. All but the last failed before their fixes; the last pins the
// collection's behaviour (the kernel-level case that failed is in tests/kernels/array/reduce.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, closeExecutors } from '../../../src/index.ts';

test.after(() => closeExecutors());

test('concatenate promotes as NumPy: int32 or int64 with float32 give float64 (float32 lost int64 digits)', async () => {
  const big = array.fromTypedArray(BigInt64Array.of(16777217n, -3n), [2]);
  const f = array.fromTypedArray(Float32Array.of(0.5), [1]);
  const joined = array.concatenate([big, f]);
  assert.is(joined.dtype, 'float64');
  assert.equal(Array.from((await joined.compute({ scheduler: 'sync' })).data as Float64Array), [16777217, -3, 0.5]);
  assert.is(array.concatenate([array.fromTypedArray(Int32Array.of(1), [1]), f]).dtype, 'float64');
  assert.is(array.concatenate([array.fromTypedArray(Uint8Array.of(1), [1]), f]).dtype, 'float32');
});

test('cumsum across an empty block carries the value from before it', async () => {
  const a = array.fromTypedArray(Int32Array.of(1, 2), [2]);
  const empty = array.fromTypedArray(new Int32Array(0), [0]);
  const b = array.fromTypedArray(Int32Array.of(10), [1]);
  for (const parts of [[a, empty, b], [empty, b], [a, empty]]) {
    const want: number[] = [];
    let acc = 0;
    for (const p of parts) for (const v of (await p.compute({ scheduler: 'sync' })).data as Int32Array) want.push((acc += v));
    const got = await array.concatenate(parts).cumsum(0).compute({ scheduler: 'sync' });
    assert.equal(Array.from(got.data as BigInt64Array, Number), want);
  }
});

test('var/std of finite values whose squares overflow are Infinity, not NaN (NumPy: inf)', async () => {
  const x = array.fromTypedArray(Float64Array.of(1e200, -1e200, 3e199, 5), [4]);
  for (const chunks of [4, 2, 1]) {
    const y = x.rechunk(chunks);
    for (const lazy of [y.var(), y.std({ ddof: 1 }), y.nanvar({ axis: 0 })]) assert.is((await lazy.compute({ scheduler: 'sync' })).data[0], Infinity, `chunks ${chunks}`);
  }
  // NaN and infinities still give NaN
  assert.ok(Number.isNaN(Number((await array.fromTypedArray(Float64Array.of(1, Infinity), [2]).var().compute({ scheduler: 'sync' })).data[0])));
});

test('min/argmax over an empty axis raise even when the result has no cells (NumPy)', async () => {
  const e = array.zeros([0, 0], { chunks: [[0], [0]] });
  for (const lazy of [e.min({ axis: 0 }), e.argmax({ axis: 1 }), e.nanmax({ axis: 0 })]) {
    try {
      await lazy.compute({ scheduler: 'sync' });
      assert.unreachable('must raise');
    } catch (err) {
      assert.match(String((err as Error).message), /of an empty array/);
    }
  }
  // a reduced axis that is not empty gives an empty result, as NumPy
  assert.equal((await array.zeros([3, 0]).min({ axis: 0 }).compute({ scheduler: 'sync' })).shape, [0]);
});

test.run();
