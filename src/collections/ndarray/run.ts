// NDArrays in compute(): an array is a collection whose Output lowers its blocks through the shared graph
// builder (so arrays, DataFrames and scalars run in one graph) and assembles the blocks into one
// `ndarray` over a SharedArrayBuffer.

import ndarray from 'ndarray';
import type { Key } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import type { Output } from '../output.ts';
import { computeOne, explainOutputs, type ComputeOptions } from '../compute.ts';
import { allocate, type AnyTypedArray } from '../../kernels/array/dtypes.ts';
import { contiguousStrides, sizeOf } from '../../kernels/array/strided.ts';
import { blockIndices, regionOf } from './chunks.ts';
import { lowerArray, newLowering, type ArrayLowering } from './lower.ts';
import type { ArrayNode } from './node.ts';
import type { Chunk } from './ops.ts';
import { ref } from '../../scheduler/graph.ts';
import type { FrameRewrite } from '../output.ts';
import { describePlan, type FrameNode } from '../plan.ts';
import { childrenOf } from './node.ts';
import { hasUnknownChunks } from './unknown-chunks.ts';
import type { Chunks } from './chunks.ts';
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

/**
 * The chunks the computed blocks actually have. Where the plan knew them they must agree; unknown ones are
 * read off the blocks, and every block in one slab along an axis must have the same length there.
 */
export function chunksOfBlocks(node: ArrayNode, blocks: readonly unknown[]): Chunks {
  const grid = blockIndices(node.chunks);
  const found: number[][] = node.chunks.map((c) => c.map(() => NaN));
  grid.forEach((b, i) => {
    const shape = (blocks[i] as Chunk).shape;
    b.forEach((k, axis) => {
      const n = shape[axis]!;
      const planned = node.chunks[axis]![k]!;
      const prev = found[axis]![k]!;
      if ((!Number.isNaN(planned) && planned !== n) || (!Number.isNaN(prev) && prev !== n)) {
        throw new RangeError(`block (${b.join(', ')}) has shape (${shape.join(', ')}), but other blocks in its row or column say axis ${axis} of block ${k} has ${Number.isNaN(planned) ? prev : planned} elements; a function given to mapBlocks/blockwise must return blocks that fit together`);
      }
      found[axis]![k] = n;
    });
  });
  return found;
}

/** One array's blocks (C order) copied into a contiguous ndarray on shared memory. */
export function assembleBlocks(planned: ArrayNode, blocks: readonly unknown[]): ndarray.NdArray<any> {
  const chunks = hasUnknownChunks(planned) ? chunksOfBlocks(planned, blocks) : planned.chunks;
  const node = { ...planned, chunks, shape: chunks.map((c) => c.reduce((a, b) => a + b, 0)) } as ArrayNode;
  const size = node.shape.reduce((a, b) => a * b, 1);
  const out = allocate(node.dtype, size);
  const strides = contiguousStrides(node.shape);
  blockIndices(node.chunks).forEach((b, i) => {
    const { start } = regionOf(node.chunks, b);
    copyBlockInto(out, strides, start.reduce((s, x, k) => s + x * strides[k]!, 0), blocks[i] as Chunk);
  });
  return ndarray(out as never, [...node.shape]);
}

// Runs at least this long are copied by TypedArray.set (a memcpy); shorter ones element by element, where
// making a subarray view would cost more than the copy.
const SET_MIN = 16;

/**
 * Copies block `c` (any strides) into `out`, a C-order array of the block's rank with `outStrides`, from
 * `base` on. The trailing axes that are contiguous in both the block and `out` make one run (a whole row
 * block is one run), copied by one TypedArray.set when both are the same kind of typed array.
 */
export function copyBlockInto(out: AnyTypedArray, outStrides: readonly number[], base: number, c: Chunk): void {
  const shape = c.shape;
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  const src = c.data as ArrayLike<number | bigint>;
  const dst = out as { [i: number]: number | bigint };
  if (nd === 0) {
    dst[base] = src[c.offset]!;
    return;
  }
  // axes [k, nd) make one run: C-contiguous in the block and in out (an axis of length 1 has any stride)
  let k = nd;
  let run = 1;
  while (k > 0 && (shape[k - 1] === 1 || (c.stride[k - 1] === run && outStrides[k - 1] === run))) run *= shape[--k]!;
  // no such axis (the block is strided along its last axis): runs are its rows, walked with their strides
  const strided = k === nd;
  const len = strided ? shape[nd - 1]! : run;
  const step = strided ? c.stride[nd - 1]! : 1;
  const outStep = strided ? outStrides[nd - 1]! : 1;
  const outer = strided ? nd - 1 : k;
  const bySet = !strided && len >= SET_MIN && out.constructor === c.data.constructor;
  const copyRun = (from: number, to: number): void => {
    if (bySet) (out as Float64Array).set((c.data as Float64Array).subarray(from, from + len), to);
    else for (let j = 0; j < len; j++, from += step, to += outStep) dst[to] = src[from]!;
  };
  // the outer axes in C order, both offsets carried along
  const counter = new Array<number>(outer).fill(0);
  let from = c.offset;
  let to = base;
  for (;;) {
    copyRun(from, to);
    let axis = outer - 1;
    for (; axis >= 0; axis--) {
      from += c.stride[axis]!;
      to += outStrides[axis]!;
      if (++counter[axis]! < shape[axis]!) break;
      from -= c.stride[axis]! * shape[axis]!;
      to -= outStrides[axis]! * shape[axis]!;
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** explain() lines: each node with its shape, blocks and dtype. */
export function describeArray(root: ArrayNode): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const visit = (n: ArrayNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const detail = n.kind === 'reduce' ? ` ${n.name} axes=${n.axes.join(',')}` : n.kind === 'random' ? ` ${n.random.dist}` : n.kind === 'linalg' ? ` ${n.op}` : n.kind === 'frame' ? ` columns=${JSON.stringify(n.columns)}` : '';
    lines.push(`${pad}${n.kind}${detail} shape=(${n.shape.join(', ')}) blocks=${n.chunks.map((c) => c.length).join('x')} dtype=${n.dtype}${seen.has(n.token) ? ' (shared)' : ''}`);
    if (seen.has(n.token)) return;
    seen.add(n.token);
    if (n.kind === 'frame') lines.push(describePlan(n.frame, `${pad}  `));
    for (const c of childrenOf(n)) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n');
}

/** The DataFrames an array reads (df.toArray), with the columns it needs. */
function framesUnder(root: ArrayNode): Array<{ frame: FrameNode; columns: readonly string[] }> {
  const out: Array<{ frame: FrameNode; columns: readonly string[] }> = [];
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n.token)) continue;
    seen.add(n.token);
    if (n.kind === 'frame') out.push({ frame: n.frame, columns: n.columns });
    stack.push(...childrenOf(n));
  }
  return out;
}

/**
 * An Output over `node` whose tasks compute `extra` per block (null: the blocks themselves), finished by
 * `finish`. Frames read by df.toArray() arrays are shown to the optimiser, and lowered as it rewrote them.
 */
function blocksOutput<T>(node: ArrayNode, finish: (values: readonly unknown[]) => T, describe: () => string, blockOp: string | null, rewrite: (f: FrameNode) => FrameNode = (f) => f): Output<T> {
  const frames = framesUnder(node);
  return {
    frames: frames.map(({ frame, columns }) => ({ node: rewrite(frame), need: new Set(columns) })),
    reductions: [],
    withFrames: (rw: FrameRewrite) => blocksOutput(node, finish, describe, blockOp, (f) => rw.frame(rewrite(f))),
    lower: (builder: GraphBuilder): Key[] => {
      const lw = loweringFor(builder);
      lw.rewriteFrame = rewrite;
      const keys = lowerArray(lw, node);
      return blockOp === null ? keys : keys.map((k) => builder.addTask(`${k}-${blockOp}`, blockOp, [ref(k)]));
    },
    finish,
    explain: describe,
  };
}

/** The collection-protocol Output of an array: its own tasks, an ndarray as result. */
export function arrayOutput(node: ArrayNode): Output<ndarray.NdArray<any>> {
  return blocksOutput(node, (values) => assembleBlocks(node, values), () => describeArray(node), null);
}

/** Computes the shape of every block (the data is computed, only shapes come back): the chunks as known. */
export async function computeChunks(node: ArrayNode, options: ArrayComputeOptions = {}): Promise<Chunks> {
  const shapes = await computeOne(blocksOutput(node, (values) => values.map((shape) => ({ shape })), () => describeArray(node), 'array.block-shape'), options);
  return chunksOfBlocks(node, shapes);
}

export function computeArray(node: ArrayNode, options: ArrayComputeOptions = {}): Promise<ndarray.NdArray<any>> {
  return computeOne(arrayOutput(node), options);
}

export function explainArray(node: ArrayNode, options: ArrayComputeOptions = {}): string {
  return explainOutputs([arrayOutput(node)], options);
}
