// The GPU kernel of 'array.matmul': A (m x k) @ B (k x n) in float32 with a tiled shader (docs/GPU.md gives
// the error bound: |C - AB| <= (k + 2) 2^-24 (|A||B|)); the result is a float64 chunk like the CPU gemm's.

import { allocate } from '../array/dtypes.ts';
import type { Strided } from '../array/strided.ts';
import { type Gpu, USAGE } from './device.ts';
import { dispatch, outputBuffer, pipelineFor, recycle, uniformWords } from './buffers.ts';
import { TILE, matmulShader } from './wgsl/matmul.ts';

/** Pack a 2-D strided view (any numeric dtype) into a float32 upload buffer, row-major. */
function uploadMatrix(gpu: Gpu, x: Strided): GPUBuffer {
  const [rows, cols] = x.shape as [number, number];
  const buf = gpu.device.createBuffer({ size: Math.max(16, rows * cols * 4), usage: USAGE.STORAGE, mappedAtCreation: true });
  const out = new Float32Array(buf.getMappedRange());
  const src = x.data as ArrayLike<number | bigint>;
  const [s0, s1] = x.stride as [number, number];
  for (let i = 0; i < rows; i++) {
    let at = x.offset + i * s0;
    for (let j = 0; j < cols; j++, at += s1) out[i * cols + j] = Number(src[at]!);
  }
  buf.unmap();
  return buf;
}

export function gpuMatmulSupported(a: Strided, b: Strided): boolean {
  return a.shape.length === 2 && b.shape.length === 2 && a.shape[1] === b.shape[0] && a.shape[0]! * a.shape[1]! > 0 && b.shape[1]! > 0;
}

export async function gpuMatmul(gpu: Gpu, a: Strided, b: Strided): Promise<Strided<Float64Array>> {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const ga = uploadMatrix(gpu, a);
  const gb = uploadMatrix(gpu, b);
  const bytes = m * n * 4;
  const c = outputBuffer(gpu, bytes);
  const dims = uniformWords(gpu, [m, k, n, 0]);
  try {
    const groupsX = Math.ceil(n / TILE);
    const groupsY = Math.ceil(m / TILE);
    // dispatch() lays groups out as x * y; a (groupsX, groupsY) grid is the same count when groupsX <= 65535.
    if (groupsX > 65535 || groupsY > 65535) throw new Error(`matmul output ${m} x ${n} exceeds the GPU dispatch grid`);
    const result = new Float32Array(await dispatch(gpu, pipelineFor(gpu, matmulShader()), [ga, gb, c, dims], groupsX * groupsY, c, bytes, [groupsX, groupsY]));
    const out = allocate('float64', m * n) as Float64Array;
    out.set(result);
    return { data: out, shape: [m, n], stride: [n, 1], offset: 0 };
  } finally {
    ga.destroy();
    gb.destroy();
    recycle(gpu, c);
    dims.destroy();
  }
}
