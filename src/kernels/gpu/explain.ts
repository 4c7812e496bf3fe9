// explain() lines for kernels: 'gpu' | 'auto': which backend each kind of task will run on, and why (a GPU kernel
// exists or not, the adapter, the cost model's break-even size, the float64 rule of 'auto').

import type { Config } from '../../config.ts';
import type { Graph } from '../../scheduler/graph.ts';
import { CHAIN_OP, type ChainStep } from '../../scheduler/execute.ts';
import { effectiveBackend, kernelBackend } from '../backend.ts';
import { gpuUnavailableReason, readyGpu } from './device.ts';
import { breakEvenRows, describeModel, knownCostModel } from './cost-model.ts';
import { describeArrayChoice } from './array-kernels.ts';

/** Ops with a GPU kernel and what it computes there. */
const WHAT: Record<string, string> = {
  'reduce.chunk': 'column statistics',
  'array.random': 'Philox draws (uniform, integers, normal)',
  'array.matmul': 'tiled float32 matmul',
  'array.elementwise': 'fused element-wise chains',
  'array.reduce-partial': 'axis reductions',
  'array.reduce-expr': 'fused chains reduced',
};

function countOps(graph: Graph): Map<string, number> {
  const ops = new Map<string, number>();
  const add = (op: string) => ops.set(op, (ops.get(op) ?? 0) + 1);
  for (const t of graph.values()) {
    if (t.op === CHAIN_OP) for (const s of t.args[0] as ChainStep[]) add(s.op);
    else add(t.op);
  }
  return ops;
}

export function describeKernelChoice(cfg: Config, graph: Graph): string[] {
  if (cfg.kernels === 'cpu') return [];
  const backend = kernelBackend(effectiveBackend(cfg));
  const gpu = readyGpu();
  const missing = gpuUnavailableReason();
  const device = gpu ? `on ${gpu.adapterName}` : missing ? `no GPU: ${missing}` : 'GPU acquired at the first task';
  const lines = [`kernels: ${cfg.kernels} (${device})`];
  const model = knownCostModel();
  for (const [op, n] of countOps(graph)) {
    const hasKernel = op in backend.kernels;
    let where: string;
    const array = hasKernel && !missing ? describeArrayChoice(op, graph, cfg.kernels) : null;
    if (!hasKernel) where = 'CPU (no GPU kernel)';
    else if (missing) where = 'CPU (no GPU)';
    else if (array !== null) where = array;
    else if (cfg.kernels === 'gpu') where = `GPU (${WHAT[op] ?? 'GPU kernel'}; on the CPU after a GPU failure)`;
    else if (op === 'array.matmul') where = "CPU ('auto' keeps matmul in float64)";
    else if (!model) where = `GPU or CPU per task, by the cost model (measured at the first such task in each worker)`;
    else if (op === 'array.random') {
      const faster = model.gpuDrawsPerMs > model.cpuDrawsPerMs;
      where = faster
        ? `GPU for uniform/integers from ${Math.ceil(model.dispatchMs / (1 / model.cpuDrawsPerMs - 1 / model.gpuDrawsPerMs))} values (normals stay on the CPU under 'auto')`
        : `CPU (Philox is faster on the CPU here: ${describeModel(model)})`;
    } else {
      const rows = breakEvenRows(model);
      where = rows === null ? `CPU (the model predicts the CPU faster at every size: ${describeModel(model)})` : `GPU for partitions of at least ${rows} rows without var/std, else CPU (${describeModel(model)})`;
    }
    lines.push(`  ${n} ${op}: ${where}`);
  }
  return lines;
}
