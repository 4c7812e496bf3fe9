// Null bitmaps. Arrow keeps a bitmap per column (bit set = valid) that may start at a bit offset when
// a column is a slice; kernels normalise to offset-0 bitmaps (or null for "no nulls") before looping.

import type { Data } from 'apache-arrow';
import { sharedArray } from './arrow-build.ts';

/** The column's validity as an offset-0 bitmap, or null when it has no nulls. */
export function validityOf(data: Data): Uint8Array | null {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) {
    if (data.nullCount > 0 && data.typeId === 1 /* Null */) return sharedArray(Uint8Array, (data.length + 7) >> 3);
    return null;
  }
  const src = data.nullBitmap;
  const off = data.offset;
  if (off === 0) return src;
  const out = sharedArray(Uint8Array, (data.length + 7) >> 3);
  for (let i = 0; i < data.length; i++) {
    const j = off + i;
    if ((src[j >> 3]! >> (j & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/** Bitwise AND of two validities (null = all valid). */
export function andValidity(a: Uint8Array | null, b: Uint8Array | null, length: number): Uint8Array | null {
  if (!a) return b;
  if (!b) return a;
  const n = (length + 7) >> 3;
  const out = sharedArray(Uint8Array, n);
  for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]!;
  return out;
}

export function bitAt(bits: Uint8Array, i: number): number {
  return (bits[i >> 3]! >> (i & 7)) & 1;
}
