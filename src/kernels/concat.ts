// Concatenating columns and batches into one contiguous, SharedArrayBuffer-backed batch (used to
// re-partition in-memory tables and to assemble head()). Dictionary columns whose partitions carry
// different dictionaries are unified by value.

import { type Data, type List, type RecordBatch, type Schema, type Struct, Dictionary, Type, makeData, makeVector } from 'apache-arrow';
import { emptyBatch, emptyData, makeBatch, sharedArray, utf8Data } from './arrow-build.ts';
import { takeData } from './take.ts';
import { SUPPORTED_ROW_TYPES, checkRowTypes, concatBytes, concatList, concatStruct, unsupportedRowType } from './nested-rows.ts';

export function concatBatches(schema: Schema, batches: readonly RecordBatch[]): RecordBatch {
  if (batches.length === 0) return emptyBatch(schema);
  if (batches.length === 1) return batches[0]!;
  checkRowTypes(schema);
  return makeBatch(
    schema,
    schema.fields.map((f, i) => concatData(f.type, batches.map((b) => b.data.children[i]!))),
  );
}

function concatValidity(parts: readonly Data[], total: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  const nulls = parts.reduce((s, d) => s + d.nullCount, 0);
  if (nulls === 0) return { bitmap: undefined, nullCount: 0 };
  const out = sharedArray(Uint8Array, (total + 7) >> 3);
  let k = 0;
  for (const d of parts) {
    // A slice's bits are read at its offset in place (validityOf would copy each part: shuffles concatenate
    // many slices). A Null-typed part with no bitmap is all null: no bit to set.
    if (d.typeId === Type.Null) {
      k += d.length;
      continue;
    }
    const bits = d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0 ? null : (d.nullBitmap as Uint8Array);
    const off = d.offset;
    if (bits === null) {
      for (let i = 0; i < d.length; i++, k++) out[k >> 3]! |= 1 << (k & 7);
      continue;
    }
    for (let i = 0; i < d.length; i++, k++) {
      const j = off + i;
      if ((bits[j >> 3]! >> (j & 7)) & 1) out[k >> 3]! |= 1 << (k & 7);
    }
  }
  return { bitmap: out, nullCount: nulls };
}

export function concatData(type: Data['type'], allParts: readonly Data[]): Data {
  // Empty parts add nothing, and an empty column made by apache-arrow may have no buffers to read.
  const parts = allParts.filter((d) => d.length > 0);
  if (parts.length === 0) return emptyData(type);
  const total = parts.reduce((s, d) => s + d.length, 0);
  const { bitmap, nullCount } = concatValidity(parts, total);
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: total, nullCount: total } as any);
    case Type.Bool: {
      const out = sharedArray(Uint8Array, (total + 7) >> 3);
      let k = 0;
      for (const d of parts) {
        const bits = d.values as Uint8Array;
        for (let i = 0; i < d.length; i++, k++) {
          const j = d.offset + i;
          if ((bits[j >> 3]! >> (j & 7)) & 1) out[k >> 3]! |= 1 << (k & 7);
        }
      }
      return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: out } as any);
    }
    case Type.Utf8: {
      let bytesTotal = 0;
      for (const d of parts) {
        const o = d.valueOffsets as Int32Array;
        bytesTotal += o[d.length]! - o[0]!;
      }
      const offs = sharedArray(Int32Array, total + 1);
      const bytes = sharedArray(Uint8Array, bytesTotal);
      let k = 0;
      let pos = 0;
      for (const d of parts) {
        const o = d.valueOffsets as Int32Array;
        const src = d.values as Uint8Array;
        bytes.set(src.subarray(o[0]!, o[d.length]!), pos);
        for (let i = 0; i < d.length; i++) offs[++k] = pos + (o[i + 1]! - o[0]!);
        pos += o[d.length]! - o[0]!;
      }
      return utf8Data(total, offs, bytes, bitmap ?? null);
    }
    case Type.Binary:
      return concatBytes(type, parts, total, bitmap, nullCount);
    case Type.List:
      return concatList(type as List, parts, total, bitmap, nullCount, concatData);
    case Type.Struct:
      return concatStruct(type as Struct, parts, total, bitmap, nullCount, concatData);
    case Type.Dictionary:
      return concatDictionary(type as Dictionary, parts, total, bitmap, nullCount);
    default: {
      const first = parts.find((d) => d.values)?.values as any;
      // Offsets or children (FixedSizeList, Map, Union, 64-bit offsets) copied as flat values would be a wrong answer.
      if ((!first && total > 0) || parts.some((d) => d.valueOffsets || d.children.length > 0) || unsupportedRowType(type) !== null) {
        throw new TypeError(`cannot concatenate columns of type ${String(type)} yet; supported: ${SUPPORTED_ROW_TYPES}`);
      }
      const Ctor = (first?.constructor ?? Float64Array) as any;
      const stride = parts[0]?.stride ?? 1;
      const out = new Ctor(new SharedArrayBuffer(Math.max(8, total * stride * Ctor.BYTES_PER_ELEMENT)), 0, total * stride);
      let k = 0;
      for (const d of parts) {
        out.set((d.values as any).subarray(0, d.length * stride), k);
        k += d.length * stride;
      }
      return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: out } as any);
    }
  }
}

function concatDictionary(type: Dictionary, parts: readonly Data[], total: number, bitmap: Uint8Array | undefined, nullCount: number): Data {
  const sameDict = parts.every((d) => d.dictionary === parts[0]!.dictionary);
  const codes = sharedArray(Int32Array, total);
  if (sameDict && parts.length > 0) {
    let k = 0;
    for (const d of parts) {
      codes.set((d.values as Int32Array).subarray(0, d.length), k);
      k += d.length;
    }
    return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: codes, dictionary: parts[0]!.dictionary } as any);
  }
  // Unify by value: one entry per distinct value, in first-seen order. The unified dictionary is gathered
  // from the parts' own dictionaries, so it keeps their value type (numbers stay numbers, bigints bigints).
  const ids = new Map<unknown, number>();
  const dicts: Data[] = [];
  let dictRows = 0;
  const firstRows: number[] = [];
  let k = 0;
  // Slices of one partition share its dictionary: decode and map each dictionary once, not once per part.
  const remaps = new Map<unknown, Int32Array>();
  for (const d of parts) {
    const dict = d.dictionary!;
    let remap = remaps.get(dict);
    if (remap === undefined) {
      remap = new Int32Array(dict.length);
      for (let j = 0; j < dict.length; j++) {
        const key = dictionaryKey(dict.get(j));
        let id = ids.get(key);
        if (id === undefined) {
          id = firstRows.length;
          ids.set(key, id);
          firstRows.push(dictRows + j);
        }
        remap[j] = id;
      }
      remaps.set(dict, remap);
      dicts.push(...dict.data);
      dictRows += dict.length;
    }
    const src = d.values as Int32Array;
    for (let i = 0; i < d.length; i++) codes[k++] = remap[src[i]!] ?? 0;
  }
  const dictionary = makeVector(takeData(concatData(type.dictionary, dicts), Int32Array.from(firstRows)));
  return makeData({ type, length: total, nullCount, nullBitmap: bitmap, data: codes, dictionary } as any);
}

/**
 * A Map key equal for equal dictionary values of any type. Strings, booleans and bigints are their own
 * keys; numbers too except -0, which SameValueZero would merge with 0 (NaN meets NaN, as wanted); other
 * values (dates as Date, bytes, nested rows) by a text form tagged so it cannot meet a real string.
 */
function dictionaryKey(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Object.is(v, -0) ? NEGATIVE_ZERO : v;
  if (typeof v !== 'object') return v;
  if (v instanceof Date) return `\u0000date:${v.getTime()}`;
  if (ArrayBuffer.isView(v)) return `\u0000bytes:${Array.from(v as Uint8Array).join(',')}`;
  return `\u0000json:${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`;
}
const NEGATIVE_ZERO = Symbol('-0');
