// The array ops tasks name: each makes or transforms one chunk (a plain {data, shape, stride, offset,
// dtype} view, its data on a SharedArrayBuffer) and runs the same in the main thread, a worker or a child.

import { registerOp } from '../../scheduler/registry.ts';
import { allocate, type DType } from '../../kernels/array/dtypes.ts';
import { evaluate, resultDType, type ArrayExpr } from '../../kernels/array/elementwise.ts';
import { fusedReducer, type FusedKind } from '../../kernels/array/fused-reduce.ts';
import { combineAll, combinePartials, finalizePartial, partialOfSums, partialReduce, type Partial, type ReductionName } from '../../kernels/array/reduce.ts';
import { scan, type ScanName } from '../../kernels/array/scan.ts';
import { gemm, syrk, syrkPacked, unpackUpperSum } from '../../kernels/array/gemm.ts';
import { cholesky, choleskyOfPackedSum, inv, qr, solve, solveTriangular } from '../../kernels/array/linalg.ts';
import { contiguousStrides, forEachIndex, isContiguous, sizeOf, view, type Strided } from '../../kernels/array/strided.ts';
import { momentsAs, reduceRandomChunk, runFiller } from './random-chunk.ts';
import { forEachRun } from './chunks.ts';
import { loadUdf, type UdfRef } from '../../kernels/groupby/udf-runtime.ts';
import ndarray from 'ndarray';
import type { RecordBatch } from 'apache-arrow';
import { batchToChunk } from '../../kernels/array/from-arrow.ts';
import type { AxisSelection, FillSpec, LinalgOp, RandomSpec } from './node.ts';

export type Chunk = Strided & { readonly dtype: DType };

/**
 * Inputs with chunks of unknown length were assumed to line up (same partitions); here the blocks prove it.
 * A block of length 1 would otherwise broadcast silently against a longer one.
 */
function checkUnknownAxesMatch(inputs: readonly Chunk[], unknownAxes: readonly (readonly number[])[]): void {
  const nd = Math.max(...inputs.map((x) => x.shape.length));
  const seen = new Map<number, number>();
  inputs.forEach((x, k) => {
    for (const axis of unknownAxes[k]!) {
      const n = x.shape[axis - (nd - x.shape.length)]!;
      const prev = seen.get(axis);
      if (prev !== undefined && prev !== n) {
        throw new RangeError(`arrays with chunks of unknown length do not line up: along axis ${axis} one block has ${prev} elements and another ${n} (they come from frames or masks with different lengths); call computeChunkSizes() on each and rechunk them alike`);
      }
      seen.set(axis, n);
    }
  });
}

/**
 * A reduction over all axes of an element-wise block without making the block: the expression is evaluated
 * a slice at a time into one small scratch buffer (in cache) and each slice's partial merged. Inputs must
 * be contiguous with the block's shape (the lowering asks only then); otherwise the whole block is made.
 */
function reduceExpr(expr: ArrayExpr, inputs: Chunk[], dtype: DType, name: ReductionName, axes: number[], origin: number[], fullShape: number[]): Partial {
  const shape = inputs[0]!.shape;
  const nd = shape.length;
  const flat = inputs.every((c) => c.shape.length === nd && c.shape.every((d, i) => d === shape[i]) && isContiguous(c));
  if (!flat || nd === 0) return partialReduce(name, chunk(evaluate(expr, inputs, dtype), dtype), axes, { origin, fullShape, dtype });
  const n = sizeOf(shape);
  const STEP = 1 << 15;
  let scratch: ReturnType<typeof allocate> | null = null;
  const ones = new Array<number>(nd - 1).fill(1);
  const stepPartial = (at: number, len: number): Partial => {
    scratch ??= allocate(dtype, Math.min(STEP, Math.max(1, n)));
    const pieces = inputs.map((c) => ({ data: c.data, shape: [len], stride: [1], offset: c.offset + at, dtype: c.dtype }));
    const v = evaluate(expr, pieces, dtype, scratch);
    return partialReduce(name, { data: v.data, shape: [...ones, len], stride: [...ones.map(() => len), 1], offset: 0, dtype } as Chunk, axes, { dtype });
  };
  // the chain and the step's sums in one SIMD pass when it can (same bits as stepPartial)
  const fused = fusedStepPartial(expr, inputs, dtype, name, nd, n);
  let acc: Partial | null = null;
  for (let at = 0; at < n || acc === null; at += STEP) {
    const len = Math.max(0, Math.min(STEP, n - at));
    const p = (fused && len > 0 ? fused(at, len) : null) ?? stepPartial(at, len);
    acc = acc === null ? p : combinePartials(acc, p);
  }
  return acc;
}

const FUSED_NAMES: ReadonlyMap<ReductionName, FusedKind> = new Map([['sum', 'sum'], ['mean', 'mean'], ['var', 'moments'], ['std', 'moments']]);
/** Below this many elements per block the fused kernel's set-up outweighs it. */
const FUSED_MIN = 64;

/**
 * The fused form of reduceExpr's step (fused-reduce.ts) for float64 chains reduced by sum or moments, or
 * null. A step whose moments meet an infinity or NaN (shift or sum not finite) returns null: partialReduce's
 * unshifted second pass handles it.
 */
function fusedStepPartial(expr: ArrayExpr, inputs: Chunk[], dtype: DType, name: ReductionName, nd: number, n: number): ((at: number, len: number) => Partial | null) | null {
  const kind = FUSED_NAMES.get(name);
  if (kind === undefined || dtype !== 'float64' || n < FUSED_MIN || !inputs.every((c) => c.data instanceof Float64Array)) return null;
  const dtypes = inputs.map((c) => c.dtype);
  const step = fusedReducer(expr, inputs.map((c) => ({ data: c.data as Float64Array, offset: c.offset })), kind, (e) => resultDType(e, dtypes) === 'float64');
  if (!step) return null;
  const shape = new Array<number>(nd).fill(1);
  return (at, len) => {
    const sums = step(at, len);
    if (sums.kind === 'sum') return partialOfSums(name, shape, dtype, { a: sums.a });
    if (!(Number.isFinite(sums.shift) && Number.isFinite(sums.s1))) return null;
    return partialOfSums(name, shape, dtype, { n: len, shift: sums.shift, s1: sums.s1, sq: sums.sq });
  };
}

/** Boolean-mask selection of one 1-D block: the elements where the mask block is true, copied. */
function maskBlock(x: Chunk, mask: Chunk): Chunk {
  const n = x.shape[0]!;
  if (mask.shape[0] !== n) throw new RangeError(`boolean mask: a block of the array has ${n} elements and its mask block ${mask.shape[0]}; the mask must have the array's length and line up with it`);
  const m = mask.data as Uint8Array;
  const src = x.data as ArrayLike<number | bigint>;
  let count = 0;
  for (let i = 0; i < n; i++) if (m[mask.offset + i * mask.stride[0]!]) count++;
  const out = allocate(x.dtype, count) as { [i: number]: number | bigint };
  let at = 0;
  for (let i = 0; i < n; i++) if (m[mask.offset + i * mask.stride[0]!]) out[at++] = src[x.offset + i * x.stride[0]!]!;
  return chunk(view(out as never, [count]), x.dtype);
}

const chunk = (x: Strided, dtype: DType): Chunk => ({ data: x.data, shape: [...x.shape], stride: [...x.stride], offset: x.offset, dtype });

function fromData(data: ArrayLike<number | bigint>, fullShape: number[], start: number[], shape: number[], dtype: DType): Chunk {
  const stride = contiguousStrides(fullShape);
  const offset = start.reduce((s, c, i) => s + c * stride[i]!, 0);
  return { data: data as Strided['data'], shape, stride, offset, dtype };
}

function fill(spec: FillSpec, fullShape: number[], start: number[], shape: number[], dtype: DType): Chunk {
  const out = allocate(dtype, sizeOf(shape)) as { [i: number]: number | bigint } & { fill(v: never): void };
  if (spec.kind === 'full') {
    const v = typeof spec.value === 'boolean' ? (spec.value ? 1 : 0) : spec.value;
    if (v !== 0 && v !== 0n) out.fill((dtype === 'int64' ? BigInt(v) : Number(v)) as never);
  } else if (spec.kind === 'arange') {
    const big = dtype === 'int64';
    forEachRun(fullShape, start, shape, (flat, at, n) => {
      for (let j = 0; j < n; j++) {
        const v = spec.start + (flat + j) * spec.step;
        out[at + j] = big ? BigInt(v) : v;
      }
    });
  } else {
    // eye: ones where column - row === k
    const [r0, c0] = start as [number, number];
    const [rows, cols] = shape as [number, number];
    for (let i = 0; i < rows; i++) {
      const j = r0 + i + spec.k - c0;
      if (j >= 0 && j < cols) out[i * cols + j] = dtype === 'int64' ? 1n : 1;
    }
  }
  return chunk(view(out as never, shape), dtype);
}

function random(spec: RandomSpec, fullShape: number[], start: number[], shape: number[], dtype: DType): Chunk {
  // float64 draws go straight into shared memory; other dtypes convert from a scratch array
  const values = dtype === 'float64' ? (allocate('float64', sizeOf(shape)) as Float64Array) : new Float64Array(sizeOf(shape));
  const draw = runFiller(spec);
  forEachRun(fullShape, start, shape, (first, at, n) => draw(first, n, values, at));
  if (dtype === 'float64') return chunk(view(values, shape), dtype);
  const out = allocate(dtype, values.length) as { [i: number]: number | bigint };
  for (let i = 0; i < values.length; i++) out[i] = dtype === 'int64' ? BigInt(values[i]!) : values[i]!;
  return chunk(view(out as never, shape), dtype);
}

/** A rechunked block: pieces of input chunks copied into place. */
function assemble(pieces: ReadonlyArray<{ chunk: Chunk; from: number[]; to: number[]; shape: number[] }>, shape: number[], dtype: DType): Chunk {
  const out = allocate(dtype, sizeOf(shape)) as { [i: number]: number | bigint };
  const outStride = contiguousStrides(shape);
  for (const p of pieces) {
    const src = p.chunk.data as ArrayLike<number | bigint>;
    const srcOffset = p.chunk.offset + p.from.reduce((s, c, i) => s + c * p.chunk.stride[i]!, 0);
    const dstOffset = p.to.reduce((s, c, i) => s + c * outStride[i]!, 0);
    // walk the piece in both layouts at once
    const dst: number[] = [];
    forEachIndex(p.shape, outStride, dstOffset, (_, i) => dst.push(i));
    forEachIndex(p.shape, p.chunk.stride, srcOffset, (flat, i) => {
      out[dst[flat]!] = src[i]!;
    });
  }
  return chunk(view(out as never, shape), dtype);
}

function transpose(x: Chunk, axes: number[]): Chunk {
  return { data: x.data, shape: axes.map((a) => x.shape[a]!), stride: axes.map((a) => x.stride[a]!), offset: x.offset, dtype: x.dtype };
}

function slice(x: Chunk, selection: AxisSelection[]): Chunk {
  const shape: number[] = [];
  const stride: number[] = [];
  let offset = x.offset;
  selection.forEach((s, axis) => {
    if (s.kind === 'index') offset += s.index * x.stride[axis]!;
    else {
      offset += s.start * x.stride[axis]!;
      shape.push(s.count < 0 ? x.shape[axis]! - s.start : s.count);
      stride.push(s.step * x.stride[axis]!);
    }
  });
  return { data: x.data, shape, stride, offset, dtype: x.dtype };
}

function reshape(x: Chunk, shape: number[]): Chunk {
  const flat = contiguousCopy(x);
  return { ...flat, shape, stride: contiguousStrides(shape), offset: 0 };
}

function contiguousCopy(x: Chunk): Chunk {
  const n = sizeOf(x.shape);
  const out = allocate(x.dtype, n) as { [i: number]: number | bigint };
  const src = x.data as ArrayLike<number | bigint>;
  forEachIndex(x.shape, x.stride, x.offset, (flat, i) => {
    out[flat] = src[i]!;
  });
  return chunk(view(out as never, x.shape), x.dtype);
}

function addChunks(parts: Chunk[]): Chunk {
  const first = parts[0]!;
  const n = sizeOf(first.shape);
  const out = allocate('float64', n) as Float64Array;
  for (const p of parts) {
    const d = p.data as Float64Array;
    if (d instanceof Float64Array && isContiguous(p)) {
      // the matmul sums: whole products of gemm, added without a callback per element
      for (let i = 0, at = p.offset; i < n; i++, at++) out[i] += d[at]!;
      continue;
    }
    forEachIndex(p.shape, p.stride, p.offset, (flat, i) => {
      out[flat] += d[i]!;
    });
  }
  return chunk(view(out, first.shape), 'float64');
}

function linalg(op: LinalgOp, inputs: Chunk[], rows?: number): Chunk {
  const [a, b] = inputs as [Chunk, Chunk];
  switch (op) {
    case 'cholesky': return chunk(cholesky(a), 'float64');
    case 'inv': return chunk(inv(a), 'float64');
    case 'solve': return chunk(solve(a, b), 'float64');
    case 'solve-lower': return chunk(solveTriangular(a, b, { lower: true }), 'float64');
    case 'solve-upper': return chunk(solveTriangular(a, b, { lower: false }), 'float64');
    case 'lstsq-solve': return chunk(solveTriangular(a, b, { lower: false, rankRows: rows ?? Number.NaN }), 'float64');
    case 'qr-q': return chunk(qr(a).q, 'float64');
    case 'qr-r': return chunk(qr(a).r, 'float64');
  }
}

/** TSQR step 1: each row block's (Q, R). */
function qrBlock(a: Chunk): { q: Chunk; r: Chunk } {
  const { q, r } = qr(a);
  return { q: chunk(q, 'float64'), r: chunk(r, 'float64') };
}

/** TSQR step 2: QR of the stacked R factors; returns the final R and one n x n piece of Q2 per block. */
function qrStacked(rs: Chunk[]): { r: Chunk; q2: Chunk[] } {
  const n = rs[0]!.shape[1]!;
  const stacked = assemble(rs.map((r, i) => ({ chunk: r, from: [0, 0], to: [i * n, 0], shape: [r.shape[0]!, n] })), [rs.length * n, n], 'float64');
  const { q, r } = qr(stacked);
  const q2 = rs.map((_, i) => chunk({ data: q.data, shape: [n, n], stride: [n, 1], offset: i * n * n }, 'float64'));
  return { r: chunk(r, 'float64'), q2 };
}

async function mapBlocks(ref: UdfRef, inputs: Chunk[], params: unknown, dtype: DType, shape: number[] | null): Promise<Chunk> {
  const fn = await loadUdf(ref);
  const out = await fn(...inputs.map(ndarrayView), params);
  return userBlock(out, dtype, shape, inputs[0]!.shape, 'mapBlocks');
}

/** array.blockwise: the function gets each argument in order (array blocks as ndarrays, plain values as given), then params. */
async function blockwise(ref: UdfRef, args: Array<{ chunk: Chunk } | { value: unknown }>, params: unknown, dtype: DType, shape: number[]): Promise<Chunk> {
  const fn = await loadUdf(ref);
  const out = await fn(...args.map((a) => ('chunk' in a ? ndarrayView(a.chunk) : a.value)), params);
  return userBlock(out, dtype, shape, shape, 'blockwise');
}

const ndarrayView = (c: Chunk) => ndarray(c.data as never, [...c.shape], [...c.stride], c.offset);

/**
 * What a user function returned (an ndarray or a typed array) as a block of `dtype` on shared memory, checked
 * against the declared shape (null: unknown, a typed array then takes `fallback`).
 */
function userBlock(out: unknown, dtype: DType, shape: number[] | null, fallback: readonly number[], what: string): Chunk {
  const asChunk = (): Strided => {
    if (out && typeof out === 'object' && 'data' in out && Array.isArray((out as { shape?: unknown }).shape)) {
      const o = out as { data: Strided['data']; shape: number[]; stride: number[]; offset: number };
      return { data: o.data, shape: [...o.shape], stride: [...o.stride], offset: o.offset ?? 0 };
    }
    if (ArrayBuffer.isView(out)) {
      const n = (out as unknown as ArrayLike<number>).length;
      let s = shape ?? fallback;
      // one axis of unknown length (df.toArray rows) takes what is left
      const unknown = s.filter((d) => Number.isNaN(d)).length;
      if (unknown === 1) s = s.map((d) => (Number.isNaN(d) ? n / sizeOf(s.filter((x) => !Number.isNaN(x))) : d));
      else if (unknown > 1) throw new TypeError(`${what}: blocks of unknown shape (${s.join(', ')}) must be returned as ndarrays, not flat typed arrays`);
      if (n !== sizeOf(s) || !s.every(Number.isInteger)) throw new RangeError(`${what}: the function returned a block of shape (${n}) where (${s.join(', ')}) was declared; pass {chunks} that match what it returns`);
      return view(out as never, s);
    }
    throw new TypeError(`${what}: the function must return an ndarray or a typed array, got ${Object.prototype.toString.call(out)}`);
  };
  const c = asChunk();
  if (shape && (c.shape.length !== shape.length || c.shape.some((d, i) => !Number.isNaN(shape[i]!) && d !== shape[i]))) throw new RangeError(`${what}: the function returned a block of shape (${c.shape.join(', ')}) where (${shape.join(', ')}) was declared; pass {chunks} that match what it returns`);
  // results are copied onto shared memory in the declared dtype, so later tasks may share them
  const copy = allocate(dtype, sizeOf(c.shape)) as { [i: number]: number | bigint };
  const src = c.data as ArrayLike<number | bigint>;
  forEachIndex(c.shape, c.stride, c.offset, (flat, i) => {
    const v = src[i]!;
    copy[flat] = dtype === 'int64' ? BigInt(v) : Number(v);
  });
  return chunk(view(copy as never, c.shape), dtype);
}

registerOp('array.data', fromData);
registerOp('array.fill', fill);
registerOp('array.random', random);
registerOp('array.elementwise', (expr: ArrayExpr, inputs: Chunk[], dtype: DType, unknownAxes: number[][] | null = null) => {
  if (unknownAxes) checkUnknownAxesMatch(inputs, unknownAxes);
  return chunk(evaluate(expr, inputs, dtype), dtype);
});
registerOp('array.from-frame', (batch: RecordBatch, columns: string[], dtype: DType, partition: number) => chunk(batchToChunk(batch, columns, dtype, partition), dtype));
registerOp('array.mask', maskBlock);
registerOp('array.block-shape', (x: Chunk) => [...x.shape]);
registerOp('array.check-shape', (x: Chunk, shape: number[]) => {
  if (x.shape.join() !== shape.join()) throw new RangeError(`a block has shape (${x.shape.join(', ')}) but computeChunkSizes() recorded (${shape.join(', ')}): the data under the array changed since; call computeChunkSizes() again`);
  return x;
});
registerOp('array.assemble', assemble);
registerOp('array.transpose', transpose);
registerOp('array.slice', slice);
registerOp('array.reshape', reshape);
registerOp('array.expand', (x: Chunk, axis: number): Chunk => {
  const shape = [...x.shape];
  const stride = [...x.stride];
  shape.splice(axis, 0, 1);
  stride.splice(axis, 0, 0);
  return { data: x.data, shape, stride, offset: x.offset, dtype: x.dtype };
});
registerOp('array.reduce-partial', (x: Chunk, name: ReductionName, axes: number[], origin: number[], fullShape: number[]) => partialReduce(name, x, axes, { origin, fullShape, dtype: x.dtype }));
registerOp('array.reduce-expr', reduceExpr);
registerOp('array.reduce-random', reduceRandomChunk);
registerOp('array.moments-as', momentsAs);
const reduceCombine = (parts: Partial[]): Partial => combineAll(parts);
const reduceFinalize = (p: Partial, axes: number[], keepdims: boolean, ddof: number, reducedLength?: number): Chunk => {
  const r = finalizePartial(p, { axes, keepdims, ddof, reducedLength });
  return chunk(r, r.dtype);
};
registerOp('array.reduce-combine', reduceCombine);
registerOp('array.reduce-finalize', reduceFinalize);
// The same two over small partials (lower.ts IN_PLACE_VALUES): the scheduler runs them where their inputs
// already are, on the calling thread, since shipping them to a worker costs more than the work.
registerOp('array.reduce-combine-in-place', reduceCombine, { inline: true });
registerOp('array.reduce-finalize-in-place', reduceFinalize, { inline: true });
registerOp('array.scan', (x: Chunk, name: ScanName, axis: number, carry: Chunk | null) => {
  const r = scan(name, x, axis, carry ?? undefined, x.dtype);
  return chunk(r, r.dtype);
});
/** The carry into the next block: the last slice along `axis` of this block's scan result. */
registerOp('array.scan-last', (scanned: Chunk, axis: number) => {
  const sel: AxisSelection[] = scanned.shape.map((n, i) => (i === axis ? { kind: 'range', start: n - 1, step: 1, count: 1 } : { kind: 'range', start: 0, step: 1, count: n }));
  return contiguousCopy(slice(scanned, sel));
}, { inline: false });
registerOp('array.matmul', (a: Chunk, b: Chunk) => chunk(gemm(a, b), 'float64'));
registerOp('array.syrk', (x: Chunk) => chunk(syrk(x), 'float64'));
// a Gram block's partial sums: upper triangles packed by rows, added as flat vectors, the root's add unpacks
registerOp('array.syrk-packed', (x: Chunk) => chunk(syrkPacked(x), 'float64'));
registerOp('array.add-unpack-upper', (parts: Chunk[]) => chunk(unpackUpperSum(parts, Math.round((Math.sqrt(8 * parts[0]!.shape[0]! + 1) - 1) / 2)), 'float64'));
registerOp('array.add', (parts: Chunk[]) => addChunks(parts));
registerOp('array.linalg', (op: LinalgOp, inputs: Chunk[], rows?: number) => linalg(op, inputs, rows));
// cholesky(x.T @ x) from the Gram block's last packed partial sums (lower.ts), beside the task that unpacks G
registerOp('array.cholesky-packed', (parts: Chunk[], n: number) => chunk(choleskyOfPackedSum(parts, n), 'float64'));
registerOp('array.qr-block', qrBlock);
registerOp('array.qr-stacked', qrStacked);
registerOp('array.pick', (x: Record<string, unknown> | unknown[], key: string | number) => (x as Record<string, unknown>)[key as string], { inline: true });
registerOp('array.map-blocks', mapBlocks);
registerOp('array.blockwise', blockwise);
