// Strided views: the (data, shape, stride, offset) quadruple scijs `ndarray` uses, so every kernel here
// takes an ndarray (or any object of that form) without copying, transposed or sliced views included.

import { allocate, dtypeOfData, type AnyTypedArray, type DType } from './dtypes.ts';

export interface Strided<D extends AnyTypedArray = AnyTypedArray> {
  readonly data: D;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C order) strides. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i]!;
  }
  return stride;
}

export function isContiguous(x: Strided): boolean {
  const expected = contiguousStrides(x.shape);
  return x.shape.every((n, i) => n <= 1 || x.stride[i] === expected[i]);
}

export function view<D extends AnyTypedArray>(data: D, shape: readonly number[], stride: readonly number[] = contiguousStrides(shape), offset = 0): Strided<D> {
  return { data, shape: [...shape], stride: [...stride], offset };
}

export function empty(dtype: DType, shape: readonly number[]): Strided {
  return view(allocate(dtype, sizeOf(shape)), shape);
}

/**
 * Visits every element in C order, calling fn(position in C order, data index). Walks the last axis in a
 * tight inner loop, so callers pay one call per element but no index arithmetic of their own.
 */
export function forEachIndex(shape: readonly number[], stride: readonly number[], offset: number, fn: (flat: number, index: number) => void): void {
  const nd = shape.length;
  const total = sizeOf(shape);
  if (total === 0) return;
  if (nd === 0) {
    fn(0, offset);
    return;
  }
  const counter = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1]!;
  const innerStride = stride[nd - 1]!;
  let base = offset;
  for (let flat = 0; flat < total; ) {
    let idx = base;
    for (let i = 0; i < inner; i++, idx += innerStride) fn(flat++, idx);
    // carry into the outer axes
    let axis = nd - 2;
    while (axis >= 0) {
      counter[axis]!++;
      base += stride[axis]!;
      if (counter[axis]! < shape[axis]!) break;
      base -= stride[axis]! * shape[axis]!;
      counter[axis] = 0;
      axis--;
    }
  }
}

/** A contiguous C-order copy (or the data itself when it already is one). */
export function toContiguous(x: Strided): Strided {
  const n = sizeOf(x.shape);
  if (isContiguous(x) && x.offset === 0 && x.data.length === n) return x;
  const out = allocate(dtypeOfData(x.data), n);
  const src = x.data as ArrayLike<number | bigint>;
  const dst = out as { [i: number]: number | bigint };
  forEachIndex(x.shape, x.stride, x.offset, (flat, i) => {
    dst[flat] = src[i]!;
  });
  return view(out, x.shape);
}

/** Values in C order as a plain array (tests and small results). */
export function toArray(x: Strided): Array<number | bigint> {
  const out: Array<number | bigint> = [];
  const src = x.data as ArrayLike<number | bigint>;
  forEachIndex(x.shape, x.stride, x.offset, (_, i) => out.push(src[i]!));
  return out;
}
