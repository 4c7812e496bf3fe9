// GPU kernels vs the CPU kernels on 2 worker threads, per kernel: time, elements/s, and the cost model's
// predicted GPU and CPU times next to the measured ones (so on a real GPU it shows whether 'auto' chose right).
// usage: node --import tsx bench/gpu.ts [--scale 1]   (needs an adapter: source ~/.cache/lavapipe/env.sh)

import { Table, makeVector } from 'apache-arrow';
import { array, closeExecutors, compute, fromArrow, random, type ComputeOptions } from '../src/index.ts';
import { acquireGpu, gpuUnavailableReason } from '../src/kernels/gpu/device.ts';
import { type CostModel, costModel, describeModel, predict, predictDraws } from '../src/kernels/gpu/cost-model.ts';
import { arrayCostModel, describeArrayModel, predictElementwise, predictReduce } from '../src/kernels/gpu/array-cost.ts';

const argv = process.argv.slice(2);
const scale = argv.includes('--scale') ? Number(argv[argv.indexOf('--scale') + 1]) : 1;
const ROWS = Math.round(4_000_000 * scale);
const PARTS = 4;
const DRAWS = Math.round(4_000_000 * scale);
const MAT = 2 * Math.max(16, Math.round(256 * Math.cbrt(scale)));
const ARR_COLS = 64;
const ARR = ARR_COLS * PARTS * Math.max(1, Math.round((4_000_000 * scale) / (ARR_COLS * PARTS)));

const CPU2: ComputeOptions = { scheduler: 'threads', numWorkers: 2, kernels: 'cpu' };
// The GPU path runs tasks in this thread (one device); 2 CPU threads would each open their own device.
const GPU: ComputeOptions = { scheduler: 'sync', kernels: 'gpu' };

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: pools, pipelines
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

const rate = (n: number, ms: number) => `${((n / ms) * 1000 / 1e6).toFixed(1)} M/s`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

interface Row {
  kernel: string;
  elements: number;
  cpu: number;
  gpu: number;
  predicted: string;
}

async function main(): Promise<void> {
  const gpu = await acquireGpu();
  if (!gpu) {
    console.log(`no GPU adapter: ${gpuUnavailableReason()}`);
    return;
  }
  const model = (await costModel()) as CostModel;
  console.log(`adapter: ${gpu.adapterName}`);
  console.log(`cost model (probed once): ${describeModel(model)}`);
  const arrayModel = await arrayCostModel();
  if (arrayModel) console.log(`array cost model: ${describeArrayModel(arrayModel)}`);
  const rows: Row[] = [];

  const r = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const u = r(1);
  const floats = Float64Array.from({ length: ROWS }, () => (u() - 0.5) * 1000);
  const ints = Int32Array.from({ length: ROWS }, () => Math.floor((u() - 0.5) * 2 ** 31));
  const df = fromArrow(new Table({ x: makeVector(floats), i: makeVector(ints) }), { npartitions: PARTS });
  const perPart = ROWS / PARTS;
  const reduce = (label: string, make: () => unknown[], bytesPerRow: number, passes: number) => async () => {
    const cpu = await time(() => compute(...(make() as never[]), CPU2));
    const g = await time(() => compute(...(make() as never[]), GPU));
    const p = predict(model, perPart, perPart * bytesPerRow, passes);
    rows.push({ kernel: label, elements: ROWS, cpu, gpu: g, predicted: `GPU ${ms(p.gpuMs * PARTS)} / CPU ${ms((p.cpuMs * PARTS) / 2)}` });
  };
  await reduce('float64 sum+min+max', () => [df.col('x').sum(), df.col('x').min(), df.col('x').max()], 8, 1)();
  await reduce('float64 mean+var (2 passes)', () => [df.col('x').mean(), df.col('x').var()], 8, 2)();
  await reduce('int32 sum+max (exact)', () => [df.col('i').sum(), df.col('i').max()], 4, 1)();

  const draws = (label: string, make: () => { compute(o: ComputeOptions): Promise<unknown> }) => async () => {
    const cpu = await time(() => make().compute(CPU2));
    const g = await time(() => make().compute(GPU));
    const per = predictDraws(model, DRAWS / PARTS);
    rows.push({ kernel: label, elements: DRAWS, cpu, gpu: g, predicted: `GPU ${ms(per.gpuMs * PARTS)} / CPU ${ms((per.cpuMs * PARTS) / 2)}` });
  };
  await draws('Philox uniform', () => random.generator(7).uniform([DRAWS], { chunks: [DRAWS / PARTS] }))();
  await draws('Philox integers [0, 1000)', () => random.generator(7).integers(0, 1000, [DRAWS], { chunks: [DRAWS / PARTS] }))();
  await draws('Philox normal (float32 Box-Muller)', () => random.generator(7).normal([DRAWS], { chunks: [DRAWS / PARTS] }))();

  const a = array.fromTypedArray(Float64Array.from({ length: MAT * MAT }, () => u() - 0.5), [MAT, MAT], { chunks: [MAT / 2, MAT] });
  const b = array.fromTypedArray(Float64Array.from({ length: MAT * MAT }, () => u() - 0.5), [MAT, MAT], { chunks: [MAT, MAT] });
  const cpuMm = await time(() => a.matmul(b).compute(CPU2));
  const gpuMm = await time(() => a.matmul(b).compute(GPU));
  rows.push({ kernel: `matmul ${MAT}x${MAT} (float32 tiles)`, elements: 2 * MAT ** 3, cpu: cpuMm, gpu: gpuMm, predicted: "n/a ('auto' keeps matmul in float64)" });

  // NDArray: a fused float32 chain (one pass per chunk) and an int32 axis sum, per chunk of ARR / PARTS elements
  const perChunk = ARR / PARTS;
  const fx = array.fromTypedArray(Float32Array.from({ length: ARR }, () => (u() - 0.5) * 100), [ARR / ARR_COLS, ARR_COLS], { chunks: [ARR / ARR_COLS / PARTS, ARR_COLS] });
  const ix = array.fromTypedArray(Int32Array.from({ length: ARR }, () => Math.floor((u() - 0.5) * 2 ** 20)), [ARR / ARR_COLS, ARR_COLS], { chunks: [ARR / ARR_COLS / PARTS, ARR_COLS] });
  const chain = () => fx.mul(2).add(1).maximum(0).minimum(50).abs();
  const cpuChain = await time(() => chain().compute(CPU2));
  const gpuChain = await time(() => chain().compute(GPU));
  const pc = arrayModel ? predictElementwise(arrayModel, perChunk, perChunk, 10) : null;
  rows.push({ kernel: 'NDArray float32 chain (5 ops, fused)', elements: ARR, cpu: cpuChain, gpu: gpuChain, predicted: pc ? `GPU ${ms(pc.gpuMs * PARTS)} / CPU ${ms((pc.cpuMs * PARTS) / 2)}` : 'n/a' });
  const cpuAxis = await time(() => ix.sum({ axis: 0 }).compute(CPU2));
  const gpuAxis = await time(() => ix.sum({ axis: 0 }).compute(GPU));
  const pr = arrayModel ? predictReduce(arrayModel, perChunk) : null;
  rows.push({ kernel: `NDArray int32 sum(axis=0) (exact), ${ARR_COLS} columns`, elements: ARR, cpu: cpuAxis, gpu: gpuAxis, predicted: pr ? `GPU ${ms(pr.gpuMs * PARTS)} / CPU ${ms((pr.cpuMs * PARTS) / 2)}` : 'n/a' });

  console.log('\n| kernel | elements | CPU 2 threads | GPU | CPU elements/s | GPU elements/s | model: predicted GPU / CPU |');
  console.log('|---|---|---|---|---|---|---|');
  for (const x of rows) {
    console.log(`| ${x.kernel} | ${x.elements.toLocaleString('en')} | ${ms(x.cpu)} | ${ms(x.gpu)} | ${rate(x.elements, x.cpu)} | ${rate(x.elements, x.gpu)} | ${x.predicted} |`);
  }
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await closeExecutors();
  process.exit(code);
}
