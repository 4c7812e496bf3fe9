// The GPU kernel backends: 'gpu' (kernels: 'gpu') runs every op it has a kernel for on the GPU, 'gpu-auto'
// (kernels: 'auto') only where the cost model predicts a gain. Both rerun a task on the CPU kernels when the GPU fails.

import type { Data, RecordBatch } from 'apache-arrow';
import { type KernelBackend, GPU_BACKEND_NAMES, registerKernelBackend } from '../backend.ts';
import { evaluate, type Evaluated } from '../evaluate.ts';
import { reduceChunk } from '../reduce-ops.ts';
import { type Needs, type Summary, summarize } from '../summary.ts';
import type { ColExpr } from '../../expr.ts';
import { type Gpu, acquireGpu, disableGpu, firstLine } from './device.ts';
import { type UploadedColumn, gpuCanSummarize, gpuSummarize, uploadColumn } from './column-summary.ts';
import { costModel, predict, predictDraws } from './cost-model.ts';
import { gpuDraws, gpuRandomChunk } from './array-random.ts';
import { getOp } from '../../scheduler/registry.ts';
import type { DType } from '../array/dtypes.ts';
import type { Strided } from '../array/strided.ts';
import { gpuMatmul, gpuMatmulSupported } from './matmul.ts';
import { arrayKernels } from './array-kernels.ts';

type Mode = 'gpu' | 'auto';

/**
 * Run `gpuWork` on this thread's GPU, or `cpuWork` when there is none, when `auto` mode's model prefers the
 * CPU, or after any GPU failure (which switches the GPU off for the rest of the run, with one warning).
 */
export async function withGpu<T>(mode: Mode, cpuWork: () => T, gpuWork: (gpu: Gpu) => Promise<T>, worthIt?: () => Promise<boolean>): Promise<T> {
  const gpu = await acquireGpu();
  if (!gpu) return cpuWork();
  if (mode === 'auto' && worthIt && !(await worthIt())) return cpuWork();
  try {
    return await gpuWork(gpu);
  } catch (e) {
    disableGpu(`GPU kernel failed (${firstLine(e)})`);
    return cpuWork();
  }
}

/** reduce.chunk on the GPU: each expression is evaluated as on the CPU, then summarised by the GPU kernels. */
export function gpuReduceChunk(mode: Mode) {
  return async (batch: RecordBatch, exprs: readonly ColExpr[], needs: readonly Needs[]): Promise<Summary[]> => {
    // Quantile runs, sketches and co-moments (corr/cov pair expressions with each other) have no GPU kernel:
    // the whole chunk stays on the CPU so every partial carries what its merge needs.
    if (needs.some((n) => n.values || n.sketch || (n.co?.length ?? 0) > 0)) return reduceChunk(batch, exprs, needs);
    return withGpu(
      mode,
      () => reduceChunk(batch, exprs, needs),
      (gpu) => reduceOnGpu(gpu, batch, exprs, needs),
      async () => {
        // var/std are float32-accurate on the GPU: only with kernels: 'gpu'; 'auto' keeps the CPU's float64.
        if (needs.some((n) => n.moments)) return false;
        const model = await costModel();
        if (!model) return false;
        const moments = false;
        const { gpuMs, cpuMs } = predict(model, batch.numRows * exprs.length, batch.numRows * 8 * exprs.length, moments ? 2 : 1);
        return gpuMs < cpuMs;
      },
    );
  };
}

async function reduceOnGpu(gpu: Gpu, batch: RecordBatch, exprs: readonly ColExpr[], needs: readonly Needs[]): Promise<Summary[]> {
  const evaluated = new Map<string, Evaluated>();
  // A column several reductions read is uploaded once for all of them (and for every pass).
  const uploads = new Map<Data, UploadedColumn>();
  try {
    const out: Summary[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const e = evaluate(batch, exprs[i]!, evaluated);
      if ('lit' in e) out.push(reduceChunk(batch, [exprs[i]!], [needs[i]!])[0]!);
      else if (!gpuCanSummarize(e.data, needs[i]!)) out.push(summarize(e.data, needs[i]!));
      else {
        let col = uploads.get(e.data);
        if (!col) uploads.set(e.data, (col = uploadColumn(gpu, e.data)));
        out.push(await gpuSummarize(gpu, col, needs[i]!));
      }
    }
    return out;
  } finally {
    for (const c of uploads.values()) c.destroy();
  }
}

/** array.random on the GPU for uniform, normal and integer draws; other distributions run the CPU op. */
export function gpuArrayRandom(mode: Mode) {
  return (spec: Parameters<typeof gpuRandomChunk>[1], fullShape: number[], start: number[], shape: number[], dtype: DType): unknown => {
    const cpu = () => getOp('array.random')(spec, fullShape, start, shape, dtype);
    // Normals are float32-accurate on the GPU: only with kernels: 'gpu'; 'auto' keeps every value the CPU's.
    if (!gpuDraws(spec) || (mode === 'auto' && spec.dist === 'normal')) return cpu();
    return withGpu(mode, cpu, (gpu) => gpuRandomChunk(gpu, spec, fullShape, start, shape, dtype), async () => {
      const model = await costModel();
      if (!model) return false;
      const { gpuMs, cpuMs } = predictDraws(model, shape.reduce((a, b) => a * b, 1));
      return gpuMs < cpuMs;
    });
  };
}

/**
 * array.matmul on the GPU, in float32 (the bound is in docs/GPU.md). Only with kernels: 'gpu': 'auto' never
 * trades float64 results for float32 ones behind the user's back.
 */
export function gpuArrayMatmul(mode: Mode) {
  return (a: Strided & { dtype: string }, b: Strided & { dtype: string }): unknown => {
    const cpu = () => getOp('array.matmul')(a, b);
    if (mode === 'auto' || !gpuMatmulSupported(a, b)) return cpu();
    return withGpu(mode, cpu, async (gpu) => ({ ...(await gpuMatmul(gpu, a, b)), dtype: 'float64' }));
  };
}

function backend(name: string, mode: Mode): KernelBackend {
  return { name, kernels: { 'reduce.chunk': gpuReduceChunk(mode), 'array.random': gpuArrayRandom(mode), 'array.matmul': gpuArrayMatmul(mode), ...arrayKernels(mode, withGpu) } };
}

registerKernelBackend(backend(GPU_BACKEND_NAMES.gpu, 'gpu'));
registerKernelBackend(backend(GPU_BACKEND_NAMES.auto, 'auto'));
