// Reading a column's values in the form a kernel wants: numbers as Float64Array (a view when the column
// already is float64), booleans unpacked from bits, strings as UTF-8 byte slices without decoding.
//
// Row i of a column, sliced or not, is read by apache-arrow's rule: a slice's fixed-width values, dictionary
// codes and string offsets already start at its first row (values[i], valueOffsets[i]); bitmaps (validity,
// boolean values) are not sliced and count from data.offset (bit data.offset + i). Adding the offset to a
// values index reads another row.

import { type Data, Type } from 'apache-arrow';
import { sharedArray } from './arrow-build.ts';

/** Values of a numeric or boolean column as float64 (nulls' slots hold arbitrary values). */
export function asFloat64(data: Data): Float64Array {
  const v = data.values as ArrayLike<number | bigint>;
  if (v instanceof Float64Array) return v.length === data.length ? v : v.subarray(0, data.length);
  const n = data.length;
  const out = new Float64Array(n);
  if (data.typeId === Type.Bool) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      const j = data.offset + i;
      out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
    }
  } else if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(v[i]!);
  } else if (data.typeId === Type.Null) {
    // all null: values irrelevant
  } else {
    for (let i = 0; i < n; i++) out[i] = v[i] as number;
  }
  return out;
}

/** Boolean value (0 or 1) of row i of a Bool column, sliced or not. */
export function boolAt(data: Data, i: number): number {
  const j = data.offset + i;
  return ((data.values as Uint8Array)[j >> 3]! >> (j & 7)) & 1;
}

/** Boolean column unpacked to 0/1 bytes (offset applied). */
export function boolBytes(data: Data): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n);
  if (data.typeId === Type.Null) return out;
  const bits = data.values as Uint8Array;
  for (let i = 0; i < n; i++) {
    const j = data.offset + i;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  return out;
}

/** UTF-8 bytes of row i of a Utf8 column (offset applied by Arrow's sliced valueOffsets). */
export interface StringColumn {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

export function stringColumn(data: Data): StringColumn {
  return { bytes: data.values as Uint8Array, offsets: data.valueOffsets as Int32Array };
}

/** Lexicographic comparison of UTF-8 byte ranges (= Unicode code point order). */
export function compareBytes(a: Uint8Array, a0: number, a1: number, b: Uint8Array, b0: number, b1: number): number {
  const la = a1 - a0;
  const lb = b1 - b0;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = a[a0 + i]! - b[b0 + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** Bit-pack 0/1 bytes into an Arrow boolean buffer on a SharedArrayBuffer. */
export function packBits(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out = sharedArray(Uint8Array, (n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}
