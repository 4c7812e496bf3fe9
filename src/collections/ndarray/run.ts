// Running arrays on their own: lower to a graph, cull and fuse it, run it on the configured scheduler and
// assemble each array's blocks into one `ndarray` over a SharedArrayBuffer.

import ndarray from 'ndarray';
import { resolveConfig, type ConfigOptions } from '../../config.ts';
import { task, type Graph, type Key } from '../../scheduler/graph.ts';
import { cull, fuseLinearChains } from '../../scheduler/optimize-graph.ts';
import { runGraph } from '../../scheduler/run-graph.ts';
import { getExecutor } from '../../scheduler/get-executor.ts';
import { allocate } from '../../kernels/array/dtypes.ts';
import { contiguousStrides, forEachIndex } from '../../kernels/array/strided.ts';
import { blockIndices, regionOf } from './chunks.ts';
import { lowerArray, newLowering, type TaskSink } from './lower.ts';
import type { ArrayNode } from './node.ts';
import type { Chunk } from './ops.ts';
import './ops.ts';

export type ArrayComputeOptions = ConfigOptions;

interface HasNode {
  readonly node: ArrayNode;
}

class GraphSink implements TaskSink {
  readonly graph: Graph = new Map();
  addTask(key: Key, op: string, args: unknown[]): Key {
    if (!this.graph.has(key)) this.graph.set(key, task(key, op, args));
    return key;
  }
}

/** Lowers arrays into `sink`; returns, per array, its block keys in C order. */
export function lowerArrays(arrays: readonly HasNode[], sink: TaskSink, scheduler: ConfigOptions['scheduler'] = 'sync', splitEvery = 8): Key[][] {
  const lw = newLowering(sink, scheduler ?? 'sync', splitEvery);
  return arrays.map((a) => lowerArray(lw, a.node));
}

/** One array's blocks (C order) copied into a contiguous ndarray on shared memory. */
export function assembleBlocks(node: ArrayNode, blocks: readonly unknown[]): ndarray.NdArray<any> {
  const size = node.shape.reduce((a, b) => a * b, 1);
  const out = allocate(node.dtype, size) as { [i: number]: number | bigint };
  const strides = contiguousStrides(node.shape);
  blockIndices(node.chunks).forEach((b, i) => {
    const c = blocks[i] as Chunk;
    const { start } = regionOf(node.chunks, b);
    const base = start.reduce((s, x, k) => s + x * strides[k]!, 0);
    const dst: number[] = [];
    forEachIndex(c.shape, strides, base, (_, j) => dst.push(j));
    const src = c.data as ArrayLike<number | bigint>;
    forEachIndex(c.shape, c.stride, c.offset, (flat, j) => {
      out[dst[flat]!] = src[j]!;
    });
  });
  return ndarray(out as never, [...node.shape]);
}

export async function computeArrays(arrays: readonly HasNode[], options: ArrayComputeOptions = {}): Promise<Array<ndarray.NdArray<any>>> {
  const cfg = resolveConfig(options);
  const sink = new GraphSink();
  const keys = lowerArrays(arrays, sink, cfg.scheduler, cfg.splitEvery);
  const outputs = [...new Set(keys.flat())];
  const graph = fuseLinearChains(cull(sink.graph, outputs), outputs);
  const values = await runGraph(graph, outputs, getExecutor(cfg), { culled: true });
  return arrays.map((a, i) => assembleBlocks(a.node, keys[i]!.map((k) => values.get(k))));
}

/** A short plan description: each node with shape, chunks and dtype, and the task count. */
export function explainArrays(arrays: readonly HasNode[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const visit = (n: ArrayNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const detail = n.kind === 'reduce' ? ` ${n.name} axes=${n.axes.join(',')}` : n.kind === 'random' ? ` ${n.random.dist}` : n.kind === 'linalg' ? ` ${n.op}` : '';
    lines.push(`${pad}${n.kind}${detail} shape=(${n.shape.join(', ')}) blocks=${n.chunks.map((c) => c.length).join('x')} dtype=${n.dtype}${seen.has(n.token) ? ' (shared)' : ''}`);
    if (seen.has(n.token)) return;
    seen.add(n.token);
    const children = 'inputs' in n ? n.inputs : 'input' in n ? [n.input] : n.kind === 'matmul' ? [n.a, n.b] : [];
    for (const c of children) visit(c, depth + 1);
  };
  for (const a of arrays) visit(a.node, 0);
  const sink = new GraphSink();
  const keys = lowerArrays(arrays, sink);
  const outputs = [...new Set(keys.flat())];
  const graph = fuseLinearChains(cull(sink.graph, outputs), outputs);
  lines.push(`${graph.size} tasks`);
  return lines.join('\n');
}
