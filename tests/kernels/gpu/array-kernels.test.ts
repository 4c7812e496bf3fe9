// NDArray chains and axis reductions through compute(): kernels 'gpu' runs them on the GPU with the CPU's
// answers, 'auto' by the cost model (exact chains only), float64 stays on the CPU, explain() says where and
// why; no adapter: 'auto' on the CPU and 'gpu' fails clearly; a device lost mid-compute finishes on the CPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromTypedArray } from '../../../src/collections/ndarray/constructors.ts';
import { gpuDispatchCount, gpuTestHooks, readyGpu, resetGpuForTesting } from '../../../src/kernels/gpu/device.ts';
import { type ArrayCostModel, resetArrayCostModelForTesting } from '../../../src/kernels/gpu/array-cost.ts';
import type { CostModel } from '../../../src/kernels/gpu/cost-model.ts';
import { rejects, rng } from '../../helpers.ts';
import { freshGpu, gpuForTests } from './gpu-for-tests.ts';

const gpu = await gpuForTests();
const SYNC = { scheduler: 'sync' } as const;
const GPU = { scheduler: 'sync', kernels: 'gpu' } as const;
const AUTO = { scheduler: 'sync', kernels: 'auto' } as const;

function f32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.01 ? NaN : (r() - 0.5) * 100));
}
function i32(n: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * 2 ** 32));
}
const values = (x: { data: ArrayLike<number | bigint> }) => Array.from(x.data, (v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));

const BASE: CostModel = { adapter: 'test', uploadBytesPerMs: 1e7, dispatchMs: 1, gpuRowsPerMs: 1e6, cpuRowsPerMs: 1e3, gpuDrawsPerMs: 1e6, cpuDrawsPerMs: 1e3 };
const FAST: ArrayCostModel = { base: BASE, gpuElementsPerMs: 1e6, cpuElementNodesPerMs: 1e3, gpuReduceElementsPerMs: 1e6, cpuReduceElementsPerMs: 1e3, subnormals: true };

if (gpu) {
  test("kernels 'gpu': a fused float32 chain and axis reductions give the CPU's answers, chunks not multiples of 256", async () => {
    const a = fromTypedArray(f32(33 * 45, 1), [33, 45], { chunks: [10, 45] });
    const b = fromTypedArray(f32(45, 2), [45], { chunks: [45] });
    const chain = a.mul(2).add(b).clip(-50, 60).abs().neg().floor();
    const before = gpuDispatchCount();
    const got = await chain.compute(GPU);
    assert.ok(gpuDispatchCount() > before, 'ran on the GPU');
    assert.equal(values(got), values(await chain.compute(SYNC)));
    const m = a.gt(b).and(a.isnan().not());
    assert.equal(values(await m.compute(GPU)), values(await m.compute(SYNC)));
    const ints = fromTypedArray(i32(33 * 45, 3), [33, 45], { chunks: [7, 20] });
    for (const r of [ints.sum({ axis: 0 }), ints.sum({ axis: 1, keepdims: true }), ints.sum(), ints.mul(3).sub(ints).sum({ axis: 1 }), ints.max({ axis: 0 }), ints.mean({ axis: 1 }), ints.add(1).sum()]) {
      assert.equal(values(await r.compute(GPU)), values(await r.compute(SYNC)));
    }
    for (const r of [a.max({ axis: 1 }), a.nanmin({ axis: 0 }), a.min()]) assert.equal(values(await r.compute(GPU)), values(await r.compute(SYNC)));
    const s = a.nansum({ axis: 0 });
    const [gs, cs] = [await s.compute(GPU), await s.compute(SYNC)];
    for (let i = 0; i < 45; i++) assert.ok(Math.abs(gs.data[i] - cs.data[i]) <= 2 ** -22 * Math.abs(cs.data[i]) + 1e-6, `nansum ${i}`);
  });

  test('float64 arrays stay on the CPU under every setting (WGSL has no f64); explain says why', async () => {
    const x = fromTypedArray(Float64Array.from(f32(1000, 4)), [1000], { chunks: [300] });
    const chain = x.mul(2).add(1).gt(3);
    const before = gpuDispatchCount();
    assert.equal(values(await chain.compute(GPU)), values(await chain.compute(SYNC)));
    assert.equal(values(await x.sum().compute(GPU)), values(await x.sum().compute(SYNC)));
    assert.is(gpuDispatchCount(), before, 'nothing ran on the GPU');
    assert.match(chain.explain(GPU), /array.elementwise: 4 on the CPU: float64 has no GPU type/);
  });

  test("'auto': exact chains on the GPU past the break-even size, approximate ones (exp) only with 'gpu'; explain", async () => {
    resetArrayCostModelForTesting(FAST);
    try {
      const big = fromTypedArray(f32(5000, 5), [5000], { chunks: [2500] });
      const exact = big.mul(3).sub(1).maximum(0);
      let before = gpuDispatchCount();
      assert.equal(values(await exact.compute(AUTO)), values(await exact.compute(SYNC)));
      assert.ok(gpuDispatchCount() > before, 'exact chain: GPU');
      before = gpuDispatchCount();
      const approx = big.mul(0.01).exp();
      assert.equal(values(await approx.compute(AUTO)), values(await approx.compute(SYNC)));
      assert.is(gpuDispatchCount(), before, "exp stays on the CPU under 'auto'");
      await approx.compute(GPU);
      assert.ok(gpuDispatchCount() > before, "exp runs on the GPU with 'gpu'");
      const small = fromTypedArray(f32(2, 6), [2], { chunks: [2] }).mul(3);
      before = gpuDispatchCount();
      await small.compute(AUTO);
      assert.is(gpuDispatchCount(), before, 'a 2-element chunk stays on the CPU');
      before = gpuDispatchCount();
      const ints = fromTypedArray(i32(5000, 7), [5000], { chunks: [2500] });
      assert.equal(values(await ints.sum().compute(AUTO)), values(await ints.sum().compute(SYNC)));
      assert.ok(gpuDispatchCount() > before, 'int32 sum: GPU');
      const text = approx.explain(AUTO);
      assert.match(text, /array.elementwise: 2 on the CPU: float32 div\/sqrt\/exp\/log need kernels: 'gpu'/);
      assert.match(exact.explain(AUTO), /array.elementwise: 2 on the GPU \(one fused WGSL pass per chunk\), by the cost model \(element-wise GPU/);
      assert.match(ints.sum().explain(AUTO), /array.reduce-partial: GPU for sum\/mean\/min\/max of float32\/int32\/uint8\/bool chunks from \d+ elements/);
    } finally {
      resetArrayCostModelForTesting();
    }
  });

  test('a device lost in the middle of an array compute finishes on the CPU with the right answer and one warning', async () => {
    await freshGpu();
    const a = fromTypedArray(i32(4000, 8), [4000], { chunks: [500] });
    const chain = a.mul(7).add(a);
    const want = values(await chain.sum().compute(SYNC));
    const wantChain = values(await chain.compute(SYNC));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      gpuTestHooks.loseDeviceAfterDispatches = 3;
      assert.equal(values(await chain.compute(GPU)), wantChain);
      assert.is(readyGpu(), null, 'the GPU is off');
      assert.equal(values(await chain.sum().compute(GPU)), want);
      assert.is(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /^tessera: GPU (kernel failed|device lost).*GPU kernels are off for the rest of this run, tasks run on the CPU kernels$/);
    } finally {
      console.warn = warn;
      await freshGpu();
    }
  });
}

test("no adapter: 'auto' runs arrays on the CPU, 'gpu' fails at once with the reason", async () => {
  process.env.TESSERA_GPU_ADAPTER = 'none';
  resetGpuForTesting();
  try {
    const a = fromTypedArray(f32(1000, 9), [1000], { chunks: [300] });
    const before = gpuDispatchCount();
    assert.equal(values(await a.mul(2).sum().compute(AUTO)), values(await a.mul(2).sum().compute(SYNC)));
    assert.is(gpuDispatchCount(), before);
    await rejects(a.mul(2).compute(GPU), /kernels: 'gpu' needs a GPU, and none can be used here: no GPU adapter \(TESSERA_GPU_ADAPTER=none\)/);
  } finally {
    delete process.env.TESSERA_GPU_ADAPTER;
    resetGpuForTesting();
  }
});

test.run();
