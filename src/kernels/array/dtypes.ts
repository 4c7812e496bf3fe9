// Array dtypes: which typed array holds each, allocation on SharedArrayBuffer (so chunks reach thread
// workers as handles), and NumPy's promotion rules for mixing them.

import { allocateWasmShared } from './wasm-chunks.ts';

export type DType = 'float64' | 'float32' | 'int32' | 'int64' | 'uint8' | 'bool';
export const DTYPES: readonly DType[] = ['float64', 'float32', 'int32', 'int64', 'uint8', 'bool'];

export type NumericArray = Float64Array | Float32Array | Int32Array | Uint8Array;
export type AnyTypedArray = NumericArray | BigInt64Array;

export const BYTES_PER_ELEMENT: Record<DType, number> = { float64: 8, float32: 4, int32: 4, int64: 8, uint8: 1, bool: 1 };

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(x: unknown, what: string): DType {
  if (!isDType(x)) throw new TypeError(`${what}: dtype must be one of ${DTYPES.join(', ')}; got ${JSON.stringify(x)}`);
  return x;
}

/**
 * A zeroed typed array of `length` elements on a SharedArrayBuffer. Large ones are shared WebAssembly
 * memories (wasm-chunks.ts), which SIMD kernels read in place; the buffer may then be longer than the array.
 */
export function allocate(dtype: DType, length: number): AnyTypedArray {
  const bytes = Math.max(1, length) * BYTES_PER_ELEMENT[dtype];
  const sab = allocateWasmShared(bytes) ?? new SharedArrayBuffer(bytes);
  switch (dtype) {
    case 'float64': return new Float64Array(sab, 0, length);
    case 'float32': return new Float32Array(sab, 0, length);
    case 'int32': return new Int32Array(sab, 0, length);
    case 'int64': return new BigInt64Array(sab, 0, length);
    case 'uint8':
    case 'bool': return new Uint8Array(sab, 0, length);
  }
}

/** The dtype a typed array stores (Uint8Array reads as uint8; bool arrays say so explicitly). */
export function dtypeOfData(data: unknown): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError(`unsupported array data ${Object.prototype.toString.call(data)}; use Float64Array, Float32Array, Int32Array, BigInt64Array or Uint8Array`);
}

export const isIntegerDType = (d: DType): boolean => d === 'int32' || d === 'int64' || d === 'uint8' || d === 'bool';
export const isFloatDType = (d: DType): boolean => d === 'float64' || d === 'float32';

/** NumPy's result type for two array operands (bool < uint8 < int32 < int64 < float32 < float64, with int32/int64 + float32 -> float64). */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  const rank: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, int64: 3, float32: 4, float64: 5 };
  const [lo, hi] = rank[a] < rank[b] ? [a, b] : [b, a];
  if (hi === 'float32' && (lo === 'int32' || lo === 'int64')) return 'float64';
  return hi;
}
