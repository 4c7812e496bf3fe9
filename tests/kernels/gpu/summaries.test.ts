// Summaries the GPU has no kernel for (exact quantiles, sketches, corr/cov co-moments) under kernels: 'gpu':
// the chunk stays on the CPU, so the answer is the CPU's (before, corr failed with "the partial lacks ...").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns } from '../../../src/index.ts';
import { gpuForTests } from './gpu-for-tests.ts';

const gpu = await gpuForTests();

if (gpu) {
  test("kernels: 'gpu' gives corr, cov, median and approximate quantiles equal to the CPU's, next to a GPU sum", async () => {
    const n = 3000;
    const x = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : Math.sin(i) * 100));
    const y = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : Math.cos(i * 0.3) * 10 + i * 0.01));
    const df = fromColumns({ x, y }, { npartitions: 4 });
    const a = df.col('x');
    const b = df.col('y');
    const build = () => [a.corr(b), a.cov(b), a.median(), a.quantile(0.9, { approx: true }), a.sum()] as const;
    const cpu = await compute(...build(), { scheduler: 'sync', kernels: 'cpu' });
    const onGpu = await compute(...build(), { scheduler: 'sync', kernels: 'gpu' });
    assert.equal(onGpu.slice(0, 4), cpu.slice(0, 4));
    assert.ok(Math.abs((onGpu[4] as number) - (cpu[4] as number)) <= 1e-9 * Math.abs(cpu[4] as number), `sum ${onGpu[4]} vs ${cpu[4]}`);
  });
}

test.run();
