// Scattering the rows of a fixed-width column into per-bucket outputs in one sequential pass over the
// input (a shuffle's split): cache-friendly where a gather per bucket in a new row order reads at random.

import { type Data, Type, makeData } from 'apache-arrow';
import { sharedArray } from './arrow-build.ts';

type FixedArray = ArrayBufferView & { readonly length: number; readonly BYTES_PER_ELEMENT: number };
type FixedCtor = { new (b: ArrayBufferLike, o: number, l: number): FixedArray; BYTES_PER_ELEMENT: number };

/** Whether scatterFixed handles this column: flat fixed-width values or dictionary codes (not bits, strings, nested). */
export function scatterable(data: Data): boolean {
  const t = data.typeId;
  if (t === Type.Bool || t === Type.Utf8 || t === Type.LargeUtf8 || t === Type.Binary || t === Type.LargeBinary || t === Type.Null) return false;
  if ((data.children?.length ?? 0) > 0 || !data.values) return false;
  return t === Type.Dictionary || ArrayBuffer.isView(data.values);
}

/**
 * Row i of `data` goes to row pos[i] of bucket bucket[i] (bucket -1: dropped); bucket b has counts[b] rows.
 * Values move as 32-, 16- or 8-bit lanes (exact bits: int64 and NaN payloads survive), nulls as bits.
 */
export function scatterFixed(data: Data, bucket: Int32Array, pos: Int32Array, counts: Int32Array): Data[] {
  const values = data.values as unknown as FixedArray;
  const Ctor = values.constructor as FixedCtor;
  const stride = data.typeId === Type.Dictionary ? 1 : data.stride;
  const rowBytes = stride * Ctor.BYTES_PER_ELEMENT;
  const n = data.length;
  const nb = counts.length;
  const buffers = Array.from(counts, (c) => new SharedArrayBuffer(Math.max(8, c * rowBytes)));
  const avail = Math.min(values.byteLength, values.buffer.byteLength - values.byteOffset);
  if (rowBytes % 4 === 0 && values.byteOffset % 4 === 0) {
    scatter32(new Int32Array(values.buffer, values.byteOffset, avail >> 2), buffers.map((b) => new Int32Array(b)), bucket, pos, n, rowBytes >> 2);
  } else if (rowBytes % 2 === 0 && values.byteOffset % 2 === 0) {
    scatter16(new Uint16Array(values.buffer, values.byteOffset, avail >> 1), buffers.map((b) => new Uint16Array(b)), bucket, pos, n, rowBytes >> 1);
  } else {
    scatter8(new Uint8Array(values.buffer, values.byteOffset, avail), buffers.map((b) => new Uint8Array(b)), bucket, pos, n, rowBytes);
  }
  const validity = scatterValidity(data, bucket, pos, counts);
  const out: Data[] = [];
  for (let b = 0; b < nb; b++) {
    const c = counts[b]!;
    const v = validity?.[b];
    out.push(
      makeData({
        type: data.type,
        length: c,
        nullCount: v ? v.nulls : 0,
        nullBitmap: v && v.nulls > 0 ? v.bits : undefined,
        data: new Ctor(buffers[b]!, 0, c * stride),
        ...(data.typeId === Type.Dictionary ? { dictionary: data.dictionary } : {}),
      } as any),
    );
  }
  return out;
}

function scatterValidity(data: Data, bucket: Int32Array, pos: Int32Array, counts: Int32Array): Array<{ bits: Uint8Array; nulls: number }> | null {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  const src = data.nullBitmap;
  const off = data.offset;
  const outs = Array.from(counts, (c) => ({ bits: sharedArray(Uint8Array, (c + 7) >> 3), nulls: 0 }));
  for (let i = 0; i < data.length; i++) {
    const b = bucket[i]!;
    if (b < 0) continue;
    const j = off + i;
    const p = pos[i]!;
    const o = outs[b]!;
    if ((src[j >> 3]! >> (j & 7)) & 1) o.bits[p >> 3]! |= 1 << (p & 7);
    else o.nulls++;
  }
  return outs;
}

function scatter32(src: Int32Array, outs: Int32Array[], bucket: Int32Array, pos: Int32Array, n: number, lanes: number): void {
  if (lanes === 1) {
    for (let i = 0; i < n; i++) {
      const b = bucket[i]!;
      if (b >= 0) outs[b]![pos[i]!] = src[i]!;
    }
  } else if (lanes === 2) {
    for (let i = 0; i < n; i++) {
      const b = bucket[i]!;
      if (b < 0) continue;
      const o = outs[b]!;
      const p = pos[i]! << 1;
      o[p] = src[i << 1]!;
      o[p + 1] = src[(i << 1) + 1]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const b = bucket[i]!;
      if (b < 0) continue;
      for (let l = 0; l < lanes; l++) outs[b]![pos[i]! * lanes + l] = src[i * lanes + l]!;
    }
  }
}

function scatter16(src: Uint16Array, outs: Uint16Array[], bucket: Int32Array, pos: Int32Array, n: number, lanes: number): void {
  for (let i = 0; i < n; i++) {
    const b = bucket[i]!;
    if (b < 0) continue;
    for (let l = 0; l < lanes; l++) outs[b]![pos[i]! * lanes + l] = src[i * lanes + l]!;
  }
}

function scatter8(src: Uint8Array, outs: Uint8Array[], bucket: Int32Array, pos: Int32Array, n: number, lanes: number): void {
  for (let i = 0; i < n; i++) {
    const b = bucket[i]!;
    if (b < 0) continue;
    for (let l = 0; l < lanes; l++) outs[b]![pos[i]! * lanes + l] = src[i * lanes + l]!;
  }
}
