// array.blockwise: user functions over lined-up blocks named by index letters (dask.array.blockwise), with
// contraction over letters missing from the output, plain values, newAxes and adjustChunks, on every scheduler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type ndarray from 'ndarray';
import { array, fromColumns, NDArray, udf, type SchedulerName } from '../../../src/index.ts';
import { assertClose, rng, SCHEDULERS } from '../../helpers.ts';

type Nd = ndarray.NdArray<Float64Array>;
const run = async (x: NDArray, scheduler: SchedulerName = 'sync'): Promise<number[]> => Array.from((await x.compute({ scheduler })).data as ArrayLike<number | bigint>).map(Number);

const r = rng(8);
const M = 9, K = 7, N = 5;
const A = Float64Array.from({ length: M * K }, () => Math.round((r() - 0.5) * 40) / 4);
const B = Float64Array.from({ length: K * N }, () => Math.round((r() - 0.5) * 40) / 4);
const a = array.fromTypedArray(A, [M, K], { chunks: [4, 3] });
const b = array.fromTypedArray(B, [K, N], { chunks: [2, 5] });

// self-contained functions (no free variables), so they ship to workers by source
function addScaled(x: Nd, y: Nd, k: number): Float64Array {
  const out = new Float64Array(x.shape[0]! * x.shape[1]!);
  for (let i = 0; i < x.shape[0]!; i++) for (let j = 0; j < x.shape[1]!; j++) out[i * x.shape[1]! + j] = x.get(i, j) + k * y.get(i, j);
  return out;
}
function blockMatmul(x: Nd, y: Nd): Float64Array {
  const [m, k] = x.shape as [number, number];
  const n = y.shape[1]!;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += x.get(i, p) * y.get(p, j);
    out[i * n + j] = s;
  }
  return out;
}

test('element-wise aligned blocks, with a plain value: equals the naive loop; other chunks are lined up', async () => {
  const a2 = array.fromTypedArray(A, [M, K], { chunks: [2, 7] });
  const z = array.blockwise(addScaled, 'ij', a, 'ij', a2, 'ij', 0.5, null);
  assert.equal(z.chunks, [[2, 2, 2, 2, 1], [3, 3, 1]], 'the common refinement of both chunkings');
  assert.equal(await run(z), Array.from(A, (v) => v + 0.5 * v));
});

test('contraction over a letter missing from the output (given whole, as concatenate=True) gives a @ b', async () => {
  const c = array.blockwise(blockMatmul, 'ik', a, 'ij', b, 'jk', { dtype: 'float64' });
  assert.equal(c.shape, [M, N]);
  assert.equal(c.chunks, [[4, 4, 1], [5]]);
  const want = await run(a.matmul(b));
  for (const scheduler of SCHEDULERS) (await run(c, scheduler)).forEach((v, i) => assertClose(v, want[i]!, 1e-12, `${scheduler} [${i}]`));
});

test('transposed letters, an outer product by broadcasting letters, newAxes and adjustChunks', async () => {
  const t = array.blockwise((x: Nd) => {
    const out = new Float64Array(x.shape[0]! * x.shape[1]!);
    for (let i = 0; i < x.shape[1]!; i++) for (let j = 0; j < x.shape[0]!; j++) out[i * x.shape[0]! + j] = x.get(j, i);
    return out;
  }, 'ji', a, 'ij');
  assert.equal(t.shape, [K, M]);
  assert.equal(await run(t), await run(a.T));
  const u = array.arange(4, { chunks: 3 }).astype('float64'), v = array.linspace(1, 3, 3, { chunks: 2 });
  const outer = array.blockwise((p: Nd, q: Nd) => {
    const out = new Float64Array(p.shape[0]! * q.shape[0]!);
    for (let i = 0; i < p.shape[0]!; i++) for (let j = 0; j < q.shape[0]!; j++) out[i * q.shape[0]! + j] = p.get(i) * q.get(j);
    return out;
  }, 'ij', u, 'i', v, 'j');
  assert.equal(await run(outer), [0, 0, 0, 1, 2, 3, 2, 4, 6, 3, 6, 9]);
  // per row block: its sums, repeated along a new axis of length 2
  const sums = array.blockwise((x: Nd) => {
    let s = 0;
    for (let i = 0; i < x.shape[0]!; i++) for (let j = 0; j < x.shape[1]!; j++) s += x.get(i, j);
    return Float64Array.of(s, s);
  }, 'ib', a, 'ij', { newAxes: { b: 2 }, adjustChunks: { i: 1 } });
  assert.equal(sums.shape, [3, 2]);
  const want = [0, 4, 8].map((r0) => A.slice(r0 * K, Math.min(M, r0 + 4) * K).reduce((p, q) => p + q, 0));
  (await run(sums)).forEach((got, i) => assertClose(got, want[Math.floor(i / 2)]!, 1e-12, `sum ${i}`));
});

test('a module function, params, and unknown row chunks from df.toArray() pass through', async () => {
  const f = udf(new URL('./fixtures/array-udfs.ts', import.meta.url).href, 'scaleBy');
  for (const scheduler of SCHEDULERS) assert.equal(await run(array.blockwise(f, 'ij', a, 'ij', { params: { k: 3 } }), scheduler), Array.from(A, (x) => 3 * x), scheduler);
  // rows of unknown length: a flat typed array result takes the rows that are left
  const x = fromColumns({ p: [1, 2, 3, 4, 5], q: [6, 7, 8, 9, 10] }, { npartitions: 2 }).toArray(['p', 'q'], { dtype: 'float64' });
  const y = array.blockwise(f, 'ij', x, 'ij', { params: { k: 2 } });
  assert.ok(Number.isNaN(y.shape[0]!));
  assert.equal(await run(y), [2, 12, 4, 14, 6, 16, 8, 18, 10, 20]);
});

test('errors name the letter, the lengths or the pair that is wrong; a block of the wrong shape fails when run', async () => {
  assert.throws(() => array.blockwise(addScaled, 'ij', a, 'ij', b, 'ij', 1, null), /index 'i' has length 9 in one array and 7 in another/);
  assert.throws(() => array.blockwise(addScaled, 'ik', a, 'ij'), /output index 'k' is in no input; give its length with \{newAxes: \{k: n\}\}/);
  assert.throws(() => array.blockwise(addScaled, 'ii', a, 'ij'), /repeats a letter/);
  assert.throws(() => array.blockwise(addScaled, 'ij', a, 'i'), /has 2 axes but index 'i' names 1/);
  assert.throws(() => array.blockwise(addScaled, 'ij', a, 'ij', 3, 'i'), /must be null/);
  assert.throws(() => array.blockwise(addScaled, 'ij', a, 'ij', { dtpye: 'float64' }), /unknown option 'dtpye'/);
  assert.throws(() => array.blockwise(addScaled, 'ij', 3, null), /at least one NDArray/);
  assert.throws(() => array.blockwise(addScaled, 'ij', a, 'ij', { adjustChunks: { k: 1 } }), /'k', which is not in the output index/);
  const wrong = array.blockwise(() => new Float64Array(5), 'ij', a, 'ij');
  try {
    await wrong.compute({ scheduler: 'sync' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /blockwise: the function returned a block of shape \(5\) where \(4, 3\) was declared/);
  }
  // a closure with a free variable cannot be shipped to workers: said before anything runs
  const k = 2;
  const closure = array.blockwise((x: Nd) => x.data.map((v) => v * k), 'ij', a, 'ij');
  try {
    await closure.compute({ scheduler: 'threads' });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /k/);
    assert.match((e as Error).message, /params|udf/);
  }
});

test.run();
