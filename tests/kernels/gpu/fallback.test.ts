// GPU faults never cost an answer: without an adapter 'auto' runs on the CPU and 'gpu' fails at once naming
// the reason and the fix; a device lost in the middle of a compute finishes on the CPU with one warning line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, config, fromColumns } from '../../../src/index.ts';
import { gpuDispatchCount, gpuTestHooks, readyGpu, resetGpuForTesting } from '../../../src/kernels/gpu/device.ts';
import { rng } from '../../helpers.ts';
import { rejects } from '../../helpers.ts';
import { freshGpu, gpuForTests } from './gpu-for-tests.ts';

const gpu = await gpuForTests();

function frame(n: number, np: number) {
  const r = rng(n);
  return fromColumns({ x: Array.from({ length: n }, () => (r() < 0.1 ? null : (r() - 0.5) * 100)) }, { npartitions: np });
}

test('config: kernels is validated, and cannot be combined with another backend', async () => {
  assert.throws(() => config.set({ kernels: 'tpu' as never }), /kernels must be one of 'auto', 'cpu', 'gpu'; got "tpu"/);
  const s = frame(10, 1).col('x');
  await rejects(compute(s.sum(), { scheduler: 'sync', kernels: 'auto', backend: 'simd' }), /kernels: 'auto' and backend: 'simd' both choose a kernel backend/);
});

test('no adapter: kernels auto runs on the CPU with the same answers, kernels gpu fails at once with the reason', async () => {
  process.env.TESSERA_GPU_ADAPTER = 'none';
  resetGpuForTesting();
  try {
    const s = frame(3000, 3).col('x');
    const before = gpuDispatchCount();
    const cpu = await compute(s.sum(), s.var(), s.min(), { scheduler: 'sync' });
    const auto = await compute(s.sum(), s.var(), s.min(), { scheduler: 'sync', kernels: 'auto' });
    assert.equal(auto, cpu);
    assert.is(gpuDispatchCount(), before, 'nothing ran on a GPU');
    await rejects(compute(s.sum(), { scheduler: 'sync', kernels: 'gpu' }), /kernels: 'gpu' needs a GPU, and none can be used here: no GPU adapter \(TESSERA_GPU_ADAPTER=none\)\. Set kernels: 'auto'/);
  } finally {
    delete process.env.TESSERA_GPU_ADAPTER;
    resetGpuForTesting();
  }
});

if (gpu) {
  test('a device lost in the middle of a compute: the run finishes on the CPU with the right answers and one warning line', async () => {
    await freshGpu();
    const df = frame(20000, 8);
    const s = df.col('x');
    const cpu = await compute(s.sum(), s.mean(), s.var(), s.min(), s.max(), s.count(), { scheduler: 'sync' });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      gpuTestHooks.loseDeviceAfterDispatches = 3; // partition 2's statistics kernel: some partials already came from the GPU
      const got = await compute(s.sum(), s.mean(), s.var(), s.min(), s.max(), s.count(), { scheduler: 'sync', kernels: 'gpu' });
      assert.is(readyGpu(), null, 'the GPU is off');
      assert.ok(Math.abs((got[0] as number) - (cpu[0] as number)) <= 1e-9 * Math.abs(cpu[0] as number));
      assert.ok(Math.abs((got[2] as number) - (cpu[2] as number)) <= 1e-6 * (cpu[2] as number));
      assert.equal(got.slice(3), cpu.slice(3));
      // The rest of the run stays on the CPU, quietly: no second warning, no error for kernels: 'gpu'.
      const again = await compute(s.sum(), s.count(), { scheduler: 'sync', kernels: 'gpu' });
      assert.is(again[1], cpu[5]);
      assert.is(warnings.length, 1, warnings.join('\n'));
      assert.not.match(warnings[0]!, /\n/);
      assert.match(warnings[0]!, /^tessera: GPU (kernel failed|device lost).*GPU kernels are off for the rest of this run, tasks run on the CPU kernels$/);
    } finally {
      console.warn = warn;
      await freshGpu();
    }
  });
}

test.run();
