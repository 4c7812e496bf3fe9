// The NDArray kernels of the GPU backends (array.elementwise, array.reduce-partial, array.reduce-expr): each
// chunk goes to the GPU when it can run there (and, under 'auto', when the cost model predicts a gain and the
// answer is the CPU's), else to the CPU op; explain() lines for them.

import { getOp } from '../../scheduler/registry.ts';
import { type Graph, isRef } from '../../scheduler/graph.ts';
import { CHAIN_OP, type ChainStep } from '../../scheduler/execute.ts';
import type { ArrayExpr } from '../array/elementwise.ts';
import type { DType } from '../array/dtypes.ts';
import { sizeOf } from '../array/strided.ts';
import type { ReductionName } from '../array/reduce.ts';
import type { Gpu } from './device.ts';
import { type Chunk, gpuElementwise, planChunk } from './array-elementwise.ts';
import { gpuReducePartial, reduceUnsupported } from './array-reduce.ts';
import { arrayCostModel, breakEvenElements, describeArrayModel, knownArrayCostModel, predictElementwise, predictReduce } from './array-cost.ts';
import { planExpr } from './array-expr-wgsl.ts';

type Mode = 'gpu' | 'auto';
type WithGpu = <T>(mode: Mode, cpuWork: () => T, gpuWork: (gpu: Gpu) => Promise<T>, worthIt?: () => Promise<boolean>) => Promise<T>;

const usesFloat32 = (dtypes: readonly DType[]) => dtypes.includes('float32');

async function elementwiseWorthIt(inputs: readonly Chunk[], dtype: DType, nodes: number): Promise<boolean> {
  const m = await arrayCostModel();
  if (!m) return false;
  // a GPU that flushes float32 subnormals would change tiny results: 'auto' keeps float32 chains on the CPU there
  if (!m.subnormals && usesFloat32([...inputs.map((c) => c.dtype), dtype])) return false;
  const n = sizeOf(inputs.reduce<number[]>((s, c) => (c.shape.length > s.length ? [...c.shape] : s), []));
  const { gpuMs, cpuMs } = predictElementwise(m, Math.max(n, 1), inputs.reduce((s, c) => s + sizeOf(c.shape), 0), nodes);
  return gpuMs < cpuMs;
}

/** The kernels, for backend.ts (which passes its `withGpu`, so this module does not import it back). */
export function arrayKernels(mode: Mode, withGpu: WithGpu) {
  const elementwise = (expr: ArrayExpr, inputs: Chunk[], dtype: DType, unknownAxes: number[][] | null = null): unknown => {
    const cpu = () => getOp('array.elementwise')(expr, inputs, dtype, unknownAxes);
    // chunks of unknown length are checked to line up by the CPU op; float64, int64 and unbounded ops stay there
    const plan = unknownAxes ? null : planChunk(null, expr, inputs, dtype);
    if (!plan?.ok || (mode === 'auto' && plan.exactness !== 'exact')) return cpu();
    return withGpu(
      mode,
      cpu,
      async (gpu) => (planChunk(gpu, expr, inputs, dtype).ok ? gpuElementwise(gpu, expr, inputs, dtype) : cpu()),
      () => elementwiseWorthIt(inputs, dtype, plan.nodes),
    );
  };
  const reducePartial = (x: Chunk, name: ReductionName, axes: number[], origin: number[], fullShape: number[]): unknown => {
    const cpu = () => getOp('array.reduce-partial')(x, name, axes, origin, fullShape);
    if (reduceUnsupported(null, name, x, axes)) return cpu();
    return withGpu(
      mode,
      cpu,
      async (gpu) => (reduceUnsupported(gpu, name, x, axes) ? cpu() : gpuReducePartial(gpu, name, x, axes)),
      async () => {
        // exact whatever the GPU does with subnormals: the kernel decodes float32 bits itself
        const m = await arrayCostModel();
        if (!m) return false;
        const { gpuMs, cpuMs } = predictReduce(m, sizeOf(x.shape));
        return gpuMs < cpuMs;
      },
    );
  };
  // mean(exp(x) + 3 sin(x)) over all axes: the chain and the reduction both on the GPU when both can run there
  const reduceExpr = (expr: ArrayExpr, inputs: Chunk[], dtype: DType, name: ReductionName, axes: number[], origin: number[], fullShape: number[]): unknown => {
    const cpu = () => getOp('array.reduce-expr')(expr, inputs, dtype, name, axes, origin, fullShape);
    const plan = planChunk(null, expr, inputs, dtype);
    const probe: Chunk = { data: new Float32Array(1), shape: inputs[0]?.shape ?? [], stride: [], offset: 0, dtype };
    if (!plan.ok || (mode === 'auto' && plan.exactness !== 'exact') || reduceUnsupported(null, name, probe, axes)) return cpu();
    return withGpu(
      mode,
      cpu,
      async (gpu) => {
        if (!planChunk(gpu, expr, inputs, dtype).ok) return cpu();
        const values = await gpuElementwise(gpu, expr, inputs, dtype);
        return gpuReducePartial(gpu, name, values, axes);
      },
      () => elementwiseWorthIt(inputs, dtype, plan.nodes + 1),
    );
  };
  return { 'array.elementwise': elementwise, 'array.reduce-partial': reducePartial, 'array.reduce-expr': reduceExpr } as const;
}

export const ARRAY_KERNEL_OPS = ['array.elementwise', 'array.reduce-partial', 'array.reduce-expr'] as const;

/** Every task and chain step of the graph by key, with its op and args. */
function stepsOf(graph: Graph): Map<string, { op: string; args: readonly unknown[] }> {
  const out = new Map<string, { op: string; args: readonly unknown[] }>();
  for (const t of graph.values()) {
    if (t.op === CHAIN_OP) for (const s of t.args[0] as ChainStep[]) out.set(s.key, s);
    else out.set(t.key, t);
  }
  return out;
}

/** Where each array op keeps its chunk's dtype (the ops that only move data pass their input's on). */
const DTYPE_ARG: Record<string, number> = { 'array.data': 4, 'array.fill': 4, 'array.random': 4, 'array.elementwise': 2, 'array.from-frame': 2 };
const PASS_THROUGH = new Set(['array.transpose', 'array.slice', 'array.reshape', 'array.expand', 'array.check-shape', 'array.assemble']);

/** The dtype of the chunk a ref names, when the graph says (null when only running would tell). */
function dtypeOf(x: unknown, steps: ReturnType<typeof stepsOf>, depth = 0): DType | null {
  if (!isRef(x) || depth > 50) return null;
  const step = steps.get(x.$ref);
  if (!step) return null;
  const at = DTYPE_ARG[step.op];
  if (at !== undefined) return (step.args[at] as DType) ?? null;
  if (PASS_THROUGH.has(step.op)) return dtypeOf(step.args.find(isRef) ?? (step.args[0] as unknown[])?.find?.(isRef), steps, depth + 1);
  return null;
}

/**
 * explain() for the NDArray kernels: what runs where and why. Chunks are not made before compute, so
 * element-wise chains are judged by their ops and the dtypes the graph records.
 */
export function describeArrayChoice(op: string, graph: Graph, kernels: Mode): string | null {
  if (!(ARRAY_KERNEL_OPS as readonly string[]).includes(op)) return null;
  const model = knownArrayCostModel();
  const chooser = kernels === 'gpu' ? '' : model ? `, by the cost model (${describeArrayModel(model)})` : ', by the cost model (measured at the first such task in each worker)';
  if (op === 'array.reduce-partial') {
    const rows = model ? breakEvenElements(model, null) : null;
    const size = kernels === 'auto' && model ? (rows === null ? ' (the model predicts the CPU faster at every size)' : ` from ${rows} elements`) : '';
    return `GPU for sum/mean/min/max of float32/int32/uint8/bool chunks${size}, else CPU (float64/int64 chunks and prod/var/std/arg*/any/all stay on the CPU)${chooser}`;
  }
  let gpuTasks = 0;
  const reasons = new Map<string, number>();
  const steps = stepsOf(graph);
  for (const { op: o, args } of steps.values()) {
    if (o !== op) continue;
    const expr = args[0] as ArrayExpr;
    const dtype = args[2] as DType;
    const inputs = (args[1] as unknown[]).map((x) => dtypeOf(x, steps));
    // an input whose dtype only running tells is judged as the result's dtype
    const plan = planExpr(expr, inputs.map((d) => d ?? dtype), dtype);
    const why = !plan.ok ? plan.reason : kernels === 'auto' && plan.exactness !== 'exact' ? "float32 div/sqrt/exp/log need kernels: 'gpu' (within the documented bound, not bit-identical)" : null;
    if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    else gpuTasks++;
  }
  const parts: string[] = [];
  if (gpuTasks > 0) parts.push(`${gpuTasks} on the GPU (one fused WGSL pass per chunk)${chooser}`);
  for (const [why, n] of reasons) parts.push(`${n} on the CPU: ${why}`);
  return parts.join('; ');
}

