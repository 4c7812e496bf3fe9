// Philox4x32-10 on the GPU against the CPU generator (src/random): uniforms and integers bit-identical for any
// chunk start (odd elements, counter carries), normals within the documented tolerance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fillIntegers, fillNormal, fillUniform } from '../../../src/random/distributions.ts';
import type { StreamStart } from '../../../src/random/stream.ts';
import { gpuIntegers, gpuNormal, gpuUniform } from '../../../src/kernels/gpu/random.ts';
import { currentGpu, gpuForTests } from './gpu-for-tests.ts';
import { generator } from '../../../src/random/generator.ts';
import { gpuDispatchCount } from '../../../src/kernels/gpu/device.ts';

const available = await gpuForTests();

const STARTS: StreamStart[] = [
  { key0: 0x12345678, key1: 0x9abcdef0, p0: 0, p1: 0, p2: 0 },
  // block positions that carry from word 0 into 1 and from 1 into 2 inside the call
  { key0: 1, key1: 0, p0: 0xfffffff0, p1: 0xffffffff, p2: 7 },
  { key0: 0xffffffff, key1: 0xffffffff, p0: 0xffffff00, p1: 3, p2: 0 },
];

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.is(a.length, b.length);
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (x[i] !== y[i]) assert.unreachable(`${what}: element ${i}: GPU ${a[i]} vs CPU ${b[i]}`);
}

if (available) {
  test('uniforms: bit-identical to the CPU generator for odd starts, counter carries and scaled ranges', async () => {
    const gpu = await currentGpu();
    for (const s of STARTS) {
      for (const [first, count] of [[0, 1], [1, 2], [3, 1001], [40, 5000]] as const) {
        for (const [low, high] of [[0, 1], [-3.5, 1e6]] as const) {
          const cpu = new Float64Array(count + 2);
          const got = new Float64Array(count + 2);
          fillUniform(s, first, count, cpu, 1, low, high);
          await gpuUniform(gpu, s, first, count, got, 1, low, high);
          sameBits(got, cpu, `uniform start ${s.p0} first ${first} count ${count} [${low}, ${high})`);
        }
      }
    }
  });

  test('integers: the same values as the CPU rejection sampler for ranges 1 to 2^32', async () => {
    const gpu = await currentGpu();
    for (const s of STARTS.slice(0, 2)) {
      for (const [low, high] of [[0, 1], [5, 12], [-1000, 1000], [0, 2 ** 31 + 3], [0, 3 * 2 ** 30 + 1], [-(2 ** 31), 2 ** 31], [7, 7 + 2 ** 16]] as const) {
        const count = 1500;
        const cpu = new Float64Array(count);
        const got = new Float64Array(count);
        fillIntegers(s, 17, count, cpu, 0, low, high);
        await gpuIntegers(gpu, s, 17, count, got, 0, low, high);
        sameBits(got, cpu, `integers [${low}, ${high})`);
      }
    }
  });

  test('normals: within 1e-6 * (1 + |z|) of the CPU Box-Muller values (measured 1.2e-7), both branches, every octant', async () => {
    const gpu = await currentGpu();
    let worst = 0;
    for (const s of STARTS.slice(0, 2)) {
      const count = 20001;
      const cpu = new Float64Array(count);
      const got = new Float64Array(count);
      fillNormal(s, 3, count, cpu, 0, 0, 1);
      await gpuNormal(gpu, s, 3, count, got, 0, 0, 1);
      for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(got[i]! - cpu[i]!) / (1 + Math.abs(cpu[i]!)));
      const scaled = new Float64Array(10);
      const ref = new Float64Array(10);
      fillNormal(s, 0, 10, ref, 0, 5, 2);
      await gpuNormal(gpu, s, 0, 10, scaled, 0, 5, 2);
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(scaled[i]! - ref[i]!) <= 2 * 1e-6 * (1 + Math.abs(ref[i]! - 5)), 'loc and scale');
    }
    assert.ok(worst <= 1e-6, `max relative difference ${worst}`);
  });

  test('NDArray random chunks with kernels gpu: uniform and integers equal the CPU arrays bit for bit (column blocks too), normals within tolerance', async () => {
    const gpu = await currentGpu();
    const GPU = { scheduler: 'sync', kernels: 'gpu' } as const;
    const CPU = { scheduler: 'sync' } as const;
    const make = () => {
      const g = generator(2024);
      return [g.uniform([37, 41], { chunks: [10, 16] }), g.integers(-5, 1e6, [1001], { chunks: [300], dtype: 'int64' }), g.normal([333], { chunks: [100] }), g.uniform([5, 300], { chunks: [5, 7] })] as const;
    };
    const before = gpuDispatchCount();
    const gpuArrays = await Promise.all(make().map((a) => a.compute(GPU)));
    assert.ok(gpuDispatchCount() > before, 'drawn on the GPU');
    const cpuArrays = await Promise.all(make().map((a) => a.compute(CPU)));
    sameBits(gpuArrays[0]!.data as Float64Array, cpuArrays[0]!.data as Float64Array, 'uniform [37, 41] in 10x16 blocks');
    assert.equal(Array.from(gpuArrays[1]!.data as BigInt64Array), Array.from(cpuArrays[1]!.data as BigInt64Array), 'int64 integers');
    const z = gpuArrays[2]!.data as Float64Array;
    const zc = cpuArrays[2]!.data as Float64Array;
    for (let i = 0; i < z.length; i++) assert.ok(Math.abs(z[i]! - zc[i]!) <= 1e-6 * (1 + Math.abs(zc[i]!)), `normal ${i}`);
    sameBits(gpuArrays[3]!.data as Float64Array, cpuArrays[3]!.data as Float64Array, 'uniform [5, 300] in 5x7 blocks (row by row)');
  });
}

test.run();
