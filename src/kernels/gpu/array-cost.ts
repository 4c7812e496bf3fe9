// The measured cost model of the NDArray GPU kernels, on top of the column-statistics model (cost-model.ts):
// element-wise and axis-reduction throughput on the GPU and on the CPU kernels, probed once per thread.

import { type CostModel, costModel } from './cost-model.ts';
import { acquireGpu, type Gpu } from './device.ts';
import { evaluate, type ArrayExpr } from '../array/elementwise.ts';
import { partialReduce } from '../array/reduce.ts';
import { gpuElementwise, type Chunk } from './array-elementwise.ts';
import { gpuReducePartial } from './array-reduce.ts';

export interface ArrayCostModel {
  readonly base: CostModel;
  /** Element-wise kernel, elements per ms on the GPU (read-back included; upload and dispatch excluded). */
  readonly gpuElementsPerMs: number;
  /** The CPU evaluator: elements x expression nodes per ms. */
  readonly cpuElementNodesPerMs: number;
  /** Axis-reduction kernel on the GPU (upload and dispatch excluded) and the CPU reduce kernel, elements per ms. */
  readonly gpuReduceElementsPerMs: number;
  readonly cpuReduceElementsPerMs: number;
  /** Whether this GPU keeps float32 subnormals (one that flushes them keeps float32 chains on the CPU under 'auto'). */
  readonly subnormals: boolean;
}

const PROBE = 1 << 18;
/** x * 2 + 1: five nodes (two ops, an input, two scalars). */
const PROBE_EXPR: ArrayExpr = {
  kind: 'binary', op: 'add', right: { kind: 'scalar', value: 1 },
  left: { kind: 'binary', op: 'mul', left: { kind: 'input', index: 0 }, right: { kind: 'scalar', value: 2 } },
};
export const PROBE_NODES = 5;

let cached: Promise<ArrayCostModel | null> | null = null;
let known: ArrayCostModel | null = null;

/** The model of this thread's GPU (probed at the first 'auto' array task, ~0.1 s on a software adapter); null without one. */
export function arrayCostModel(): Promise<ArrayCostModel | null> {
  cached ??= costModel()
    .then(async (base) => {
      const gpu = await acquireGpu();
      return base && gpu ? probe(gpu, base) : null;
    })
    .then((m) => (known = m))
    .catch(() => null);
  return cached;
}

export function knownArrayCostModel(): ArrayCostModel | null {
  return known;
}

/** Tests only. */
export function resetArrayCostModelForTesting(model: ArrayCostModel | null = null): void {
  cached = model ? Promise.resolve(model) : null;
  known = model;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

async function probe(gpu: Gpu, base: CostModel): Promise<ArrayCostModel> {
  const data = new Float32Array(PROBE);
  for (let i = 0; i < PROBE; i++) data[i] = (i % 1000) * 0.25 - 7;
  const x: Chunk = { data, shape: [PROBE], stride: [1], offset: 0, dtype: 'float32' };
  const tiny = new Float32Array([2 ** -126]);
  const half = await gpuElementwise(gpu, { kind: 'binary', op: 'mul', left: { kind: 'input', index: 0 }, right: { kind: 'scalar', value: 0.5 } }, [{ data: tiny, shape: [1], stride: [1], offset: 0, dtype: 'float32' }], 'float32');
  await gpuReducePartial(gpu, 'sum', x, [0]); // compiles
  const ew: number[] = [], cew: number[] = [], red: number[] = [], cred: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    await gpuElementwise(gpu, PROBE_EXPR, [x], 'float32');
    ew.push(performance.now() - t0);
    t0 = performance.now();
    evaluate(PROBE_EXPR, [x], 'float32');
    cew.push(performance.now() - t0);
    t0 = performance.now();
    await gpuReducePartial(gpu, 'sum', x, [0]);
    red.push(performance.now() - t0);
    t0 = performance.now();
    partialReduce('sum', x, [0]);
    cred.push(performance.now() - t0);
  }
  const fixed = base.dispatchMs + (PROBE * 4) / base.uploadBytesPerMs;
  return {
    base,
    gpuElementsPerMs: PROBE / Math.max(median(ew) - fixed, 1e-3),
    cpuElementNodesPerMs: (PROBE * PROBE_NODES) / Math.max(median(cew), 1e-3),
    gpuReduceElementsPerMs: PROBE / Math.max(median(red) - fixed, 1e-3),
    cpuReduceElementsPerMs: PROBE / Math.max(median(cred), 1e-3),
    subnormals: (half.data as Float32Array)[0] === 2 ** -127,
  };
}

/** Predicted times of one element-wise chunk: `n` output elements, `inputElements` uploaded, `nodes` expression nodes. */
export function predictElementwise(m: ArrayCostModel, n: number, inputElements: number, nodes: number): { gpuMs: number; cpuMs: number } {
  return {
    gpuMs: m.base.dispatchMs + (inputElements * 4) / m.base.uploadBytesPerMs + n / m.gpuElementsPerMs,
    cpuMs: (n * nodes) / m.cpuElementNodesPerMs,
  };
}

/** Predicted times of reducing a chunk of `n` elements. */
export function predictReduce(m: ArrayCostModel, n: number): { gpuMs: number; cpuMs: number } {
  return { gpuMs: m.base.dispatchMs + (n * 4) / m.base.uploadBytesPerMs + n / m.gpuReduceElementsPerMs, cpuMs: n / m.cpuReduceElementsPerMs };
}

/** Smallest chunk (elements) from which the GPU is predicted faster, for a chain of `nodes` nodes over one input; null if never. */
export function breakEvenElements(m: ArrayCostModel, nodes: number | null): number | null {
  const perGpu = 4 / m.base.uploadBytesPerMs + (nodes === null ? 1 / m.gpuReduceElementsPerMs : 1 / m.gpuElementsPerMs);
  const perCpu = nodes === null ? 1 / m.cpuReduceElementsPerMs : nodes / m.cpuElementNodesPerMs;
  if (perGpu >= perCpu) return null;
  return Math.ceil(m.base.dispatchMs / (perCpu - perGpu));
}

export function describeArrayModel(m: ArrayCostModel): string {
  const r = (x: number) => (x / 1000).toFixed(1);
  return `element-wise GPU ${r(m.gpuElementsPerMs)} M elements/s vs CPU ${r(m.cpuElementNodesPerMs)} M element-nodes/s, axis sums GPU ${r(m.gpuReduceElementsPerMs)} vs CPU ${r(m.cpuReduceElementsPerMs)} M elements/s, dispatch ${m.base.dispatchMs.toFixed(2)} ms`;
}
