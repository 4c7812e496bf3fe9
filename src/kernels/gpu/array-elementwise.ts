// The GPU kernel of 'array.elementwise': one fused chain of NDArray element-wise ops over one chunk, in one
// compiled WGSL pass (array-expr-wgsl.ts); returns the same chunk the CPU op returns.

import type { ArrayExpr } from '../array/elementwise.ts';
import { allocate, type DType } from '../array/dtypes.ts';
import { broadcastShapes } from '../array/broadcast.ts';
import { contiguousStrides, forEachIndex, isContiguous, sizeOf, view, type Strided } from '../array/strided.ts';
import { type Gpu, maxBindingBytes } from './device.ts';
import { dispatch, outputBuffer, pipelineFor, recycle, upload } from './buffers.ts';
import { type ExprPlan, compileExpr, planExpr } from './array-expr-wgsl.ts';

export type Chunk = Strided & { readonly dtype: DType };

/** Whether this chunk's chain can run on the GPU (dtypes, ops, sizes), and how exact its answer is there. */
export function planChunk(gpu: Gpu | null, expr: ArrayExpr, inputs: readonly Chunk[], dtype: DType): ExprPlan {
  const plan = planExpr(expr, inputs.map((c) => c.dtype), dtype);
  if (!plan.ok) return plan;
  let shape: number[];
  try {
    shape = broadcastShapes(...inputs.map((x) => x.shape));
  } catch {
    return { ok: false, reason: 'inputs do not broadcast (the CPU op reports it)' };
  }
  const n = sizeOf(shape);
  if (n === 0) return { ok: false, reason: 'an empty chunk' };
  if (gpu && n * 4 > maxBindingBytes(gpu)) return { ok: false, reason: 'a chunk larger than the GPU binding limit' };
  return plan;
}

/** The input as its GPU type, packed contiguous in its own shape (a broadcast input is uploaded once, not repeated). */
function uploadInput(gpu: Gpu, x: Chunk): GPUBuffer {
  const n = sizeOf(x.shape);
  let src = x.data as Float32Array | Int32Array | Uint8Array;
  if (isContiguous(x)) src = src.subarray(x.offset, x.offset + n);
  else {
    const packed = new (src.constructor as Float32ArrayConstructor)(n) as typeof src;
    forEachIndex(x.shape, x.stride, x.offset, (flat, i) => {
      packed[flat] = src[i]!;
    });
    src = packed;
  }
  return src instanceof Uint8Array ? upload(gpu, src, Uint32Array) : upload(gpu, src);
}

/** Evaluate `expr` over `inputs` into a new `dtype` chunk on the GPU (planChunk must have accepted it). */
export async function gpuElementwise(gpu: Gpu, expr: ArrayExpr, inputs: readonly Chunk[], dtype: DType): Promise<Chunk> {
  const shape = broadcastShapes(...inputs.map((x) => x.shape));
  const nd = shape.length;
  const total = sizeOf(shape);
  const dtypes = inputs.map((c) => c.dtype);
  const direct = inputs.map((x) => x.shape.length === nd && x.shape.every((d, i) => d === shape[i]));
  const { code, scalarWords } = compileExpr(expr, dtypes, dtype, direct, nd);
  const words = [total, 0, ...scalarWords, ...shape];
  inputs.forEach((x, i) => {
    if (direct[i]) return;
    const padded = [...new Array<number>(nd - x.shape.length).fill(1), ...x.shape];
    const strides = contiguousStrides(padded);
    words.push(...padded.map((d, a) => (d === 1 && shape[a] !== 1 ? 0 : strides[a]!)));
  });
  const buffers = inputs.map((x) => uploadInput(gpu, x));
  const prm = upload(gpu, Uint32Array.from(words));
  const bytes = total * 4;
  const out = outputBuffer(gpu, bytes);
  try {
    const result = await dispatch(gpu, pipelineFor(gpu, code), [...buffers, out, prm], Math.ceil(total / 256), out, bytes);
    return toChunk(result, dtype, shape);
  } finally {
    for (const b of buffers) b.destroy();
    prm.destroy();
    recycle(gpu, out);
  }
}

/** Read-back words as a chunk of `dtype` on a SharedArrayBuffer, as the CPU op allocates. */
function toChunk(result: ArrayBuffer, dtype: DType, shape: number[]): Chunk {
  const n = sizeOf(shape);
  const data = allocate(dtype, n);
  if (dtype === 'float32') (data as Float32Array).set(new Float32Array(result, 0, n));
  else if (dtype === 'int32') (data as Int32Array).set(new Int32Array(result, 0, n));
  else (data as Uint8Array).set(new Uint32Array(result, 0, n));
  const v = view(data, shape);
  return { data: v.data, shape: [...v.shape], stride: [...v.stride], offset: v.offset, dtype };
}

