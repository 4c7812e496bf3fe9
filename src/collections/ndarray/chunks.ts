// Chunk layouts, as Dask: per axis, the lengths of its chunks. Normalises what users pass (a block shape,
// per-axis lists, 'auto', a byte target such as '64MiB') and maps block indices to element regions.

import { BYTES_PER_ELEMENT, type DType } from '../../kernels/array/dtypes.ts';
import { contiguousStrides, forEachIndex, sizeOf } from '../../kernels/array/strided.ts';

export type Chunks = number[][];
/** What users may pass: one length for every axis, one per axis (a length or an explicit list), 'auto' or bytes. */
export type ChunksSpec = number | string | ReadonlyArray<number | readonly number[] | null> | Chunks;

const DEFAULT_CHUNK_BYTES = 64 * 2 ** 20;

export function parseBytes(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$/i.exec(s);
  if (!m) return null;
  const unit = (m[2] ?? 'B').toLowerCase();
  const scale: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30 };
  return Math.floor(Number(m[1]) * scale[unit]!);
}

/** Equal chunks of `size` along an axis of `n` (the last one ragged); an empty axis has one empty chunk. */
export function regular(n: number, size: number): number[] {
  if (n === 0) return [0];
  const out: number[] = [];
  for (let at = 0; at < n; at += size) out.push(Math.min(size, n - at));
  return out;
}

/** Chunks of about `bytes` each: the leading axis is split, trailing axes kept whole while they fit. */
function autoChunks(shape: readonly number[], dtype: DType, bytes: number): Chunks {
  let budget = Math.max(1, Math.floor(bytes / BYTES_PER_ELEMENT[dtype]));
  const sizes = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = Math.max(1, shape[i]!);
    sizes[i] = Math.max(1, Math.min(n, budget));
    budget = Math.max(1, Math.floor(budget / n));
  }
  return shape.map((n, i) => regular(n, sizes[i]!));
}

export function normalizeChunks(spec: ChunksSpec | undefined, shape: readonly number[], dtype: DType, what: string): Chunks {
  if (spec === undefined || spec === 'auto') return autoChunks(shape, dtype, DEFAULT_CHUNK_BYTES);
  if (typeof spec === 'string') {
    const bytes = parseBytes(spec);
    if (bytes === null || bytes <= 0) throw new TypeError(`${what}: chunks '${spec}' is not understood; pass 'auto', a byte size such as '64MiB', a block shape, or per-axis chunk lists`);
    return autoChunks(shape, dtype, bytes);
  }
  if (typeof spec === 'number') return shape.map((n) => regular(n, spec === -1 ? Math.max(1, n) : checkSize(spec, what)));
  if (!Array.isArray(spec) || spec.length !== shape.length) {
    throw new TypeError(`${what}: chunks must give one entry per axis (${shape.length} for shape (${shape.join(', ')})), got ${JSON.stringify(spec)}`);
  }
  return (spec as ReadonlyArray<number | readonly number[] | null>).map((c, axis) => {
    const n = shape[axis]!;
    if (c === null) return regular(n, Math.max(1, n));
    if (typeof c === 'number') return c === -1 ? regular(n, Math.max(1, n)) : regular(n, checkSize(c, what));
    const list = [...c];
    if (!list.every((x) => Number.isInteger(x) && x >= 0) || list.reduce((s, x) => s + x, 0) !== n || (list.length === 0)) {
      throw new RangeError(`${what}: chunks ${JSON.stringify(list)} along axis ${axis} must be non-negative integers summing to its length ${n}`);
    }
    return list;
  });
}

function checkSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${what}: a chunk length must be a positive integer, got ${n}`);
  return n;
}

/** Start offsets of each chunk along one axis (plus the total at the end). */
export function offsets(chunks: readonly number[]): number[] {
  const out = [0];
  for (const c of chunks) out.push(out[out.length - 1]! + c);
  return out;
}

/** Every block index in C order. */
export function blockIndices(chunks: Chunks): number[][] {
  const counts = chunks.map((c) => c.length);
  const out: number[][] = [];
  const total = counts.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    const idx = new Array<number>(counts.length);
    let rest = flat;
    for (let i = counts.length - 1; i >= 0; i--) {
      idx[i] = rest % counts[i]!;
      rest = Math.floor(rest / counts[i]!);
    }
    out.push(idx);
  }
  return out;
}

export interface Region {
  readonly start: number[];
  readonly shape: number[];
}

export function regionOf(chunks: Chunks, block: readonly number[]): Region {
  return {
    start: block.map((b, i) => offsets(chunks[i]!)[b]!),
    shape: block.map((b, i) => chunks[i]![b]!),
  };
}

/** Equal chunks; an unknown (NaN) length equals an unknown one, as in Dask. */
export function sameChunks(a: Chunks, b: Chunks): boolean {
  return a.length === b.length && a.every((c, i) => c.length === b[i]!.length && c.every((x, j) => Object.is(x, b[i]![j])));
}

/** The common refinement of several chunkings of one axis (every boundary of any of them). */
export function refine(lists: ReadonlyArray<readonly number[]>): number[] {
  if (lists.some((l) => l.some((x) => Number.isNaN(x)))) throw new RangeError('refine: chunks of unknown length cannot be refined (unifyAxis handles them)');
  const cuts = new Set<number>();
  for (const l of lists) for (const o of offsets(l)) cuts.add(o);
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]! - sorted[i - 1]!);
  return out.length === 0 ? [0] : out;
}

/** Calls fn(flat index in the whole array, position in the chunk) for each row-run of a region. */
export function forEachRun(fullShape: readonly number[], start: readonly number[], shape: readonly number[], fn: (flatStart: number, at: number, length: number) => void): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) return fn(0, 0, 1);
  const full = contiguousStrides(fullShape);
  const inner = shape[nd - 1]!;
  const outerShape = shape.slice(0, -1);
  let at = 0;
  forEachIndex(outerShape, contiguousStrides(outerShape), 0, (flat) => {
    // coordinates of this row inside the region
    let rest = flat;
    let base = start[nd - 1]! * full[nd - 1]!;
    for (let i = nd - 2; i >= 0; i--) {
      const c = rest % outerShape[i]!;
      rest = Math.floor(rest / outerShape[i]!);
      base += (start[i]! + c) * full[i]!;
    }
    fn(base, at, inner);
    at += inner;
  });
}
