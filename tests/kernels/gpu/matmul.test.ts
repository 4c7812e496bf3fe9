// Tiled GPU matmul (float32) against the CPU gemm (float64): shapes that are not multiples of the 16x16 tile,
// strided (transposed) inputs, NDArray blocks; every entry within the documented bound (k + 2) 2^-24 (|A||B|).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromTypedArray } from '../../../src/collections/ndarray/constructors.ts';
import { gemm } from '../../../src/kernels/array/gemm.ts';
import { view, type Strided } from '../../../src/kernels/array/strided.ts';
import { gpuMatmul } from '../../../src/kernels/gpu/matmul.ts';
import { gpuDispatchCount } from '../../../src/kernels/gpu/device.ts';
import { rng } from '../../helpers.ts';
import { currentGpu, gpuForTests } from './gpu-for-tests.ts';

const available = await gpuForTests();

function matrix(seed: number, rows: number, cols: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: rows * cols }, () => (r() - 0.5) * 10);
}

/** Every entry of got within (k + 2) 2^-24 (|A||B|)_ij of the float64 product. */
function withinBound(got: Strided<Float64Array>, a: Strided, b: Strided, what: string): void {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const abs = (x: Strided): Strided => ({ ...x, data: Float64Array.from(x.data as Float64Array, Math.abs) });
  const want = gemm(a, b);
  const bound = gemm(abs(a), abs(b));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = got.data[got.offset + i * got.stride[0]! + j * got.stride[1]!]!;
      const w = want.data[i * n + j]!;
      const tol = (k + 2) * 2 ** -24 * bound.data[i * n + j]!;
      if (!(Math.abs(g - w) <= tol)) assert.unreachable(`${what}: C[${i}, ${j}] = ${g}, float64 ${w}, bound ${tol}`);
    }
  }
}

if (available) {
  test('shapes that are not multiples of the tile, and a transposed (strided) input', async () => {
    const gpu = await currentGpu();
    for (const [m, k, n] of [[1, 1, 1], [17, 5, 33], [40, 70, 3], [16, 16, 16], [3, 129, 2]] as const) {
      const a = view(matrix(m * 7 + k, m, k), [m, k]);
      const b = view(matrix(n * 3 + k, k, n), [k, n]);
      withinBound(await gpuMatmul(gpu, a, b), a, b, `${m}x${k} @ ${k}x${n}`);
    }
    // A^T through strides: a (k x m) array read as m x k
    const raw = matrix(5, 9, 21);
    const at: Strided = { data: raw, shape: [21, 9], stride: [1, 21], offset: 0 };
    const b = view(matrix(6, 9, 19), [9, 19]);
    withinBound(await gpuMatmul(gpu, at, b), at, b, 'transposed A');
  });

  test('NDArray matmul with kernels gpu: blocks not multiples of the tile, same result within the bound', async () => {
    const gpu = await currentGpu();
    const a = fromTypedArray(matrix(1, 45, 37), [45, 37], { chunks: [20, 37] });
    const b = fromTypedArray(matrix(2, 37, 29), [37, 29], { chunks: [37, 29] });
    const before = gpuDispatchCount();
    const got = await a.matmul(b).compute({ scheduler: 'sync', kernels: 'gpu' });
    assert.ok(gpuDispatchCount() > before, 'ran on the GPU');
    const auto = await a.matmul(b).compute({ scheduler: 'sync', kernels: 'auto' });
    const cpu = await a.matmul(b).compute({ scheduler: 'sync' });
    assert.equal(Array.from(auto.data as Float64Array), Array.from(cpu.data as Float64Array), "'auto' keeps matmul in float64 on the CPU");
    withinBound({ data: got.data as Float64Array, shape: [45, 29], stride: [29, 1], offset: 0 }, view(matrix(1, 45, 37), [45, 37]), view(matrix(2, 37, 29), [37, 29]), 'NDArray');
  });
}

test.run();
