// kernels: 'auto': the measured cost model (probed once, cached) sends a task to the GPU only when it predicts a
// gain for that partition's size; explain() names the backend of each kind of task and why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns } from '../../../src/index.ts';
import { gpuDispatchCount } from '../../../src/kernels/gpu/device.ts';
import { type CostModel, breakEvenRows, costModel, groupedBreakEvenRows, resetCostModelForTesting, resetGroupedCostModelForTesting } from '../../../src/kernels/gpu/cost-model.ts';
import { gpuForTests } from './gpu-for-tests.ts';

const gpu = await gpuForTests();
const AUTO = { scheduler: 'sync', kernels: 'auto' } as const;

const FAST_GPU: CostModel = { adapter: 'test', uploadBytesPerMs: 1e7, dispatchMs: 1, gpuRowsPerMs: 1e6, cpuRowsPerMs: 1e3, gpuDrawsPerMs: 1e6, cpuDrawsPerMs: 1e3 };
const SLOW_GPU: CostModel = { ...FAST_GPU, gpuRowsPerMs: 10, uploadBytesPerMs: 10 };

if (gpu) {
  test('the cost model is measured once per process and cached', async () => {
    resetCostModelForTesting();
    const a = await costModel();
    const b = await costModel();
    assert.ok(a !== null && a === b);
    for (const v of [a!.uploadBytesPerMs, a!.dispatchMs, a!.gpuRowsPerMs, a!.cpuRowsPerMs, a!.gpuDrawsPerMs, a!.cpuDrawsPerMs]) assert.ok(Number.isFinite(v) && v > 0, `measured ${v}`);
  });

  test('auto: partitions past the break-even size run on the GPU, smaller ones on the CPU; same answers', async () => {
    resetCostModelForTesting(FAST_GPU);
    try {
      const rows = breakEvenRows(FAST_GPU)!;
      assert.ok(rows > 1 && rows < 2000, `break-even ${rows}`);
      const small = fromColumns({ x: Array.from({ length: rows - 1 }, (_, i) => i * 0.5) }, { npartitions: 1 }).col('x');
      const big = fromColumns({ x: Array.from({ length: rows + 1 }, (_, i) => i * 0.5) }, { npartitions: 1 }).col('x');
      let before = gpuDispatchCount();
      assert.equal(await compute(small.sum(), small.max(), AUTO), await compute(small.sum(), small.max(), { scheduler: 'sync' }));
      assert.is(gpuDispatchCount(), before, 'small partition: CPU');
      before = gpuDispatchCount();
      assert.equal(await compute(big.sum(), big.max(), AUTO), await compute(big.sum(), big.max(), { scheduler: 'sync' }));
      assert.ok(gpuDispatchCount() > before, 'large partition: GPU');
      before = gpuDispatchCount();
      await compute(big.var(), AUTO);
      assert.is(gpuDispatchCount(), before, "var stays on the CPU under 'auto' (float64 results)");
      const text = big.sum().explain(AUTO);
      assert.match(text, /kernels: auto \(on .+\)\n/);
      assert.match(text, new RegExp(`\\n  1 reduce.chunk: GPU for partitions of at least ${rows} rows without var/std, else CPU \\(upload`));
      assert.match(text, /\n  1 frame.from-memory: CPU \(no GPU kernel\)/);
      resetCostModelForTesting(SLOW_GPU);
      before = gpuDispatchCount();
      await compute(big.sum(), AUTO);
      assert.is(gpuDispatchCount(), before, 'a model that predicts a slower GPU keeps the CPU');
      assert.match(big.sum().explain(AUTO), /reduce.chunk: CPU \(the model predicts the CPU faster at every size/);
    } finally {
      resetCostModelForTesting();
    }
  });

  test('auto: grouped chunks follow the grouped cost model (break-even by rows); same answers either way', async () => {
    const model = { fixedMs: 5, gpuRowsPerMs: 1e5, cpuRowsPerMs: 1e3 };
    resetGroupedCostModelForTesting(model);
    try {
      const rows = groupedBreakEvenRows(model)!;
      assert.ok(rows > 1 && rows < 10000, `break-even ${rows}`);
      for (const [n, gpuExpected] of [[rows - 1, false], [rows + 50, true]] as const) {
        const df = fromColumns({ k: Array.from({ length: n }, (_, i) => i % 7), x: Array.from({ length: n }, (_, i) => i * 0.25) }, { npartitions: 1 });
        const agg = df.groupby('k').agg({ s: ['x', 'sum'], hi: ['x', 'max'] });
        const before = gpuDispatchCount();
        const got = (await agg.compute(AUTO)).toArray().map((r) => r.toJSON());
        assert.is(gpuDispatchCount() > before, gpuExpected, `${n} rows: ${gpuExpected ? 'GPU' : 'CPU'}`);
        assert.equal(got, (await agg.compute({ scheduler: 'sync' })).toArray().map((r) => r.toJSON()));
      }
      assert.match(fromColumns({ k: [1], x: [1.5] }).groupby('k').agg({ s: ['x', 'sum'] }).explain(AUTO), new RegExp(`groupby.chunk: GPU for partitions of at least ${rows} rows`));
    } finally {
      resetGroupedCostModelForTesting();
    }
  });

  test("explain with kernels 'gpu' names the backend per kind of task", () => {
    const df = fromColumns({ x: [1, 2, 3, 4], y: [1, 0, 1, 0] }, { npartitions: 2 });
    const text = df.filter(df.col('y').gt(0)).col('x').sum().explain({ scheduler: 'sync', kernels: 'gpu' });
    assert.match(text, /kernels: gpu \(on [^)]+\)/);
    assert.match(text, /2 reduce.chunk: GPU \(column statistics; on the CPU after a GPU failure\)/);
    assert.match(text, /2 frame.filter: fused into the GPU reduction right after it where it compiles/);
    // x holds integers: an integer sum is not a float64 expression, so the filter runs on the CPU, and says so.
    assert.match(text, /x where gt\(y, 0\): filter and expression evaluated on the CPU \(x is not float64/);
    const floats = fromColumns({ x: [1.5, 2, 3, 4], y: [1, 0, 1, 0] }, { npartitions: 2 });
    assert.match(floats.filter(floats.col('y').gt(0)).col('x').mul(2).sum().explain({ scheduler: 'sync', kernels: 'gpu' }), /mul\(x, 2\) where gt\(y, 0\): fused into one GPU element kernel/);
    assert.match(floats.col('x').pow(2).sum().explain({ scheduler: 'sync', kernels: 'gpu' }), /pow\(x, 2\): expression evaluated on the CPU \('pow'/);
    assert.match(floats.groupby('y').agg({ s: ['x', 'sum'] }).explain({ scheduler: 'sync', kernels: 'gpu' }), /groupby.chunk: GPU \(per-group count\/sum\/mean\/min\/max/);
    assert.not.match(df.col('x').sum().explain({ scheduler: 'sync' }), /kernels:/);
  });
}

test.run();
