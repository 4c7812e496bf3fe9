// df.toArray(): numeric DataFrame columns as a 2-D NDArray with one row block per partition, whose row
// counts are unknown (NaN) until read; what works on such arrays, what fails with a clear error, and why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { array, compute, fromColumns, fromRecordBatches, NDArray, type SchedulerName } from '../../../src/index.ts';
import { assertClose, rejects, SCHEDULERS } from '../../helpers.ts';

const sync = { scheduler: 'sync' } as const;
const nums = async (x: NDArray, scheduler: SchedulerName = 'sync'): Promise<number[]> => Array.from((await x.compute({ scheduler })).data as ArrayLike<number | bigint>).map(Number);
const batch = (cols: Record<string, ArrayLike<number> | Array<number | null>>): RecordBatch => (tableFromArrays(cols as never).batches[0] as unknown as RecordBatch);

// partitions of 3, 0, 1 and 4 rows (an empty and a one-row partition); 'i' int32 with a null, 'f' float64
const parts = [
  { i: Int32Array.from([1, 2, 3]), f: Float64Array.from([0.5, -1, 2]) },
  { i: new Int32Array(0), f: new Float64Array(0) },
  { i: Int32Array.from([7]), f: Float64Array.from([NaN]) },
  { i: Int32Array.from([-4, 5, 6, 2 ** 30]), f: Float64Array.from([1e300, -0, 3.25, 1e-300]) },
];
const rowsI = parts.flatMap((p) => Array.from(p.i));
const rowsF = parts.flatMap((p) => Array.from(p.f));
const frame = () => fromRecordBatches(parts.map((p) => batch(p)));

test('shape, chunks and dtype when built: rows unknown, one row block per partition', () => {
  const x = frame().toArray(['i', 'f']);
  assert.is(x.ndim, 2);
  assert.ok(Number.isNaN(x.shape[0]!));
  assert.is(x.shape[1], 2);
  assert.is(x.chunks[0]!.length, 4);
  assert.ok(x.chunks[0]!.every(Number.isNaN));
  assert.equal(x.chunks[1], [2]);
  assert.is(x.dtype, 'float64', 'int32 with float64 gives float64 (NumPy)');
  assert.ok(Number.isNaN(x.size));
});

test('values are the rows, row-major, across empty and one-row partitions, on every scheduler', async () => {
  const want = rowsI.flatMap((v, r) => [v, rowsF[r]!]);
  for (const scheduler of SCHEDULERS) {
    const out = await frame().toArray(['i', 'f']).compute({ scheduler });
    assert.equal(out.shape, [8, 2], scheduler);
    assert.equal(Array.from(out.data as Float64Array), want, scheduler);
  }
  // column order follows the list
  assert.equal(await nums(frame().toArray(['f', 'i']).slice(null, 1)), rowsI);
});

test('dtypes follow NumPy promotion; integer arrays stay integer', async () => {
  const df = fromColumns({
    i32: Int32Array.from([1, -2]), i64: BigInt64Array.from([2n ** 60n, -1n]), u8: Uint8Array.from([3, 255]),
    f32: Float32Array.from([0.5, 1.5]), b: [true, false], f64: [0.25, 2],
  });
  assert.is(df.toArray(['i32']).dtype, 'int32');
  assert.is(df.toArray(['i32', 'u8']).dtype, 'int32');
  assert.is(df.toArray(['i32', 'i64']).dtype, 'int64');
  assert.is(df.toArray(['u8']).dtype, 'uint8');
  assert.is(df.toArray(['b']).dtype, 'bool');
  assert.is(df.toArray(['f32']).dtype, 'float32');
  assert.is(df.toArray(['f32', 'i32']).dtype, 'float64');
  assert.is(df.toArray(['i64', 'f64']).dtype, 'float64');
  const big = await df.toArray(['i32', 'i64']).compute(sync);
  assert.equal(Array.from(big.data as BigInt64Array), [1n, 2n ** 60n, -2n, -1n], 'int64 exact beyond 2^53');
  assert.equal(Array.from((await df.toArray(['b', 'u8']).compute(sync)).data as Uint8Array), [1, 3, 0, 255]);
  assert.equal(Array.from((await df.toArray(['f32', 'b']).compute(sync)).data as Float32Array), [0.5, 1, 1.5, 0]);
  // an explicit dtype must hold every column
  assert.is(df.toArray(['i32'], { dtype: 'float64' }).dtype, 'float64');
  assert.throws(() => df.toArray(['f64'], { dtype: 'int32' }), /column 'f64' \(float64\) does not fit dtype int32/);
  assert.throws(() => df.toArray(['f64'], { dtype: 'complex' as never }), /dtype must be one of/);
  assert.throws(() => df.toArray(['f64'], { dtpye: 'float64' } as never), /unknown option 'dtpye'/);
});

test('nulls become NaN in float arrays and are an error naming column, row and partition in integer ones', async () => {
  const df = fromColumns({ a: [1, null, 3, 4], x: [0.5, 1, null, 2] }, { npartitions: 2 });
  assert.is(df.toArray(['a']).dtype, 'int32');
  await rejects(df.toArray(['a']).compute(sync), /column 'a' has a null at row 1 of partition 0.*pass \{dtype: 'float64'\}/);
  const v = await nums(df.toArray(['a'], { dtype: 'float64' }));
  assert.equal(v.map((n) => (Number.isNaN(n) ? 'NaN' : n)), [1, 'NaN', 3, 4]);
  const w = await nums(df.toArray(['a', 'x']));
  assert.equal(w.map((n) => (Number.isNaN(n) ? 'NaN' : n)), [1, 0.5, 'NaN', 1, 3, 'NaN', 4, 2]);
});

test('non-numeric, unknown and repeated columns fail when built; hostile and unicode names work', async () => {
  const hostile = new Map<string, unknown[]>([['__proto__', [1, 2]], ['constructor', [3, 4]], ['ü 名', [5.5, 6]], ['s', ['a', 'b']]]);
  const df = fromColumns(hostile);
  assert.throws(() => df.toArray(), /column 's' is .*Utf8.*not numeric.*'__proto__', 'constructor', 'ü 名'/);
  assert.throws(() => df.toArray(['nope']), /nope/);
  assert.throws(() => df.toArray(['constructor', 'constructor']), /named twice/);
  assert.throws(() => df.toArray([]), /at least one column/);
  assert.throws(() => df.toArray('constructor' as never), /list of column names/);
  assert.equal(await nums(df.toArray(['__proto__', 'constructor', 'ü 名'])), [1, 3, 5.5, 2, 4, 6]);
});

test('reductions, x.T @ x, Cholesky and lstsq work on unknown row chunks and match the known-chunk array', async () => {
  const n = 203, k = 3;
  const cols: Record<string, Float64Array> = {};
  for (let j = 0; j < k; j++) cols[`c${j}`] = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1)) + (j === 0 ? 1e8 : 0));
  const y = Float64Array.from({ length: n }, (_, i) => 2 * cols.c1![i]! - cols.c2![i]! + 0.01 * Math.cos(i));
  const df = fromColumns({ ...cols, y }, { npartitions: 7 });
  const x = df.toArray(['c0', 'c1', 'c2']);
  const dense = array.fromTypedArray((await x.compute(sync)).data as Float64Array, [n, k], { chunks: [50, k] });
  for (const [what, a, b] of [
    ['sum axis 0', x.sum({ axis: 0 }), dense.sum({ axis: 0 })],
    ['var axis 0 (offset 1e8)', x.var({ axis: 0 }), dense.var({ axis: 0 })],
    ['mean all', x.mean(), dense.mean()],
    ['max axis 1', x.max({ axis: 1 }), dense.max({ axis: 1 })],
    ['cumsum axis 0', x.cumsum(0), dense.cumsum(0)],
    ['gram', x.T.matmul(x), dense.T.matmul(dense)],
    ['exp+sin', x.sub(1e8).exp().add(x.sin().mul(3)).mean({ axis: 0 }), dense.sub(1e8).exp().add(dense.sin().mul(3)).mean({ axis: 0 })],
  ] as const) {
    const [got, want] = await compute(a, b, sync);
    const g = Array.from(got.data as Float64Array), w = Array.from(want.data as Float64Array);
    assert.is(g.length, w.length, what);
    g.forEach((v, i) => assertClose(v, w[i]!, 1e-9, `${what}[${i}]`));
  }
  // Cholesky of the centred Gram matrix, checked by reconstruction
  const xc = x.sub(x.mean({ axis: 0 }));
  const g = xc.T.matmul(xc);
  const [l, gv] = await compute(array.linalg.cholesky(g), g, sync);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (l.data[i * k + p] as number) * (l.data[j * k + p] as number);
    assertClose(s, gv.data[i * k + j] as number, 1e-10, `L L^T [${i},${j}]`);
  }
  // least squares from two toArray() of one frame: rows line up partition by partition
  const beta = await nums(array.linalg.lstsq(df.toArray(['c1', 'c2']), df.toArray(['y'])));
  assertClose(beta[0]!, 2, 1e-3, 'beta 1');
  assertClose(beta[1]!, -1, 1e-3, 'beta 2');
  // a row-wise argmax has known axes; the flat one needs row offsets
  assert.throws(() => x.argmax({ axis: 0 }), /argmax needs known chunk lengths.*computeChunkSizes/);
  assert.equal((await nums(x.argmax({ axis: 1 }))).length, n);
});

test('operations that need row counts fail when built, naming the fix; computeChunkSizes() makes them work', async () => {
  const x = frame().toArray(['i', 'f']);
  const fix = /needs known chunk lengths.*computeChunkSizes/;
  assert.throws(() => x.rechunk(2), fix);
  assert.throws(() => x.reshape([-1]), fix);
  assert.throws(() => x.slice(0), fix);
  assert.throws(() => x.slice([1, 3]), fix);
  assert.throws(() => array.linalg.cholesky(x), /square|known chunk/);
  assert.throws(() => x.add(array.zeros([8, 2])), /unknown length in one and 8 in another.*computeChunkSizes/);
  assert.throws(() => x.add(frame().toArray(['i', 'f']).slice(x.slice(null, 0).gt(0))), /one-dimensional|1-D|mask/);
  // a whole-axis slice and a column pick are fine
  assert.equal(await nums(x.slice(null, 0)), rowsI);
  const known = await x.computeChunkSizes(sync);
  assert.equal(known.chunks, [[3, 0, 1, 4], [2]]);
  assert.equal(known.shape, [8, 2]);
  assert.equal(await nums(known.slice([2, 5], 0)), rowsI.slice(2, 5));
  assert.equal(await nums(known.rechunk([3, 1]).slice(null, 1)), rowsF);
  assert.equal(await nums(known.add(array.ones([8, 2], { chunks: [5, 1] })).slice(null, 0)), rowsI.map((v) => v + 1));
  assert.is(await x.computeChunkSizes(sync).then(() => 'ok'), 'ok');
  const plain = array.arange(4);
  assert.is(await plain.computeChunkSizes(), plain, 'known chunks: the same array');
});

test('arrays of unknown chunks from different frames must line up block by block, checked when run', async () => {
  // a = 0..9 in partitions of 5; filters make row counts 1+5 and 5+1: block 0 of one is 1 row, of the other 5
  const df = fromColumns({ a: Float64Array.from({ length: 10 }, (_, i) => i) }, { npartitions: 2 });
  const hi = df.filter(df.col('a').ge(4)).toArray(['a']);
  const lo = df.filter(df.col('a').le(5)).toArray(['a']);
  // same block count, so it builds (as Dask); the 1-row block must not broadcast against the 5-row one
  await rejects(hi.add(lo).compute(sync), /unknown length do not line up: along axis 0 one block has 1 elements and another 5/);
  await rejects(hi.T.matmul(lo).compute(sync), /inner dimensions differ/);
  assert.equal(await nums(hi.add(hi)), [8, 10, 12, 14, 16, 18]);
  // a different number of partitions fails when built
  const three = fromColumns({ a: Float64Array.from({ length: 10 }, (_, i) => i) }, { npartitions: 3 }).toArray(['a']);
  assert.throws(() => hi.add(three), /chunks \[nan, nan\] and another \[nan, nan, nan\]/);
});

test('explain shows the frame under the array; projection reads only the chosen columns', () => {
  const df = fromColumns({ a: [1, 2], b: [3, 4], c: ['x', 'y'] });
  const text = df.toArray(['b']).sum({ axis: 0 }).explain();
  assert.match(text, /frame columns=\["b"\]/);
  assert.match(text, /from-columns/);
});

test.run();
