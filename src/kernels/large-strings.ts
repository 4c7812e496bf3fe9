// Large (64-bit offset) string columns, as Parquet readers and some IPC writers produce, become ordinary
// Utf8 columns on the way in: every kernel speaks Int32 offsets, and a partition holding more than 2 GiB
// of text in one column is far past any sensible partition size (an error says so).

import { type Data, type DataType, type RecordBatch, Dictionary, Field, Schema, Type, Utf8, makeData, makeVector } from 'apache-arrow';
import { makeBatch, sharedArray } from './arrow-build.ts';

function isLarge(t: DataType): boolean {
  return t.typeId === Type.LargeUtf8 || (t.typeId === Type.Dictionary && (t as Dictionary).dictionary.typeId === Type.LargeUtf8);
}

export function narrowType(t: DataType): DataType {
  if (t.typeId === Type.LargeUtf8) return new Utf8();
  if (t.typeId === Type.Dictionary && (t as Dictionary).dictionary.typeId === Type.LargeUtf8) {
    const d = t as Dictionary;
    return new Dictionary(new Utf8(), d.indices, d.id, d.isOrdered);
  }
  return t;
}

export function narrowSchema(schema: Schema): Schema {
  if (!schema.fields.some((f) => isLarge(f.type))) return schema;
  return new Schema(schema.fields.map((f) => (isLarge(f.type) ? new Field(f.name, narrowType(f.type), f.nullable, f.metadata) : f)), schema.metadata);
}

function narrowStrings(d: Data): Data {
  const offs = d.valueOffsets as unknown as BigInt64Array;
  const base = offs[0]!;
  const total = Number(offs[d.length]! - base);
  if (total > 0x7fffffff) throw new RangeError(`a string column holds ${total} bytes in one partition; use smaller partitions (at most 2 GiB of text per column)`);
  const out = sharedArray(Int32Array, d.length + 1);
  for (let i = 0; i <= d.length; i++) out[i] = Number(offs[i]! - base);
  const bytes = (d.values as Uint8Array).subarray(Number(base), Number(base) + total);
  return makeData({ type: new Utf8(), length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, offset: d.offset, valueOffsets: out, data: bytes } as any);
}

export function narrowData(d: Data): Data {
  if (d.typeId === Type.LargeUtf8) return narrowStrings(d);
  if (d.typeId === Type.Dictionary && d.dictionary && (d.type as Dictionary).dictionary.typeId === Type.LargeUtf8) {
    const dict = d.dictionary.data.map(narrowStrings);
    return makeData({ type: narrowType(d.type), length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, offset: d.offset, data: d.values, dictionary: makeVector(dict) } as any);
  }
  return d;
}

export function narrowBatch(batch: RecordBatch): RecordBatch {
  if (!batch.schema.fields.some((f) => isLarge(f.type))) return batch;
  return makeBatch(narrowSchema(batch.schema), batch.data.children.map(narrowData));
}
