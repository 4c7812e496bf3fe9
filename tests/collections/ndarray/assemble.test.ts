// Putting computed blocks together into one array (run.ts): every block layout the kernels produce (strided,
// transposed, reversed, size-1 and empty axes, every dtype) lands where a naive element walk puts it, and
// whole computes (views, chunkings with ragged, one-element and empty chunks, reductions with keepdims and
// 0-d results, int64 sums, NaN) equal naive loops on every scheduler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, type NDArray } from '../../../src/index.ts';
import { copyBlockInto } from '../../../src/collections/ndarray/run.ts';
import { allocate, type AnyTypedArray, type DType } from '../../../src/kernels/array/dtypes.ts';
import { contiguousStrides } from '../../../src/kernels/array/strided.ts';
import { rng, SCHEDULERS } from '../../helpers.ts';

const r = rng(314);
const int = (n: number): number => Math.floor(r() * n);

/** Every index of `shape` in C order. */
function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[]): void => {
    if (prefix.length === shape.length) out.push(prefix);
    else for (let i = 0; i < shape[prefix.length]!; i++) walk([...prefix, i]);
  };
  if (shape.every((n) => n > 0)) walk([]);
  return out;
}

const DTYPES: DType[] = ['float64', 'float32', 'int32', 'int64', 'uint8'];
const valueFor = (dtype: DType, k: number): number | bigint => (dtype === 'int64' ? BigInt(k) * 3n ** 30n - 7n : dtype === 'uint8' ? k % 251 : dtype === 'int32' ? k * 7919 - 40000 : k / 8 - 20);

test('copyBlockInto puts any strided block where a naive walk does, and nothing else changes', () => {
  for (let trial = 0; trial < 400; trial++) {
    const dtype = DTYPES[trial % DTYPES.length]!;
    const nd = int(5); // 0-d to 4-d
    // the block: a view of a bigger base array, each axis maybe reversed, stepped, or of length 0 or 1
    const shape = Array.from({ length: nd }, () => [0, 1, 1, 2, 3, 5, 17, 20][int(8)]!);
    if (trial % 7 === 0) shape.fill(1);
    if (trial % 5 !== 0) shape.forEach((n, i) => (shape[i] = n === 0 ? 1 : n)); // empty blocks now and then
    const steps = shape.map(() => [1, 1, 1, 2, -1, -3][int(6)]!);
    const baseShape = shape.map((n, i) => Math.max(1, n * Math.abs(steps[i]!) + int(3)));
    const baseSize = baseShape.reduce((a, b) => a * b, 1);
    const data = allocate(dtype, baseSize) as { [i: number]: number | bigint } & AnyTypedArray;
    for (let i = 0; i < baseSize; i++) data[i] = valueFor(dtype, i);
    const baseStride = contiguousStrides(baseShape);
    // a transpose now and then: permute the axes of the view
    const perm = Array.from({ length: nd }, (_, i) => i);
    if (trial % 3 === 0) perm.reverse();
    const stride = perm.map((p) => baseStride[p]! * steps[p]!);
    const vshape = perm.map((p) => shape[p]!);
    const vsteps = perm.map((p) => steps[p]!);
    const offset = perm.reduce((s, p, i) => s + (vsteps[i]! < 0 ? (vshape[i]! - 1) * baseStride[p]! * -vsteps[i]! : 0), 0);
    const block = { data, shape: vshape, stride, offset, dtype };
    // the whole array: the block at a random position inside it
    const outShape = vshape.map((n) => n + int(3));
    const start = outShape.map((n, i) => int(n - vshape[i]! + 1));
    const outStrides = contiguousStrides(outShape);
    const outSize = outShape.reduce((a, b) => a * b, 1);
    const out = allocate(dtype, outSize) as { [i: number]: number | bigint } & AnyTypedArray;
    const fill = dtype === 'int64' ? -1n : dtype === 'uint8' ? 255 : -1;
    for (let i = 0; i < outSize; i++) out[i] = fill;
    const want = Array.from({ length: outSize }, () => fill as number | bigint);
    for (const idx of indices(vshape)) {
      const at = idx.reduce((s, v, i) => s + (start[i]! + v) * outStrides[i]!, 0);
      want[at] = data[idx.reduce((s, v, i) => s + v * stride[i]!, offset)]!;
    }
    copyBlockInto(out, outStrides, start.reduce((s, v, i) => s + v * outStrides[i]!, 0), block);
    assert.equal(Array.from(out as ArrayLike<number | bigint>), want, `trial ${trial}: ${dtype} shape (${vshape}) stride (${stride}) in (${outShape}) at (${start})`);
  }
});

test('copyBlockInto keeps NaN payloads, -0 and infinities bit for bit, and converts between dtypes as element assignment does', () => {
  const src = new Float64Array(40);
  const bits = new BigUint64Array(src.buffer);
  for (let i = 0; i < 40; i++) src[i] = [NaN, -0, Infinity, -Infinity, 1.5][i % 5]!;
  bits[0] = 0x7ff8_0000_dead_beefn; // a NaN with a payload
  const out = new Float64Array(allocate('float64', 40).buffer);
  copyBlockInto(out, [1], 0, { data: src, shape: [40], stride: [1], offset: 0, dtype: 'float64' });
  assert.equal(Array.from(new BigUint64Array(out.buffer, 0, 40)), Array.from(bits));
  // a float64 block into an int32 array: truncation, as out[i] = v
  const ints = allocate('int32', 20) as Int32Array;
  const f = Float64Array.from({ length: 20 }, (_, i) => i * 1.75 - 9);
  copyBlockInto(ints, [1], 0, { data: f, shape: [20], stride: [1], offset: 0, dtype: 'float64' });
  assert.equal(Array.from(ints), Array.from(f, (v) => Math.trunc(v)));
});

// ---- whole computes ----

const M = 11, N = 6;
// multiples of 1/8 far from 2^53: every sum is exact whatever the order, so results compare exactly
const data = Float64Array.from({ length: M * N }, (_, i) => ((i * 37) % 23) / 8 - 1.25);
const at = (i: number, j: number): number => data[i * N + j]!;
const CHUNKINGS: unknown[] = [[1, 1], [4, 5], [M, N], [[3, 0, 7, 1], [2, 4]], [[0, 11], [1, 0, 5]]];

const numbersOf = async (x: NDArray, scheduler: string): Promise<number[]> => Array.from((await x.compute({ scheduler } as never)).data as ArrayLike<number | bigint>, Number);

test('views of chunked arrays come back in C order: transposed, reversed, stepped, one row, one element, empty', async () => {
  for (const scheduler of SCHEDULERS) {
    for (const chunks of CHUNKINGS) {
      const x = array.fromTypedArray(data, [M, N], { chunks: chunks as never });
      const what = `${scheduler} chunks ${JSON.stringify(chunks)}`;
      assert.equal(await numbersOf(x, scheduler), Array.from(data), `${what}: whole`);
      const t: number[] = [];
      for (let j = 0; j < N; j++) for (let i = 0; i < M; i++) t.push(at(i, j));
      assert.equal(await numbersOf(x.T, scheduler), t, `${what}: transposed`);
      const rev: number[] = [];
      for (let i = M - 1; i >= 0; i -= 2) for (let j = 1; j < N; j += 3) rev.push(at(i, j));
      assert.equal(await numbersOf(x.slice([null, null, -2], [1, null, 3]), scheduler), rev, `${what}: reversed and stepped`);
      assert.equal(await numbersOf(x.slice(4), scheduler), Array.from({ length: N }, (_, j) => at(4, j)), `${what}: one row`);
      assert.equal(await numbersOf(x.slice(M - 1, 0), scheduler), [at(M - 1, 0)], `${what}: one element (0-d)`);
      assert.equal(await numbersOf(x.slice([3, 3]), scheduler), [], `${what}: empty`);
    }
  }
});

test('sums along each axis equal naive loops: keepdims, 0-d, NaN, every chunking and scheduler', async () => {
  const colSums = Array.from({ length: N }, (_, j) => Array.from({ length: M }, (_, i) => at(i, j)).reduce((s, v) => s + v, 0));
  const rowSums = Array.from({ length: M }, (_, i) => Array.from({ length: N }, (_, j) => at(i, j)).reduce((s, v) => s + v, 0));
  const total = colSums.reduce((s, v) => s + v, 0);
  for (const scheduler of SCHEDULERS) {
    for (const chunks of CHUNKINGS) {
      const x = array.fromTypedArray(data, [M, N], { chunks: chunks as never });
      const what = `${scheduler} chunks ${JSON.stringify(chunks)}`;
      assert.equal(await numbersOf(x.sum({ axis: 0 }), scheduler), colSums, `${what}: axis 0`);
      assert.equal(await numbersOf(x.sum({ axis: 1 }), scheduler), rowSums, `${what}: axis 1`);
      const kd = x.sum({ axis: 0, keepdims: true });
      assert.equal(kd.shape, [1, N]);
      assert.equal(await numbersOf(kd, scheduler), colSums, `${what}: keepdims`);
      const all = await x.sum().compute({ scheduler } as never);
      assert.equal(all.shape, [], `${what}: 0-d`);
      assert.equal(Array.from(all.data as Float64Array), [total], `${what}: all axes`);
      // transposed input: the column sums are now the row sums
      assert.equal(await numbersOf(x.T.sum({ axis: 0 }), scheduler), rowSums, `${what}: transposed axis 0`);
    }
    // NaN in one column poisons that column only; nansum skips it
    const withNaN = Float64Array.from(data);
    withNaN[5 * N + 2] = NaN;
    const y = array.fromTypedArray(withNaN, [M, N], { chunks: [3, 4] });
    const got = await numbersOf(y.sum({ axis: 0 }), scheduler);
    assert.ok(Number.isNaN(got[2]!), `${scheduler}: NaN column`);
    assert.equal(got.filter((_, j) => j !== 2), colSums.filter((_, j) => j !== 2), `${scheduler}: other columns`);
    assert.equal((await numbersOf(y.nansum({ axis: 0 }), scheduler))[2], colSums[2]! - at(5, 2), `${scheduler}: nansum`);
  }
});

test('int64 sums along an axis are exact beyond 2^53, across row chunks, into an int64 result', async () => {
  const rows = 13, cols = 3;
  const big = BigInt64Array.from({ length: rows * cols }, (_, i) => (2n ** 60n) / 16n + BigInt(i) * 1_000_003n - (i % 2 ? 2n ** 58n : 0n));
  const want = Array.from({ length: cols }, (_, j) => {
    let s = 0n;
    for (let i = 0; i < rows; i++) s += big[i * cols + j]!;
    return s;
  });
  for (const scheduler of SCHEDULERS) {
    for (const chunks of [[1, 3], [5, 2], [rows, cols]]) {
      const out = await array.fromTypedArray(big, [rows, cols], { chunks: chunks as never }).sum({ axis: 0 }).compute({ scheduler } as never);
      assert.ok(out.data instanceof BigInt64Array, 'int64 result');
      assert.equal(Array.from(out.data as BigInt64Array), want, `${scheduler} chunks ${chunks}`);
    }
  }
});

test.run();
