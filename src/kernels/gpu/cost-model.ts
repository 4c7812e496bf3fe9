// The measured cost model behind `kernels: 'auto'`: upload bandwidth, dispatch latency and kernel throughput of
// this thread's GPU, and the CPU kernel's throughput, probed once per process/thread and cached; a task goes to
// the GPU only when the model predicts it finishes sooner there.

import { Float64, Int32, RecordBatch, makeData } from 'apache-arrow';
import { summarize } from '../summary.ts';
import { type Gpu, acquireGpu } from './device.ts';
import { gpuSummarize, uploadColumn } from './column-summary.ts';
import { gpuUniform } from './random.ts';
import { fillUniform } from '../../random/distributions.ts';

export interface CostModel {
  readonly adapter: string;
  /** Host-to-GPU upload bandwidth, bytes per ms. */
  readonly uploadBytesPerMs: number;
  /** Fixed cost of one kernel round trip (submit, wait, read back), ms. */
  readonly dispatchMs: number;
  /** Column-statistics kernel throughput on the GPU, rows per ms (upload excluded). */
  readonly gpuRowsPerMs: number;
  /** The CPU kernel's throughput on one thread, rows per ms. */
  readonly cpuRowsPerMs: number;
  /** Philox uniforms per ms, GPU kernel (read-back included) and CPU generator. */
  readonly gpuDrawsPerMs: number;
  readonly cpuDrawsPerMs: number;
}

const PROBE_ROWS = 1 << 18;
let cached: Promise<CostModel | null> | null = null;
let known: CostModel | null = null;

/** The model for this thread's GPU (probed on first call, ~0.1-0.5 s on a software adapter); null without a GPU. */
export function costModel(): Promise<CostModel | null> {
  cached ??= acquireGpu().then((gpu) => (gpu ? probe(gpu) : null)).then((m) => (known = m)).catch(() => null);
  return cached;
}

/** The model if it was measured already in this thread (explain() is synchronous and never probes). */
export function knownCostModel(): CostModel | null {
  return known;
}

/** Tests only. */
export function resetCostModelForTesting(model: CostModel | null = null): void {
  cached = model ? Promise.resolve(model) : null;
  known = model;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function probe(gpu: Gpu): Promise<CostModel> {
  const values = new Float64Array(PROBE_ROWS);
  for (let i = 0; i < PROBE_ROWS; i++) values[i] = (i % 1000) * 0.25 - 7;
  const big = makeData({ type: new Float64(), length: PROBE_ROWS, data: values });
  const small = makeData({ type: new Float64(), length: 2048, data: values.subarray(0, 2048) });
  const needs = { sum: true, minmax: true };
  const timeGpu = async (data: typeof big): Promise<[total: number, upload: number]> => {
    const t0 = performance.now();
    const col = uploadColumn(gpu, data);
    const t1 = performance.now();
    try {
      await gpuSummarize(gpu, col, needs);
    } finally {
      col.destroy();
    }
    return [performance.now() - t0, t1 - t0];
  };
  await timeGpu(small); // compiles the pipeline
  const smallRuns: number[] = [];
  const bigRuns: number[] = [];
  const uploads: number[] = [];
  for (let r = 0; r < 3; r++) {
    smallRuns.push((await timeGpu(small))[0]);
    const [t, u] = await timeGpu(big);
    bigRuns.push(t);
    uploads.push(u);
  }
  const cpuRuns: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    summarize(big, needs);
    cpuRuns.push(performance.now() - t0);
  }
  const stream = { key0: 1, key1: 2, p0: 0, p1: 0, p2: 0 };
  const draws = new Float64Array(PROBE_ROWS);
  await gpuUniform(gpu, stream, 0, 2048, draws, 0); // compiles the pipeline
  const gpuDrawRuns: number[] = [];
  const cpuDrawRuns: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    await gpuUniform(gpu, stream, 0, PROBE_ROWS, draws, 0);
    gpuDrawRuns.push(performance.now() - t0);
    t0 = performance.now();
    fillUniform(stream, 0, PROBE_ROWS, draws, 0);
    cpuDrawRuns.push(performance.now() - t0);
  }
  const dispatchMs = median(smallRuns);
  const uploadMs = Math.max(median(uploads), 1e-3);
  const kernelMs = Math.max(median(bigRuns) - dispatchMs - uploadMs, 1e-3);
  return {
    adapter: gpu.adapterName,
    uploadBytesPerMs: values.byteLength / uploadMs,
    dispatchMs,
    gpuRowsPerMs: PROBE_ROWS / kernelMs,
    cpuRowsPerMs: PROBE_ROWS / Math.max(median(cpuRuns), 1e-3),
    gpuDrawsPerMs: PROBE_ROWS / Math.max(median(gpuDrawRuns) - dispatchMs, 1e-3),
    cpuDrawsPerMs: PROBE_ROWS / Math.max(median(cpuDrawRuns), 1e-3),
  };
}

/** Predicted times of one column-statistics task over `rows` rows and `bytes` uploaded, with `passes` kernels. */
export function predict(model: CostModel, rows: number, bytes: number, passes = 1): { gpuMs: number; cpuMs: number } {
  return {
    gpuMs: passes * model.dispatchMs + bytes / model.uploadBytesPerMs + (passes * rows) / model.gpuRowsPerMs,
    cpuMs: rows / model.cpuRowsPerMs,
  };
}

/** Predicted times of drawing `n` random values. */
export function predictDraws(model: CostModel, n: number): { gpuMs: number; cpuMs: number } {
  return { gpuMs: model.dispatchMs + n / model.gpuDrawsPerMs, cpuMs: n / model.cpuDrawsPerMs };
}

/** Rows from which the GPU is predicted faster (8 bytes a row, one pass); null when it never is. */
export function breakEvenRows(model: CostModel): number | null {
  const perRowGpu = 8 / model.uploadBytesPerMs + 1 / model.gpuRowsPerMs;
  const perRowCpu = 1 / model.cpuRowsPerMs;
  if (perRowGpu >= perRowCpu) return null;
  return Math.ceil(model.dispatchMs / (perRowCpu - perRowGpu));
}

export function describeModel(m: CostModel): string {
  const mb = (m.uploadBytesPerMs * 1000) / 1e6;
  return `upload ${mb.toFixed(0)} MB/s, dispatch ${m.dispatchMs.toFixed(2)} ms, statistics GPU ${(m.gpuRowsPerMs / 1000).toFixed(1)} vs CPU ${(m.cpuRowsPerMs / 1000).toFixed(1)} M rows/s, Philox GPU ${(m.gpuDrawsPerMs / 1000).toFixed(1)} vs CPU ${(m.cpuDrawsPerMs / 1000).toFixed(1)} M draws/s`;
}

// ---------------------------------------------------------------------------------------------------
// Grouped aggregation (groupby.chunk): probed separately, at the first grouped task under 'auto' only.

export interface GroupedCostModel {
  /** Fixed cost of one grouped chunk on the GPU (uploads of ids and records, two round trips), ms. */
  readonly fixedMs: number;
  /** Rows x value columns per ms: GPU kernels (upload included) and the CPU kernel. */
  readonly gpuRowsPerMs: number;
  readonly cpuRowsPerMs: number;
}

const GROUP_PROBE_ROWS = 1 << 17;
let groupedCached: Promise<GroupedCostModel | null> | null = null;
let groupedKnown: GroupedCostModel | null = null;

/** The grouped model for this thread's GPU (probed once, ~0.1-0.5 s on lavapipe); null without a GPU. */
export function groupedCostModel(): Promise<GroupedCostModel | null> {
  groupedCached ??= acquireGpu().then((gpu) => (gpu ? probeGrouped(gpu) : null)).then((m) => (groupedKnown = m)).catch(() => null);
  return groupedCached;
}

export function knownGroupedCostModel(): GroupedCostModel | null {
  return groupedKnown;
}

/** Tests only. */
export function resetGroupedCostModelForTesting(model: GroupedCostModel | null = null): void {
  groupedCached = model ? Promise.resolve(model) : null;
  groupedKnown = model;
}

async function probeGrouped(gpu: Gpu): Promise<GroupedCostModel> {
  const { gpuGroupChunk } = await import('./grouped-aggregate.ts');
  const { groupChunk } = await import('../groupby/aggregate.ts');
  const batchOf = (rows: number) => {
    const k = new Int32Array(rows);
    const x = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      k[i] = (i * 7919) % 1000;
      x[i] = (i % 977) * 0.5 - 100;
    }
    return new RecordBatch({ k: makeData({ type: new Int32(), length: rows, data: k }), x: makeData({ type: new Float64(), length: rows, data: x }) });
  };
  const small = batchOf(WORKGROUP_ROWS);
  const big = batchOf(GROUP_PROBE_ROWS);
  const specs = [{ out: 's', column: 'x', fn: 'sum' as const, ddof: 1 }, { out: 'm', column: 'x', fn: 'max' as const, ddof: 1 }];
  await gpuGroupChunk(gpu, small, ['k'], specs, true); // compiles the pipelines
  const time = async (f: () => unknown) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const smallRuns: number[] = [];
  const bigRuns: number[] = [];
  const cpuRuns: number[] = [];
  for (let r = 0; r < 3; r++) {
    smallRuns.push(await time(() => gpuGroupChunk(gpu, small, ['k'], specs, true)));
    bigRuns.push(await time(() => gpuGroupChunk(gpu, big, ['k'], specs, true)));
    cpuRuns.push(await time(() => groupChunk(big, ['k'], specs, true)));
  }
  const fixedMs = median(smallRuns);
  return {
    fixedMs,
    gpuRowsPerMs: GROUP_PROBE_ROWS / Math.max(median(bigRuns) - fixedMs, 1e-3),
    cpuRowsPerMs: GROUP_PROBE_ROWS / Math.max(median(cpuRuns), 1e-3),
  };
}

const WORKGROUP_ROWS = 256;

/** Predicted times of one grouped chunk of `rows` rows and `columns` value columns. */
export function predictGrouped(model: GroupedCostModel, rows: number, columns: number): { gpuMs: number; cpuMs: number } {
  const work = rows * Math.max(columns, 1);
  return { gpuMs: model.fixedMs + work / model.gpuRowsPerMs, cpuMs: work / model.cpuRowsPerMs };
}

/** Rows from which grouped chunks are predicted faster on the GPU; null when never. */
export function groupedBreakEvenRows(model: GroupedCostModel): number | null {
  const perRow = 1 / model.cpuRowsPerMs - 1 / model.gpuRowsPerMs;
  return perRow <= 0 ? null : Math.ceil(model.fixedMs / perRow);
}

export function describeGroupedModel(m: GroupedCostModel): string {
  return `grouped GPU ${(m.gpuRowsPerMs / 1000).toFixed(1)} vs CPU ${(m.cpuRowsPerMs / 1000).toFixed(1)} M rows/s, fixed ${m.fixedMs.toFixed(2)} ms`;
}
