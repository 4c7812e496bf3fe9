// NDArray on the sync scheduler: every operation against a naive reference over the same values, over
// several chunkings (1-element chunks, ragged last chunks, one chunk), with NaN and empty arrays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ndarray from 'ndarray';
import { array, compute, fromColumns, NDArray } from '../../src/index.ts';
import { assertClose, rng } from '../helpers.ts';

const sync = { scheduler: 'sync' } as const;
const values = async (x: NDArray): Promise<Array<number | bigint>> => Array.from((await x.compute(sync)).data as ArrayLike<number | bigint>);
const nums = async (x: NDArray): Promise<number[]> => (await values(x)).map(Number);

function closeAll(got: number[], want: number[], what: string, rel = 1e-12): void {
  assert.is(got.length, want.length, `${what}: length`);
  got.forEach((g, i) => assertClose(g, want[i]!, rel, `${what}[${i}]`));
}

const r = rng(21);
const M = 7, N = 5;
const data = Float64Array.from({ length: M * N }, () => (r() < 0.05 ? NaN : Math.round((r() - 0.5) * 100) / 8));
const CHUNKINGS = [[1, 1], [3, 2], [7, 5], [[2, 5], [4, 1]]] as const;

test('metadata is known at build time', () => {
  const x = array.fromTypedArray(data, [M, N], { chunks: [3, 2] });
  assert.equal(x.shape, [7, 5]);
  assert.equal(x.chunks, [[3, 3, 1], [2, 2, 1]]);
  assert.equal(x.numblocks, [3, 3]);
  assert.is(x.ndim, 2);
  assert.is(x.size, 35);
  assert.is(x.nbytes, 280);
  assert.is(x.dtype, 'float64');
  assert.equal(array.zeros([1000, 1000], { chunks: '1MiB' }).chunks[0]!.length, 8, "'1MiB' gives 8 blocks of 125 rows");
  assert.throws(() => array.fromTypedArray(data, [6, 6]), /holds 36 values but the data has 35/);
  assert.throws(() => array.zeros([4], { chunks: [[1, 2]] }), /summing to its length 4/);
  assert.throws(() => array.zeros([4], { chunks: 'lots' }), /not understood/);
});

test('compute() returns an ndarray over shared memory', async () => {
  const out = await array.arange(6, { chunks: 4 }).compute(sync);
  assert.equal(out.shape, [6]);
  assert.ok(out.data.buffer instanceof SharedArrayBuffer);
  assert.equal(Array.from(out.data as BigInt64Array), [0n, 1n, 2n, 3n, 4n, 5n]);
  const nd = await array.fromNdarray(ndarray(Float64Array.from([1, 2, 3, 4]), [2, 2]).transpose(1, 0), { chunks: 1 }).compute(sync);
  assert.equal(Array.from(nd.data as Float64Array), [1, 3, 2, 4]);
});

test('constructors: full, ones, eye, arange, linspace, concatenate, stack', async () => {
  assert.equal(await nums(array.full([2, 2], 7, { chunks: 1 })), [7, 7, 7, 7]);
  assert.equal(await nums(array.eye(3, { chunks: 2, k: 1 })), [0, 1, 0, 0, 0, 1, 0, 0, 0]);
  assert.equal(await nums(array.arange(2, 11, 3, { chunks: 2 })), [2, 5, 8]);
  assert.equal(await nums(array.linspace(0, 1, 5, { chunks: 2 })), [0, 0.25, 0.5, 0.75, 1]);
  const a = array.fromTypedArray(Float64Array.from([1, 2, 3, 4]), [2, 2], { chunks: 1 });
  const b = array.fromTypedArray(Int32Array.from([5, 6]), [1, 2]);
  const c = array.concatenate([a, b], 0);
  assert.equal(c.shape, [3, 2]);
  assert.is(c.dtype, 'float64');
  assert.equal(await nums(c), [1, 2, 3, 4, 5, 6]);
  assert.equal(await nums(array.stack([a, a.mul(10)], 1)), [1, 2, 10, 20, 3, 4, 30, 40]);
  assert.throws(() => array.concatenate([a, array.zeros([2, 3])], 0), /differ outside axis 0/);
});

test('element-wise: broadcasting and a fused chain equal a naive loop on every chunking', async () => {
  const row = Float64Array.from({ length: N }, (_, j) => j - 2);
  for (const chunks of CHUNKINGS) {
    const x = array.fromTypedArray(data, [M, N], { chunks: chunks as never });
    const y = array.fromTypedArray(row, [N], { chunks: 2 });
    const expr = x.exp().add(x.sin().mul(3)).sub(y.abs()).div(2);
    const want = Array.from(data, (v, i) => (Math.exp(v) + 3 * Math.sin(v) - Math.abs(row[i % N]!)) / 2);
    closeAll(await nums(expr), want, `chunks ${JSON.stringify(chunks)}`);
  }
  // one node for the whole chain, reading x once
  const x = array.fromTypedArray(data, [M, N], { chunks: 3 });
  const chain = x.exp().add(x.sin().mul(3));
  assert.is(chain.node.kind, 'elementwise');
  assert.is((chain.node as unknown as { inputs: unknown[] }).inputs.length, 1);
  assert.throws(() => x.add(array.zeros([3])), /shapes \(7, 5\) and \(3\) do not broadcast/);
});

test('element-wise: scalars and 0-d on either side, comparisons, where, clip, isnan, astype', async () => {
  const x = array.fromTypedArray(Float64Array.from([-2, 0.5, NaN, 3]), [4], { chunks: 3 });
  assert.equal(await nums(x.gt(0)), [0, 1, 0, 1]);
  assert.equal(await nums(x.isnan()), [0, 0, 1, 0]);
  assert.equal((await nums(array.where(x.gt(0), x, 0))).map(String), ['0', '0.5', '0', '3']);
  assert.equal((await nums(x.clip(0, 1))).map(String), ['0', '0.5', 'NaN', '1']);
  assert.equal(await nums(array.full([], 10).sub(array.arange(3))), [10, 9, 8]);
  const ints = array.arange(5, { chunks: 2 }).astype('int32');
  assert.is(ints.dtype, 'int32');
  assert.is(ints.add(1).dtype, 'int32');
  assert.is(ints.div(2).dtype, 'float64');
  assert.equal(await nums(ints.mod(3)), [0, 1, 2, 0, 1]);
  assert.equal(await nums(array.arange(4).pow(2)), [0, 1, 4, 9]);
});

test('reductions over any axes equal the one-chunk result and a naive loop', async () => {
  const whole = array.fromTypedArray(data, [M, N], { chunks: [M, N] });
  const names = ['sum', 'prod', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax', 'any', 'all', 'nansum', 'nanmean', 'nanvar', 'nanstd', 'nanmin', 'nanmax'] as const;
  const ddofOf = (name: string) => (name.includes('var') || name.includes('std') ? 1 : undefined);
  const wants = new Map<string, number[]>();
  for (const name of names) {
    for (const axis of [0, 1, null, [0, 1], -1]) wants.set(`${name}${axis}`, await nums((whole[name] as (o: object) => NDArray)({ axis, ddof: ddofOf(name) })));
  }
  for (const [c, chunks] of CHUNKINGS.entries()) {
    const x = array.fromTypedArray(data, [M, N], { chunks: chunks as never });
    for (const name of names) {
      for (const axis of [0, 1, null, [0, 1], -1]) {
        const splitEvery = 2 + (c % 2) * 6;
        const got = await nums((x[name] as (o: object) => NDArray)({ axis, ddof: ddofOf(name), splitEvery }));
        closeAll(got, wants.get(`${name}${axis}`)!, `${name} axis ${JSON.stringify(axis)} chunks ${JSON.stringify(chunks)} splitEvery ${splitEvery}`, 1e-11);
      }
    }
  }
  // naive references for a few
  const col = (j: number) => Array.from({ length: M }, (_, i) => data[i * N + j]!);
  const sums = Array.from({ length: N }, (_, j) => col(j).reduce((s, v) => s + v, 0));
  closeAll(await nums(array.fromTypedArray(data, [M, N], { chunks: 2 }).sum({ axis: 0 })), sums, 'sum axis 0 naive');
  const nanmax = Array.from({ length: N }, (_, j) => Math.max(...col(j).filter((v) => !Number.isNaN(v))));
  closeAll(await nums(array.fromTypedArray(data, [M, N], { chunks: 2 }).nanmax({ axis: 0 })), nanmax, 'nanmax naive');
  const kd = array.fromTypedArray(data, [M, N], { chunks: 2 }).mean({ axis: 1, keepdims: true });
  assert.equal(kd.shape, [M, 1]);
});

test('reductions: exact int64 sums, 1e8 offset variance, empty chunks, empty min error', async () => {
  const big = array.full([3_000_000], 2147483647, { dtype: 'int32', chunks: 700_000 });
  assert.equal(await values(big.sum()), [2147483647n * 3_000_000n]);
  const off = Float64Array.from({ length: 1001 }, (_, i) => 1e8 + (i % 10));
  const m = off.reduce((s, v) => s + (v - 1e8), 0) / off.length;
  const want = off.reduce((s, v) => s + (v - 1e8 - m) ** 2, 0) / (off.length - 1);
  for (const chunks of [1001, 7, 1]) {
    const got = (await nums(array.fromTypedArray(off, [1001], { chunks }).var({ ddof: 1 })))[0]!;
    assertClose(got, want, 1e-12, `var 1e8 chunks ${chunks}`);
  }
  const withEmpty = array.fromTypedArray(Float64Array.from([1, 2, 3]), [3], { chunks: [[0, 2, 0, 1]] });
  assert.equal(await nums(withEmpty.sum()), [6]);
  assert.equal(await nums(withEmpty.argmax()), [2]);
  const empty = array.zeros([0], { chunks: 1 });
  assert.equal(await nums(empty.sum()), [0]);
  try {
    await empty.min().compute(sync);
    assert.unreachable('min of an empty array must fail');
  } catch (e) {
    assert.match(String((e as Error).message), /min of an empty array/);
  }
});

test('cumsum/cumprod carry across chunk boundaries', async () => {
  const xs = Float64Array.from({ length: 10 }, (_, i) => i + 1);
  let s = 0, p = 1;
  const cs = Array.from(xs, (v) => (s += v));
  const cp = Array.from(xs, (v) => (p *= v));
  for (const chunks of [1, 3, 10]) {
    const x = array.fromTypedArray(xs, [10], { chunks });
    closeAll(await nums(x.cumsum(0)), cs, `cumsum chunks ${chunks}`);
    closeAll(await nums(x.cumprod(0)), cp, `cumprod chunks ${chunks}`);
  }
  const m = array.fromTypedArray(data.map((v) => (Number.isNaN(v) ? 0 : v)), [M, N], { chunks: [3, 2] });
  const one = array.fromTypedArray(data.map((v) => (Number.isNaN(v) ? 0 : v)), [M, N], { chunks: [M, N] });
  closeAll(await nums(m.cumsum(1)), await nums(one.cumsum(1)), 'cumsum axis 1');
  closeAll(await nums(m.cumsum(0)), await nums(one.cumsum(0)), 'cumsum axis 0');
});

test('slicing, transpose, reshape, squeeze, expandDims, rechunk by hand-worked cases', async () => {
  const x = array.arange(12, { chunks: 5 }).reshape([12]).rechunk(4).astype('float64');
  const m = array.fromTypedArray(Float64Array.from({ length: 12 }, (_, i) => i), [3, 4], { chunks: [2, 3] });
  assert.equal(await nums(x.slice([2, 9, 3])), [2, 5, 8]);
  assert.equal(await nums(x.slice([null, null, -4])), [11, 7, 3]);
  assert.equal(await nums(x.slice([-3, null])), [9, 10, 11]);
  assert.equal(await nums(x.slice([5, 2])), []);
  assert.equal(await nums(m.slice(1)), [4, 5, 6, 7]);
  assert.equal(await nums(m.slice(null, -1)), [3, 7, 11]);
  assert.equal(await nums(m.slice([null, null, -1], [1, 3])), [9, 10, 5, 6, 1, 2]);
  assert.throws(() => m.slice(3), /index 3 is out of bounds for axis 0 of length 3/);
  assert.equal(await nums(m.T), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.equal(await nums(m.transpose([1, 0]).slice(0)), [0, 4, 8]);
  assert.equal(m.rechunk([1, 4]).chunks, [[1, 1, 1], [4]]);
  assert.equal(await nums(m.rechunk([1, 4])), await nums(m));
  assert.equal(await nums(m.rechunk(-1).reshape([2, 6]).slice(1)), [6, 7, 8, 9, 10, 11]);
  assert.throws(() => m.reshape([2, 6]), /needs the array in one chunk/);
  assert.throws(() => m.reshape([5, 5]), /cannot reshape/);
  const e = m.expandDims(1);
  assert.equal(e.shape, [3, 1, 4]);
  assert.equal(await nums(e.squeeze()), await nums(m));
  assert.equal(m.slice(null, [0, 1]).squeeze(1).shape, [3]);
});

test('matmul and dot against a naive triple loop on odd shapes and chunkings', async () => {
  const r2 = rng(5);
  for (const [m, k, n, ca, cb] of [[5, 7, 3, [2, 3], [4, 2]], [1, 1, 1, 1, 1], [9, 4, 6, [9, 1], [1, 5]], [6, 10, 2, [4, 4], [3, 2]]] as const) {
    const a = Float64Array.from({ length: m * k }, () => r2() - 0.5);
    const b = Float64Array.from({ length: k * n }, () => r2() - 0.5);
    const want: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      want.push(s);
    }
    const got = await nums(array.fromTypedArray(a, [m, k], { chunks: ca as never }).matmul(array.fromTypedArray(b, [k, n], { chunks: cb as never }), { splitEvery: 2 }));
    closeAll(got, want, `(${m},${k}) @ (${k},${n})`, 1e-12);
  }
  const x = array.fromTypedArray(data.map((v) => (Number.isNaN(v) ? 1 : v)), [M, N], { chunks: [2, N] });
  const xtx = await nums(x.T.matmul(x));
  const xs = data.map((v) => (Number.isNaN(v) ? 1 : v));
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let p = 0; p < M; p++) s += xs[p * N + i]! * xs[p * N + j]!;
    assertClose(xtx[i * N + j]!, s, 1e-12, `xtx ${i},${j}`);
  }
  const v = array.arange(4, { dtype: 'float64', chunks: 3 });
  assert.equal(await nums(v.dot(v)), [14]);
  assert.throws(() => x.matmul(x), /inner dimensions differ: \(7, 5\) @ \(7, 5\)/);
});

test('linalg: cholesky, solve, inv, qr (TSQR) and lstsq by reconstruction', async () => {
  const r3 = rng(8);
  const n = 6;
  const xs = Float64Array.from({ length: 40 * n }, () => r3() - 0.5);
  const x = array.fromTypedArray(xs, [40, n], { chunks: [10, n] });
  const g = x.T.matmul(x);
  const l = array.linalg.cholesky(g);
  const [gv, llt] = [await nums(g), await nums(l.matmul(l.T))];
  closeAll(llt, gv, 'L L^T = G', 1e-10);
  const b = array.fromTypedArray(Float64Array.from({ length: n }, (_, i) => i), [n]);
  const sol = array.linalg.solve(g, b);
  closeAll(await nums(g.matmul(sol.expandDims(1)).squeeze()), Array.from({ length: n }, (_, i) => i), 'G solve(G, b) = b', 1e-10);
  const eye = await nums(g.matmul(array.linalg.inv(g)));
  closeAll(eye, await nums(array.eye(n)), 'G inv(G) = I', 1e-10);
  const { q, r } = array.linalg.qr(x);
  assert.equal(q.chunks, [[10, 10, 10, 10], [n]]);
  closeAll(await nums(q.matmul(r)), Array.from(xs), 'Q R = X', 1e-10);
  closeAll(await nums(q.T.matmul(q)), await nums(array.eye(n)), 'Q^T Q = I', 1e-10);
  // lstsq of an exactly consistent system returns the coefficients
  const beta = [1, -2, 0.5, 3, 0, 7];
  const y = Float64Array.from({ length: 40 }, (_, i) => beta.reduce((s, bj, j) => s + bj * xs[i * n + j]!, 0));
  closeAll(await nums(array.linalg.lstsq(x, array.fromTypedArray(y, [40], { chunks: 10 }))), beta, 'lstsq', 1e-9);
  assert.throws(() => array.linalg.qr(array.zeros([10, 6], { chunks: [4, 6] })), /at least 6 rows/);
  assert.throws(() => array.linalg.cholesky(x), /square matrix/);
});

test('lstsq refuses linearly dependent columns, exactly or to working precision, and still solves an ill-conditioned full-rank a', async () => {
  const r = rng(81);
  const m = 60;
  const base = Float64Array.from({ length: m * 3 }, () => r() - 0.5);
  const withThird = (third: (i: number) => number): Float64Array =>
    Float64Array.from({ length: m * 3 }, (_, k) => (k % 3 === 2 ? third(Math.floor(k / 3)) : base[k]!));
  const y = array.fromTypedArray(Float64Array.from({ length: m }, () => r()), [m], { chunks: 20 });
  const solve = (a: Float64Array) => array.linalg.lstsq(array.fromTypedArray(a, [m, 3], { chunks: [20, 3] }), y);
  const refusal = async (a: Float64Array): Promise<string> => {
    try {
      const x = await nums(solve(a));
      return `returned ${x.join(', ')}`;
    } catch (e) {
      return String((e as Error).message);
    }
  };
  // third column = 2 * first - second: exactly dependent (R[2,2] is rounding noise, ~1e-17, not 0)
  const dependent = withThird((i) => 2 * base[3 * i]! - base[3 * i + 1]!);
  assert.match(await refusal(dependent), /linalg\.lstsq: a's columns are linearly dependent.*drop or combine the dependent columns/);
  // ... plus noise a thousand times below double precision's reach relative to the columns: still dependent
  const nearly = withThird((i) => 2 * base[3 * i]! - base[3 * i + 1]! + 1e-19 * Math.sin(i));
  assert.match(await refusal(nearly), /linearly dependent/);
  // a column of zeros
  assert.match(await refusal(withThird(() => 0)), /linearly dependent \(column 2 of R from a's QR has \|R\[2,2\]\| = 0\.00, at most \d/);
  // ill-conditioned (third column 1e-9 away from dependence, cond ~1e9) but full rank: solved, and the
  // solution reproduces the normal equations a.T (a x - y) = 0 to the precision cond allows
  const ill = withThird((i) => 2 * base[3 * i]! - base[3 * i + 1]! + 1e-9 * Math.sin(7 * i));
  const x = await nums(solve(ill));
  const yv = await nums(y);
  const resid = Array.from({ length: m }, (_, i) => ill[3 * i]! * x[0]! + ill[3 * i + 1]! * x[1]! + ill[3 * i + 2]! * x[2]! - yv[i]!);
  for (let j = 0; j < 3; j++) {
    const g = resid.reduce((s, e, i) => s + ill[3 * i + j]! * e, 0);
    assert.ok(Math.abs(g) < 1e-5, `normal equation ${j}: ${g}`);
  }
  assert.ok(x.every(Number.isFinite) && Math.abs(x[2]!) > 1, `the near-dependent direction carries a large, finite coefficient: ${x.join(', ')}`);
});

test('mapBlocks: a function over ndarray blocks; declared chunks are checked', async () => {
  const x = array.arange(10, { dtype: 'float64', chunks: 4 });
  const doubled = x.mapBlocks((block: ndarray.NdArray<Float64Array>, params: { k: number }) => {
    const out = new Float64Array(block.shape[0]!);
    for (let i = 0; i < out.length; i++) out[i] = block.get(i) * params.k;
    return out;
  }, { params: { k: 2 } });
  assert.equal(await nums(doubled), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  const firsts = x.mapBlocks((block: ndarray.NdArray<Float64Array>) => Float64Array.of(block.get(0)), { chunks: [1] });
  assert.equal(firsts.shape, [3]);
  assert.equal(await nums(firsts), [0, 4, 8]);
  const lying = x.mapBlocks(() => new Float64Array(2), { chunks: [3] });
  try {
    await lying.compute(sync);
    assert.unreachable();
  } catch (e) {
    assert.match(String((e as Error).message), /returned a block of shape \(2\) where \(3\) was declared/);
  }
});

test('explain() names the plan and counts tasks', () => {
  const x = array.ones([100, 10], { chunks: [25, 5] });
  const text = x.T.matmul(x).sum().explain();
  assert.match(text, /reduce sum/);
  assert.match(text, /matmul shape=\(10, 10\)/);
  // x.T @ x: diagonal blocks are syrks of one row block, the block above the diagonal a matmul (ndarray/gram.test.ts)
  assert.match(text, /tasks: \d+ \(.*array\.syrk/);
  assert.match(text, /tasks: \d+ \(.*array\.matmul/);
});

test('compute() takes arrays together with DataFrames and plain values in one graph', async () => {
  const x = array.arange(10, { dtype: 'float64', chunks: 3 });
  const df = fromColumns({ v: [1, 2, 3, 4] }, { npartitions: 2 });
  const [total, shifted, dfSum, seven] = await compute(x.sum(), x.add(1), df.col('v').sum(), 7, sync);
  assert.equal(Array.from((total as { data: Float64Array }).data), [45]);
  assert.equal(Array.from((shifted as { data: Float64Array }).data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.is(Number(dfSum), 10);
  assert.is(seven, 7);
});

test.run();
