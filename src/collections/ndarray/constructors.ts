// array.*: building NDArrays from memory (typed arrays, ndarrays), from a fill rule (zeros, arange,
// eye...), by joining arrays (stack, concatenate), and array.where. Validation happens here, at the edge.

import ndarray from 'ndarray';
import { uniqueToken, tokenize } from '../../scheduler/tokenize.ts';
import { allocate, checkDType, dtypeOfData, promote, type AnyTypedArray, type DType } from '../../kernels/array/dtypes.ts';
import { forEachIndex } from '../../kernels/array/strided.ts';
import { normalizeChunks, type ChunksSpec } from './chunks.ts';
import { unifyAxis } from './unknown-chunks.ts';
import type { ArrayNode, FillSpec } from './node.ts';
import { NDArray, elementwiseOf, isNDArray, rechunkNode, type Operand } from './ndarray.ts';
import { BroadcastError } from '../../kernels/array/broadcast.ts';

export interface ChunkOptions {
  /** A block shape, per-axis lengths or lists, 'auto' (default, ~64 MiB blocks) or a byte target such as '16MiB'. */
  chunks?: ChunksSpec;
}
export interface DTypeOptions extends ChunkOptions {
  dtype?: DType;
}

function checkShape(shape: unknown, what: string): number[] {
  const list = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(list) || !list.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new TypeError(`${what}: shape must be a non-negative integer or a list of them, got ${JSON.stringify(shape)}`);
  }
  return [...list];
}

function dataNode(data: AnyTypedArray, shape: number[], dtype: DType, spec: ChunksSpec | undefined, what: string): NDArray {
  const chunks = normalizeChunks(spec, shape, dtype, what);
  return new NDArray({ kind: 'data', data, token: uniqueToken('array-data'), shape, chunks, dtype });
}

/** An NDArray over `data` (copied once onto a SharedArrayBuffer unless it already lives on one). */
export function fromTypedArray(data: ArrayLike<number> | AnyTypedArray, shape?: number | readonly number[], options: DTypeOptions = {}): NDArray {
  if (!ArrayBuffer.isView(data)) throw new TypeError('array.fromTypedArray: data must be a typed array (Float64Array, Float32Array, Int32Array, BigInt64Array or Uint8Array)');
  const own = dtypeOfData(data);
  const dtype = options.dtype ? checkDType(options.dtype, 'array.fromTypedArray') : own;
  if (dtype === 'bool' ? own !== 'uint8' : dtype !== own) throw new TypeError(`array.fromTypedArray: dtype '${dtype}' does not match the data (${data.constructor.name}); use .astype() to convert`);
  const s = shape === undefined ? [data.length] : checkShape(shape, 'array.fromTypedArray');
  const n = s.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`array.fromTypedArray: shape (${s.join(', ')}) holds ${n} values but the data has ${data.length}`);
  let shared = data as AnyTypedArray;
  if (!(data.buffer instanceof SharedArrayBuffer)) {
    shared = allocate(dtype, n);
    (shared as { set(x: unknown): void }).set(data);
  }
  return dataNode(shared, s, dtype, options.chunks, 'array.fromTypedArray');
}

/** An NDArray with the values of a scijs ndarray (any strides; copied once into C order). */
export function fromNdarray(nd: ndarray.NdArray<any>, options: DTypeOptions = {}): NDArray {
  if (!nd || !Array.isArray(nd.shape) || !ArrayBuffer.isView(nd.data)) throw new TypeError('array.fromNdarray: expected an ndarray over a typed array');
  const dtype = options.dtype ?? dtypeOfData(nd.data);
  const n = nd.shape.reduce((a: number, b: number) => a * b, 1);
  const out = allocate(dtype, n) as { [i: number]: number | bigint };
  const src = nd.data as unknown as ArrayLike<number | bigint>;
  forEachIndex(nd.shape, nd.stride, nd.offset, (flat, i) => {
    out[flat] = src[i]!;
  });
  return dataNode(out as never, [...nd.shape], dtype, options.chunks, 'array.fromNdarray');
}

function fillNode(fill: FillSpec, shape: number[], dtype: DType, spec: ChunksSpec | undefined, what: string): NDArray {
  const chunks = normalizeChunks(spec, shape, dtype, what);
  return new NDArray({ kind: 'fill', fill, token: tokenize('array-fill', fill, shape, chunks, dtype), shape, chunks, dtype });
}

export function full(shape: number | readonly number[], value: number | bigint | boolean, options: DTypeOptions = {}): NDArray {
  const dtype = options.dtype ? checkDType(options.dtype, 'array.full') : typeof value === 'bigint' ? 'int64' : typeof value === 'boolean' ? 'bool' : 'float64';
  return fillNode({ kind: 'full', value }, checkShape(shape, 'array.full'), dtype, options.chunks, 'array.full');
}
export const zeros = (shape: number | readonly number[], options: DTypeOptions = {}): NDArray => full(shape, 0, { dtype: 'float64', ...options });
export const ones = (shape: number | readonly number[], options: DTypeOptions = {}): NDArray => full(shape, 1, { dtype: 'float64', ...options });

/** Values start, start + step, ... below stop (as NumPy); integers give int64 unless a dtype is given. */
export function arange(start: number, stop?: number | DTypeOptions, step?: number | DTypeOptions, options: DTypeOptions = {}): NDArray {
  let opts = options;
  if (typeof stop === 'object') [opts, stop] = [stop, undefined];
  if (typeof step === 'object') [opts, step] = [step, undefined];
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  const st = step ?? 1;
  if (![lo, hi, st].every(Number.isFinite) || st === 0) throw new RangeError(`array.arange: start, stop and step must be finite and step non-zero, got ${lo}, ${hi}, ${st}`);
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const dtype = opts.dtype ? checkDType(opts.dtype, 'array.arange') : [lo, hi, st].every(Number.isInteger) ? 'int64' : 'float64';
  return fillNode({ kind: 'arange', start: lo, step: st }, [n], dtype, opts.chunks, 'array.arange');
}

/** num values evenly spaced over [start, stop] (stop included unless endpoint: false). */
export function linspace(start: number, stop: number, num = 50, options: ChunkOptions & { endpoint?: boolean } = {}): NDArray {
  if (!Number.isSafeInteger(num) || num < 0) throw new RangeError(`array.linspace: num must be a non-negative integer, got ${num}`);
  const div = options.endpoint === false ? num : num - 1;
  const step = div > 0 ? (stop - start) / div : 0;
  return fillNode({ kind: 'arange', start, step }, [num], 'float64', options.chunks, 'array.linspace');
}

export function eye(n: number, options: DTypeOptions & { m?: number; k?: number } = {}): NDArray {
  const m = options.m ?? n;
  return fillNode({ kind: 'eye', k: options.k ?? 0 }, checkShape([n, m], 'array.eye'), options.dtype ?? 'float64', options.chunks, 'array.eye');
}

/** Joins arrays along an existing axis; other axes must match. */
export function concatenate(arrays: readonly NDArray[], axis = 0): NDArray {
  if (!Array.isArray(arrays) || arrays.length === 0 || !arrays.every(isNDArray)) throw new TypeError('array.concatenate takes a non-empty list of NDArrays');
  const first = arrays[0]!;
  const nd = first.ndim;
  const a = axis < 0 ? axis + nd : axis;
  if (!Number.isInteger(a) || a < 0 || a >= nd) throw new RangeError(`array.concatenate: axis ${axis} is out of bounds for ${nd} dimensions`);
  for (const x of arrays) {
    if (x.ndim !== nd || x.shape.some((n, i) => i !== a && !Object.is(n, first.shape[i]))) {
      throw new BroadcastError(`array.concatenate: shapes ${arrays.map((y) => `(${y.shape.join(', ')})`).join(', ')} differ outside axis ${a}`);
    }
  }
  // NumPy's promotion, as every other operation (int32 or int64 with float32 give float64, not float32)
  const dtype = arrays.map((x) => x.dtype).reduce((p, d) => promote(p, d));
  // unify the other axes' chunks, cast to the common dtype
  const other = first.shape.map((_, i) => (i === a ? null : unifyAxis(arrays.map((x) => x.chunks[i]!), i, 'array.concatenate')));
  const inputs: ArrayNode[] = arrays.map((x) => {
    const cast = x.dtype === dtype ? x : x.astype(dtype);
    return rechunkNode(cast.node, cast.node.chunks.map((c, i) => (i === a ? c : other[i]!)));
  });
  const shape = [...first.shape];
  shape[a] = arrays.reduce((s, x) => s + x.shape[a]!, 0);
  const chunks = other.map((c, i) => (i === a ? inputs.flatMap((x) => x.chunks[a]!) : c!));
  return new NDArray({ kind: 'concatenate', inputs, axis: a, token: tokenize('array-concatenate', inputs.map((x) => x.token), a), shape, chunks, dtype });
}

/** Joins arrays of one shape along a new axis. */
export function stack(arrays: readonly NDArray[], axis = 0): NDArray {
  if (!Array.isArray(arrays) || arrays.length === 0 || !arrays.every(isNDArray)) throw new TypeError('array.stack takes a non-empty list of NDArrays');
  const shape = arrays[0]!.shape;
  for (const x of arrays) if (x.shape.join() !== shape.join()) throw new BroadcastError(`array.stack: every array must have the same shape; got ${arrays.map((y) => `(${y.shape.join(', ')})`).join(', ')}`);
  return concatenate(arrays.map((x) => x.expandDims(axis)), axis);
}

/** Element-wise choice: cond ? a : b, with broadcasting. */
export function where(cond: NDArray, a: Operand, b: Operand): NDArray {
  if (!isNDArray(cond)) throw new TypeError('array.where: cond must be an NDArray (e.g. x.gt(0))');
  return elementwiseOf([cond, a, b], (args) => ({ kind: 'where', cond: args[0]!, a: args[1]!, b: args[2]! }));
}
