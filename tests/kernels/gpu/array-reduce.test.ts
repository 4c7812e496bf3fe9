// NDArray reductions along axes on the GPU against the CPU reduce kernel (the oracle): integer sums exact as
// int64, min/max bit-identical with NaN and both zeros, float32 sums correctly rounded (within the CPU's own
// error of its result), means, keepdims, packed (non-adjacent or strided) axes, 1-element and empty chunks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finalizePartial, partialReduce, type ReductionName } from '../../../src/kernels/array/reduce.ts';
import { allocate, type DType } from '../../../src/kernels/array/dtypes.ts';
import { view, type Strided } from '../../../src/kernels/array/strided.ts';
import { gpuReducePartial, reduceUnsupported } from '../../../src/kernels/gpu/array-reduce.ts';
import { rng } from '../../helpers.ts';
import { currentGpu, fsum, gpuForTests } from './gpu-for-tests.ts';

const available = await gpuForTests();
type Chunk = Strided & { dtype: DType };

function chunkOf(dtype: DType, shape: number[], seed: number, specials = true): Chunk {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n) as { [i: number]: number };
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 2 ** -140, -3e38, 3e38];
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') data[i] = specials && r() < 0.002 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 6 - 2);
    else if (dtype === 'int32') data[i] = r() < 0.05 ? (r() < 0.5 ? 2 ** 31 - 1 : -(2 ** 31)) : Math.floor((r() - 0.5) * 1e6);
    else if (dtype === 'uint8') data[i] = Math.floor(r() * 256);
    else data[i] = r() < 0.5 ? 1 : 0;
  }
  return { ...view(data as never, shape), dtype };
}

const same = (a: number | bigint, b: number | bigint) => Object.is(a, b) || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b as number));

async function check(name: ReductionName, x: Chunk, axes: number[], what: string): Promise<void> {
  const gpu = await currentGpu();
  assert.is(reduceUnsupported(gpu, name, x, axes), null, what);
  const got = await gpuReducePartial(gpu, name, x, axes);
  const want = partialReduce(name, x, axes, { dtype: x.dtype });
  for (const keepdims of [false, true]) {
    const g = finalizePartial(got, { axes, keepdims }), w = finalizePartial(want, { axes, keepdims });
    assert.equal(g.shape, w.shape, `${what}: shape`);
    assert.is(g.dtype, w.dtype, `${what}: dtype`);
    const gd = g.data as ArrayLike<number | bigint>, wd = w.data as ArrayLike<number | bigint>;
    for (let i = 0; i < wd.length; i++) {
      if (same(gd[i]!, wd[i]!)) continue;
      const exactOk = x.dtype !== 'float32' && !name.includes('mean') ? false : Math.abs(Number(gd[i]) - Number(wd[i])) <= 2 ** -22 * Math.abs(Number(wd[i]));
      if (!exactOk) assert.unreachable(`${what} ${name}: cell ${i}: GPU ${gd[i]}, CPU ${wd[i]}`);
    }
  }
}

if (available) {
  test('integer sums (exact int64), means, min and max: bit-identical to the CPU along any axes', async () => {
    const x = chunkOf('int32', [37, 129], 1);
    for (const name of ['sum', 'mean', 'min', 'max', 'nanmax'] as const) {
      for (const axes of [[0], [1], [0, 1]]) await check(name, x, axes, `int32 [37, 129] axes ${axes}`);
    }
    const big = chunkOf('int32', [5000], 2);
    await check('sum', big, [0], 'int32 5000 (several segments)');
    await check('sum', chunkOf('uint8', [3, 5, 7], 3), [0, 2], 'uint8 axes [0, 2] (packed)');
    await check('max', chunkOf('bool', [3, 5, 7], 4), [1, 2], 'bool axes [1, 2]');
    await check('mean', chunkOf('uint8', [9, 300], 5), [1], 'uint8 mean');
  });

  test('float32 min/max bit-identical (NaN, nan- forms, both zeros, subnormals); sums correctly rounded', async () => {
    const x = chunkOf('float32', [40, 257], 6);
    for (const name of ['min', 'max', 'nanmin', 'nanmax', 'sum', 'nansum', 'mean', 'nanmean'] as const) {
      for (const axes of [[0], [1], [0, 1]]) await check(name, x, axes, `float32 [40, 257] axes ${axes}`);
    }
    const zeros = { ...view(Float32Array.from([0, -0, 2 ** -140, -0, 0, -(2 ** -149)]) as never, [2, 3]), dtype: 'float32' } as Chunk;
    for (const name of ['min', 'max'] as const) for (const axes of [[0], [1], [0, 1]]) await check(name, zeros, axes, 'zeros');
    // a float32 sum's partial is the exact sum rounded once to float64
    const gpu = await currentGpu();
    const y = chunkOf('float32', [6000], 7, false);
    const p = await gpuReducePartial(gpu, 'sum', y, [0]);
    assert.is(p.values![0], fsum(y.data as Float32Array));
    const cancel = { ...view(Float32Array.from([3e38, 1, -3e38, 2 ** -149]) as never, [4]), dtype: 'float32' } as Chunk;
    assert.is((await gpuReducePartial(gpu, 'sum', cancel, [0])).values![0], 1 + 2 ** -149);
    const inf = { ...view(Float32Array.from([Infinity, 1, -Infinity]) as never, [3]), dtype: 'float32' } as Chunk;
    assert.ok(Number.isNaN((await gpuReducePartial(gpu, 'sum', inf, [0])).values![0]!), 'inf + -inf is NaN');
  });

  test('strided input, 1-element chunks, keepdims, 3-d packing', async () => {
    const r = rng(9);
    const data = Float32Array.from({ length: 6 * 9 }, () => r() - 0.5);
    const t = { data, shape: [9, 6], stride: [1, 9], offset: 0, dtype: 'float32' } as Chunk;
    for (const axes of [[0], [1]]) await check('max', t, axes, 'transposed');
    await check('sum', chunkOf('float32', [1], 10), [0], '1 element');
    await check('min', chunkOf('int32', [1, 1], 11), [0, 1], '1x1');
    const cube = chunkOf('int32', [4, 33, 65], 12);
    for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) await check('sum', cube, axes, `cube axes ${axes}`);
  });
}

test('what stays on the CPU: float64/int64, prod/var/arg, empty chunks', () => {
  const f64 = { ...view(new Float64Array(4) as never, [4]), dtype: 'float64' } as Chunk;
  assert.match(reduceUnsupported(null, 'sum', f64, [0])!, /float64 chunks reduce on the CPU/);
  const f32 = chunkOf('float32', [4], 1);
  for (const name of ['prod', 'var', 'std', 'argmin', 'any'] as const) assert.match(reduceUnsupported(null, name, f32, [0])!, /has no GPU kernel/);
  assert.match(reduceUnsupported(null, 'sum', { ...f32, shape: [0, 3], data: new Float32Array(0) }, [1])!, /empty chunk/);
});

test.run();
