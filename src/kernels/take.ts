// Selecting rows: turn a boolean mask into row indices, and gather any Arrow column at those indices
// into new SharedArrayBuffer-backed buffers. Used by filter, and by anything that reorders rows.

import { type Data, type RecordBatch, Type, makeData } from 'apache-arrow';
import { makeBatch, sharedArray, utf8Data } from './arrow-build.ts';
import { validityOf } from './validity.ts';

/** Rows where `mask` is true and valid (null counts as false, as in SQL WHERE). */
export function maskToIndices(mask: Data): Int32Array {
  const n = mask.length;
  const valid = validityOf(mask);
  const out = new Int32Array(n);
  let k = 0;
  if (mask.typeId === Type.Null) return out.subarray(0, 0);
  const bits = mask.values as Uint8Array;
  const off = mask.offset;
  for (let i = 0; i < n; i++) {
    const j = off + i;
    if ((bits[j >> 3]! >> (j & 7)) & 1 && (valid === null || (valid[i >> 3]! >> (i & 7)) & 1)) out[k++] = i;
  }
  return out.subarray(0, k);
}

function takeValidity(data: Data, idx: Int32Array): { bitmap: Uint8Array | undefined; nullCount: number } {
  const valid = validityOf(data);
  if (!valid) return { bitmap: undefined, nullCount: 0 };
  const out = sharedArray(Uint8Array, (idx.length + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if ((valid[i >> 3]! >> (i & 7)) & 1) out[k >> 3]! |= 1 << (k & 7);
    else nulls++;
  }
  return nulls > 0 ? { bitmap: out, nullCount: nulls } : { bitmap: undefined, nullCount: 0 };
}

/** Gather rows `idx` of any column. */
export function takeData(data: Data, idx: Int32Array): Data {
  const n = idx.length;
  const { bitmap, nullCount } = takeValidity(data, idx);
  switch (data.typeId) {
    case Type.Null:
      return makeData({ type: data.type, length: n, nullCount: n } as any);
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      const out = sharedArray(Uint8Array, (n + 7) >> 3);
      for (let k = 0; k < n; k++) {
        const j = data.offset + idx[k]!;
        if ((bits[j >> 3]! >> (j & 7)) & 1) out[k >> 3]! |= 1 << (k & 7);
      }
      return makeData({ type: data.type, length: n, nullCount, nullBitmap: bitmap, data: out } as any);
    }
    case Type.Utf8: {
      const offs = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const outOffs = sharedArray(Int32Array, n + 1);
      let total = 0;
      for (let k = 0; k < n; k++) {
        const i = idx[k]!;
        total += offs[i + 1]! - offs[i]!;
        outOffs[k + 1] = total;
      }
      const outBytes = sharedArray(Uint8Array, total);
      for (let k = 0; k < n; k++) {
        const i = idx[k]!;
        outBytes.set(bytes.subarray(offs[i]!, offs[i + 1]!), outOffs[k]!);
      }
      return utf8Data(n, outOffs, outBytes, bitmap ?? null);
    }
    case Type.Dictionary: {
      const out = gatherRows(data.values as unknown as FixedArray, 1, idx);
      return makeData({ type: data.type, length: n, nullCount, nullBitmap: bitmap, data: out, dictionary: data.dictionary } as any);
    }
    default: {
      const values = data.values as any;
      if (!values || data.children.length > 0) {
        throw new Error(`cannot select rows of a column of type ${String(data.type)} yet`);
      }
      // Fixed-width types (ints, floats, dates, timestamps): `stride` elements per row.
      const out = gatherRows(values as FixedArray, data.stride, idx);
      return makeData({ type: data.type, length: n, nullCount, nullBitmap: bitmap, data: out } as any);
    }
  }
}

type FixedArray = ArrayBufferView & { readonly length: number; readonly BYTES_PER_ELEMENT: number };
type FixedCtor = { new (b: ArrayBufferLike, o: number, l: number): FixedArray; BYTES_PER_ELEMENT: number };

/**
 * Rows `idx` of a fixed-width column (`stride` elements per row) into a new shared array of the same type.
 * Bytes move through 32-, 16- or 8-bit lanes, one loop per lane width: an element loop shared by every
 * typed-array type is megamorphic in V8 (several times slower), and copying bits keeps int64 and NaN
 * payloads exact.
 */
function gatherRows(values: FixedArray, stride: number, idx: Int32Array): FixedArray {
  const Ctor = values.constructor as FixedCtor;
  const rowBytes = stride * Ctor.BYTES_PER_ELEMENT;
  const n = idx.length;
  const buffer = new SharedArrayBuffer(Math.max(8, n * rowBytes));
  const out = new Ctor(buffer, 0, n * stride);
  const avail = Math.min(values.byteLength, values.buffer.byteLength - values.byteOffset);
  if (rowBytes % 4 === 0 && values.byteOffset % 4 === 0) {
    gather32(new Int32Array(values.buffer, values.byteOffset, avail >> 2), new Int32Array(buffer, 0, (n * rowBytes) >> 2), idx, rowBytes >> 2);
  } else if (rowBytes % 2 === 0 && values.byteOffset % 2 === 0) {
    gather16(new Uint16Array(values.buffer, values.byteOffset, avail >> 1), new Uint16Array(buffer, 0, (n * rowBytes) >> 1), idx, rowBytes >> 1);
  } else {
    gather8(new Uint8Array(values.buffer, values.byteOffset, avail), new Uint8Array(buffer, 0, n * rowBytes), idx, rowBytes);
  }
  return out;
}

function gather32(src: Int32Array, dst: Int32Array, idx: Int32Array, lanes: number): void {
  const n = idx.length;
  if (lanes === 1) for (let k = 0; k < n; k++) dst[k] = src[idx[k]!]!;
  else if (lanes === 2) {
    for (let k = 0; k < n; k++) {
      const i = idx[k]! << 1;
      dst[k << 1] = src[i]!;
      dst[(k << 1) + 1] = src[i + 1]!;
    }
  } else for (let k = 0; k < n; k++) for (let l = 0; l < lanes; l++) dst[k * lanes + l] = src[idx[k]! * lanes + l]!;
}

function gather16(src: Uint16Array, dst: Uint16Array, idx: Int32Array, lanes: number): void {
  const n = idx.length;
  for (let k = 0; k < n; k++) for (let l = 0; l < lanes; l++) dst[k * lanes + l] = src[idx[k]! * lanes + l]!;
}

function gather8(src: Uint8Array, dst: Uint8Array, idx: Int32Array, lanes: number): void {
  const n = idx.length;
  for (let k = 0; k < n; k++) for (let l = 0; l < lanes; l++) dst[k * lanes + l] = src[idx[k]! * lanes + l]!;
}

/** Gather rows `idx` of every column of a batch. */
export function takeBatch(batch: RecordBatch, idx: Int32Array): RecordBatch {
  return makeBatch(batch.schema, batch.schema.fields.map((_, i) => takeData(batch.data.children[i]!, idx)));
}

/** Rows [start, end) of a batch, copied into fresh buffers (a view would pin the whole parent). */
export function sliceBatch(batch: RecordBatch, start: number, end: number): RecordBatch {
  const idx = new Int32Array(Math.max(0, end - start));
  for (let k = 0; k < idx.length; k++) idx[k] = start + k;
  return takeBatch(batch, idx);
}
