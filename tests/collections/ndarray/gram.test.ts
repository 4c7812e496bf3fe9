// x.T @ x recognised in the graph (the left operand is the transpose node of the right one): diagonal blocks
// by syrk, blocks below the diagonal mirrored; against a naive loop, exactly symmetric, on sync and threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, closeExecutors, compute, type NDArray } from '../../../src/index.ts';
import { cholesky } from '../../../src/kernels/array/linalg.ts';
import { syrk } from '../../../src/kernels/array/gemm.ts';
import { view } from '../../../src/kernels/array/strided.ts';
import { rejects, rng } from '../../helpers.ts';

test.after(() => closeExecutors());

function naiveGram(x: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let p = 0; p < rows; p++) s += x[p * cols + i]! * x[p * cols + j]!;
    g[i * cols + j] = s;
  }
  return g;
}

function sameWithin(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (Number.isNaN(w) || !Number.isFinite(w)) assert.ok(Object.is(g, w), `${what}[${i}]: ${g} vs ${w}`);
    else assert.ok(Math.abs(g - w) <= rel * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g} vs ${w}`);
  }
}

const values = async (x: NDArray, scheduler: 'sync' | 'threads'): Promise<Float64Array> => (await x.compute({ scheduler })).data as Float64Array;

test('x.T @ x over row and column chunkings equals the naive loop and is exactly symmetric (sync, threads)', async () => {
  const r = rng(31);
  for (const [rows, cols, chunks] of [[9, 5, [2, 2]], [40, 7, [10, 7]], [13, 6, [[1, 12], [1, 4, 1]]], [1, 1, [1, 1]], [30, 11, [7, 3]]] as const) {
    const xs = Float64Array.from({ length: rows * cols }, () => r() * 2 - 1);
    const x = array.fromTypedArray(xs, [rows, cols], { chunks: chunks as never });
    const gram = x.T.matmul(x, { splitEvery: 2 });
    // (with one column block, linear chains are fused and explain() counts them as tessera.chain)
    if (x.numblocks[1]! > 1) assert.match(gram.explain(), /array\.syrk/, 'the Gram form is found in the graph');
    const want = naiveGram(xs, rows, cols);
    for (const scheduler of ['sync', 'threads'] as const) {
      const got = await values(gram, scheduler);
      sameWithin(got, want, 1e-12, `(${rows}, ${cols}) chunks ${JSON.stringify(chunks)} ${scheduler}`);
      for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) assert.is(got[i * cols + j], got[j * cols + i], `symmetric [${i},${j}] ${scheduler}`);
    }
  }
});

test('x.T @ x propagates NaN and infinities like the naive loop', async () => {
  const xs = Float64Array.from({ length: 8 * 3 }, (_, i) => (i % 5) - 2);
  xs[4] = NaN; // row 1, column 1
  xs[9] = Infinity; // row 3, column 0
  const x = array.fromTypedArray(xs, [8, 3], { chunks: [3, 2] });
  sameWithin(await values(x.T.matmul(x), 'sync'), naiveGram(xs, 8, 3), 1e-12, 'NaN / Inf');
});

test('only the structural Gram form takes the symmetric path: equal values from another node do not', async () => {
  const r = rng(7);
  const xs = Float64Array.from({ length: 12 * 4 }, () => r());
  const x = array.fromTypedArray(xs, [12, 4], { chunks: [5, 4] });
  // y holds the same values but is a different array in the graph: a general product
  const y = array.fromTypedArray(xs.slice(), [12, 4], { chunks: [5, 4] });
  const plan = x.T.matmul(y).explain();
  assert.not.match(plan, /array\.syrk/);
  sameWithin(await values(x.T.matmul(y), 'sync'), naiveGram(xs, 12, 4), 1e-12, 'x.T @ y');
  // a transpose over a rechunked x is a different node too
  const z = x.rechunk([3, 4]);
  assert.not.match(x.T.matmul(z).explain(), /array\.syrk/);
  sameWithin(await values(x.T.matmul(z), 'sync'), naiveGram(xs, 12, 4), 1e-12, 'x.T @ rechunked x');
  // and x @ x.T (the transpose on the right) is a different product: correct, not taken for a Gram of x
  const outer = await values(x.matmul(x.T), 'sync');
  for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) {
    let s = 0;
    for (let p = 0; p < 4; p++) s += xs[i * 4 + p]! * xs[j * 4 + p]!;
    assert.ok(Math.abs(outer[i * 12 + j]! - s) < 1e-12, `x @ x.T [${i},${j}]`);
  }
});

/** The sum the graph made before partials were packed: full syrk of each row block, added in trees of `width`. */
function fullPartialTree(xs: Float64Array, rowChunks: readonly number[], cols: number, width: number): Float64Array {
  let level: Float64Array[] = [];
  let at = 0;
  for (const rows of rowChunks) {
    level.push(syrk(view(xs.subarray(at * cols, (at + rows) * cols), [rows, cols])).data);
    at += rows;
  }
  while (level.length > 1) {
    const next: Float64Array[] = [];
    for (let i = 0; i < level.length; i += width) {
      const group = level.slice(i, i + width);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const out = new Float64Array(cols * cols);
      for (const g of group) for (let e = 0; e < out.length; e++) out[e] += g[e]!;
      next.push(out);
    }
    level = next;
  }
  return level[0]!;
}

// (several row blocks take the packed path: array.syrk-packed leaves, array.add-unpack-upper at the root)
test('the packed upper-triangle partials give the same bits as summing full syrk partials (sync, threads)', async () => {
  const r = rng(11);
  for (const [rows, cols, rowChunks, width] of [[50, 9, [7, 7, 7, 7, 7, 7, 8], 3], [21, 4, [10, 1, 10], 8], [300, 37, [100, 100, 100], 2], [6, 1, [3, 3], 2]] as const) {
    const xs = Float64Array.from({ length: rows * cols }, () => r() * 2 - 1);
    xs[5] = -0;
    const x = array.fromTypedArray(xs, [rows, cols], { chunks: [rowChunks as unknown as number[], [cols]] as never });
    const gram = x.T.matmul(x, { splitEvery: width });
    const want = fullPartialTree(xs, rowChunks, cols, width);
    for (const scheduler of ['sync', 'threads'] as const) {
      const got = await values(gram, scheduler);
      assert.ok(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer)), `(${rows}, ${cols}) in ${rowChunks.length} row blocks, splitEvery ${width}, ${scheduler}`);
    }
  }
});

// cholesky(x.T @ x) of a Gram block summed from packed partials reads those partials itself (array.cholesky-packed)
test('cholesky(x.T @ x) from the packed partials gives the bits of cholesky of the computed G, alone or with G (sync, threads)', async () => {
  const r = rng(12);
  for (const [rows, cols, rowChunks, width] of [[50, 9, [7, 7, 7, 7, 7, 7, 8], 3], [21, 4, [10, 1, 10], 8], [400, 137, [100, 100, 100, 100], 2], [700, 130, [70, 70, 70, 70, 70, 70, 70, 70, 70, 70], 8], [6, 1, [3, 3], 2]] as const) {
    const xs = Float64Array.from({ length: rows * cols }, () => r() * 2 - 1);
    xs[5] = -0;
    const x = array.fromTypedArray(xs, [rows, cols], { chunks: [rowChunks as unknown as number[], [cols]] as never });
    const gram = x.T.matmul(x, { splitEvery: width });
    const l = array.linalg.cholesky(gram);
    assert.match(l.explain(), /1 array\.cholesky-packed/, 'the factorisation takes the packed partials');
    const g = await values(gram, 'sync');
    const want = cholesky(view(g, [cols, cols])).data;
    const what = `(${rows}, ${cols}) in ${rowChunks.length} row blocks, splitEvery ${width}`;
    for (const scheduler of ['sync', 'threads'] as const) {
      const alone = await values(l, scheduler);
      assert.ok(Buffer.from(alone.buffer, alone.byteOffset, alone.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `${what}, ${scheduler}, L alone`);
      const [gv, lv] = await compute(gram, l, { scheduler });
      assert.equal(gv.data, g, `${what}, ${scheduler}: G beside L`);
      assert.equal(lv.data, want, `${what}, ${scheduler}: L beside G`);
    }
  }
  // a matrix that is not positive definite fails the same way through the packed path
  const neg = array.fromTypedArray(Float64Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 1 : 0)), [6, 2], { chunks: [[3, 3], [2]] });
  await rejects(array.linalg.cholesky(neg.T.matmul(neg)).compute({ scheduler: 'sync' }), /not positive definite \(pivot 1 is 0\)/);
});

test.run();
