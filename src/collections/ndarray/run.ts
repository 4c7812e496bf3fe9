// NDArrays in compute(): an array is a collection whose Output lowers its blocks through the shared graph
// builder (so arrays, DataFrames and scalars run in one graph) and assembles the blocks into one
// `ndarray` over a SharedArrayBuffer.

import ndarray from 'ndarray';
import type { Key } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import type { Output } from '../output.ts';
import { computeOne, explainOutputs, type ComputeOptions } from '../compute.ts';
import { allocate } from '../../kernels/array/dtypes.ts';
import { contiguousStrides, forEachIndex } from '../../kernels/array/strided.ts';
import { blockIndices, regionOf } from './chunks.ts';
import { lowerArray, newLowering, type ArrayLowering } from './lower.ts';
import type { ArrayNode } from './node.ts';
import type { Chunk } from './ops.ts';
import './ops.ts';

export type ArrayComputeOptions = ComputeOptions;

// One lowering state per graph: arrays sharing inputs in one compute() lower them once.
const lowerings = new WeakMap<GraphBuilder, ArrayLowering>();

function loweringFor(builder: GraphBuilder): ArrayLowering {
  let lw = lowerings.get(builder);
  if (!lw) {
    lw = newLowering(builder, builder.scheduler, builder.defaultSplitEvery);
    lowerings.set(builder, lw);
  }
  return lw;
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

/** explain() lines: each node with its shape, blocks and dtype. */
export function describeArray(root: ArrayNode): string {
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
  visit(root, 0);
  return lines.join('\n');
}

/** The collection-protocol Output of an array: no frames, its own tasks, an ndarray as result. */
export function arrayOutput(node: ArrayNode): Output<ndarray.NdArray<any>> {
  const out: Output<ndarray.NdArray<any>> = {
    frames: [],
    reductions: [],
    withFrames: () => out,
    lower: (builder: GraphBuilder): Key[] => lowerArray(loweringFor(builder), node),
    finish: (values) => assembleBlocks(node, values),
    explain: () => describeArray(node),
  };
  return out;
}

export function computeArray(node: ArrayNode, options: ArrayComputeOptions = {}): Promise<ndarray.NdArray<any>> {
  return computeOne(arrayOutput(node), options);
}

export function explainArray(node: ArrayNode, options: ArrayComputeOptions = {}): string {
  return explainOutputs([arrayOutput(node)], options);
}
