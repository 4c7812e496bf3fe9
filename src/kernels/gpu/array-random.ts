// The GPU kernel of the 'array.random' op: an NDArray chunk of uniforms, normals or integers drawn by the GPU
// Philox kernels; other distributions (and integer ranges over 2^32) run the CPU op unchanged.

import { getOp } from '../../scheduler/registry.ts';
import { allocate, type DType } from '../array/dtypes.ts';
import { contiguousStrides, sizeOf, view } from '../array/strided.ts';
import type { StreamStart } from '../../random/stream.ts';
import type { Gpu } from './device.ts';
import { gpuIntegers, gpuIntegersSupported, gpuNormal, gpuUniform } from './random.ts';

interface RandomSpec {
  readonly dist: string;
  readonly start: StreamStart;
  readonly params: Readonly<Record<string, number>>;
}

/** Whether the GPU draws this spec (others go to the CPU op). */
export function gpuDraws(spec: RandomSpec): boolean {
  if (spec.dist === 'uniform' || spec.dist === 'normal') return true;
  return spec.dist === 'integers' && gpuIntegersSupported(spec.params.low!, spec.params.high!);
}

/** [flat index in the whole array, position in the chunk, length] of each row of the chunk's region. */
export function rowRuns(fullShape: readonly number[], start: readonly number[], shape: readonly number[]): Array<[number, number, number]> {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return [];
  if (nd === 0) return [[0, 0, 1]];
  const full = contiguousStrides(fullShape);
  const inner = shape[nd - 1]!;
  const rows = sizeOf(shape.slice(0, -1));
  const out: Array<[number, number, number]> = [];
  const idx = new Array<number>(nd - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let base = start[nd - 1]! * full[nd - 1]!;
    for (let i = 0; i < nd - 1; i++) base += (start[i]! + idx[i]!) * full[i]!;
    out.push([base, r * inner, inner]);
    for (let i = nd - 2; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Fill a run of elements [first, first + n) of the call into values[at..]. */
function draw(gpu: Gpu, spec: RandomSpec, first: number, n: number, values: Float64Array, at: number): Promise<void> {
  const p = spec.params;
  if (spec.dist === 'uniform') return gpuUniform(gpu, spec.start, first, n, values, at, p.low, p.high);
  if (spec.dist === 'normal') return gpuNormal(gpu, spec.start, first, n, values, at, p.loc, p.scale);
  return gpuIntegers(gpu, spec.start, first, n, values, at, p.low!, p.high!);
}

export async function gpuRandomChunk(gpu: Gpu, spec: RandomSpec, fullShape: number[], start: number[], shape: number[], dtype: DType): Promise<unknown> {
  const runs = rowRuns(fullShape, start, shape);
  const size = sizeOf(shape);
  const values = new Float64Array(size);
  if (runs.length > 0) {
    const lo = runs[0]![0];
    const last = runs[runs.length - 1]!;
    const span = last[0] + last[2] - lo;
    if (span <= 4 * size) {
      // One dispatch over the rows' covering range, then each row copied out (a column block of a wide array
      // draws at most 4x what it keeps; narrower blocks draw row by row).
      const covering = span === size ? values : new Float64Array(span);
      await draw(gpu, spec, lo, span, covering, 0);
      if (covering !== values) for (const [flat, at, n] of runs) values.set(covering.subarray(flat - lo, flat - lo + n), at);
    } else if (runs.length <= 64) {
      for (const [flat, at, n] of runs) await draw(gpu, spec, flat, n, values, at);
    } else return getOp('array.random')(spec, fullShape, start, shape, dtype);
  }
  const out = allocate(dtype, size) as { [i: number]: number | bigint } & { set?: (v: Float64Array) => void };
  if (dtype === 'float64') (out as Float64Array).set(values);
  else for (let i = 0; i < size; i++) out[i] = dtype === 'int64' ? BigInt(values[i]!) : values[i]!;
  const v = view(out as never, shape);
  return { data: v.data, shape: [...v.shape], stride: [...v.stride], offset: v.offset, dtype };
}
