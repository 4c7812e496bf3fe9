// Type union for verbs that put columns of several frames into one (concat, a merge's outer key) and the
// casts they need: gathering rows with "no row" (-1) as null, all-null columns, widening numbers.

import { type Data, type DataType, type RecordBatch, Data as ArrowData, Dictionary, Field, Float64, Int64, Schema, Type, Utf8, makeData, makeVector } from 'apache-arrow';
import { emptyData, makeBatch, sharedArray, utf8Data, withValidity } from './arrow-build.ts';
import { nullNested } from './nested-rows.ts';
import { takeData } from './take.ts';
import { validityOf } from './validity.ts';

const isNumeric = (t: DataType) => t.typeId === Type.Int || t.typeId === Type.Float;
const isString = (t: DataType) => t.typeId === Type.Utf8 || (t.typeId === Type.Dictionary && (t as Dictionary).dictionary.typeId === Type.Utf8);

/** Same Arrow type (dictionaries of strings with any index width count as the same). */
export function sameType(a: DataType, b: DataType): boolean {
  return String(a) === String(b);
}

/**
 * The type that holds values of both: equal types stay; null takes the other; integers of different widths
 * give Int64, an integer and a float give Float64 (as arithmetic does, docs/TYPES.md); a dictionary and a
 * plain string column give Utf8. Anything else (a string and a number, a date and an int) is a TypeError.
 */
export function unifyTypes(a: DataType, b: DataType, what: string): DataType {
  if (sameType(a, b)) return a;
  if (a.typeId === Type.Null) return b;
  if (b.typeId === Type.Null) return a;
  if (isNumeric(a) && isNumeric(b)) return a.typeId === Type.Int && b.typeId === Type.Int ? new Int64() : new Float64();
  if (isString(a) && isString(b)) return new Utf8();
  throw new TypeError(`${what} is ${String(a)} in one frame and ${String(b)} in another; make them one type first (e.g. select or assign a converted column)`);
}

/** Column `data` as `type` (which unifyTypes chose, so the cast never loses a value silently). */
export function castData(data: Data, type: DataType, what: string): Data {
  if (sameType(data.type, type)) return data;
  if (data.typeId === Type.Null) return nullData(type, data.length);
  const n = data.length;
  const valid = validityOf(data);
  const bitmap = valid ? copyBits(valid, n) : null;
  if (type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth === 64 && data.typeId === Type.Int) {
    const out = sharedArray(BigInt64Array, n);
    // A slice's values start at its first row (apache-arrow slices them; the offset is the validity bits').
    const v = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (typeof x === 'bigint' && x > 9223372036854775807n) throw new RangeError(`${what}: ${x} does not fit Int64`);
      out[i] = BigInt(x);
    }
    return makeData({ type, length: n, nullCount: data.nullCount, nullBitmap: bitmap ?? undefined, data: out } as any);
  }
  if (type.typeId === Type.Float && isNumeric(data.type)) {
    const out = sharedArray(Float64Array, n);
    const v = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = Number(v[i]!);
    return makeData({ type, length: n, nullCount: data.nullCount, nullBitmap: bitmap ?? undefined, data: out } as any);
  }
  if (type.typeId === Type.Utf8 && data.typeId === Type.Dictionary) {
    const vec = makeVector(data);
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    const offs = sharedArray(Int32Array, n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = vec.get(i) as string | null;
      const b = s === null ? new Uint8Array(0) : enc.encode(s);
      parts.push(b);
      offs[i + 1] = total += b.length;
    }
    const bytes = sharedArray(Uint8Array, total);
    parts.forEach((b, i) => bytes.set(b, offs[i]!));
    return utf8Data(n, offs, bytes, bitmap);
  }
  throw new TypeError(`${what}: cannot convert ${String(data.type)} to ${String(type)}`);
}

function copyBits(valid: Uint8Array, n: number): Uint8Array {
  const out = sharedArray(Uint8Array, (n + 7) >> 3);
  out.set(valid.subarray(0, out.length));
  return out;
}

/** A column of n nulls of any type (a frame that lacks the column, the unmatched side of a join). */
export function nullData(type: DataType, n: number): Data {
  if (type.typeId === Type.Null) return makeData({ type, length: n, nullCount: n } as any);
  const bitmap = sharedArray(Uint8Array, (n + 7) >> 3);
  if (n === 0) return emptyData(type);
  switch (type.typeId) {
    case Type.Utf8:
      return makeData({ type, length: n, nullCount: n, nullBitmap: bitmap, valueOffsets: sharedArray(Int32Array, n + 1), data: sharedArray(Uint8Array, 0) } as any);
    case Type.Dictionary:
      return makeData({ type, length: n, nullCount: n, nullBitmap: bitmap, data: sharedArray(Int32Array, n), dictionary: makeVector(emptyData((type as Dictionary).dictionary)) } as any);
    case Type.Bool:
      return makeData({ type, length: n, nullCount: n, nullBitmap: bitmap, data: sharedArray(Uint8Array, (n + 7) >> 3) } as any);
    case Type.Binary:
    case Type.List:
    case Type.Struct:
      return nullNested(type, n, nullData, emptyData);
    default: {
      const Ctor = (type as unknown as { ArrayType?: { new (b: ArrayBufferLike, o: number, l: number): ArrayBufferView; BYTES_PER_ELEMENT: number } }).ArrayType;
      if (!Ctor) throw new TypeError(`cannot make a null column of type ${String(type)} yet`);
      // Values per row (FixedSizeBinary's bytes, an Interval's or Decimal's words): apache-arrow keeps the
      // stride on the column, not the type, so ask an empty column of the type for it.
      const stride = new ArrowData(type, 0, 0, 0, undefined).stride;
      const values = new Ctor(new SharedArrayBuffer(Math.max(8, n * stride * Ctor.BYTES_PER_ELEMENT)), 0, n * stride);
      return makeData({ type, length: n, nullCount: n, nullBitmap: bitmap, data: values } as any);
    }
  }
}

/** Gather rows `idx` of a column where -1 means "no row": null there (outer joins). */
export function takeOrNull(data: Data, idx: Int32Array): Data {
  let missing = 0;
  for (let k = 0; k < idx.length; k++) if (idx[k]! < 0) missing++;
  if (missing === 0) return takeData(data, idx);
  if (missing === idx.length || data.length === 0) return nullData(data.type, idx.length);
  const safe = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) safe[k] = idx[k]! < 0 ? 0 : idx[k]!;
  const taken = takeData(data, safe);
  const before = validityOf(taken);
  const bitmap = sharedArray(Uint8Array, (idx.length + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < idx.length; k++) {
    const ok = idx[k]! >= 0 && (before === null || ((before[k >> 3]! >> (k & 7)) & 1) === 1);
    if (ok) bitmap[k >> 3]! |= 1 << (k & 7);
    else nulls++;
  }
  return withValidity(taken, bitmap, nulls);
}

/**
 * A batch in the shape of `schema`: columns in its order, cast to its types, missing columns as nulls.
 * The one place concat and mapPartitions line a partition up with the schema promised at build time.
 */
export function conformBatch(batch: RecordBatch, schema: Schema, what: string): RecordBatch {
  const cols = schema.fields.map((f) => {
    const i = batch.schema.fields.findIndex((g) => g.name === f.name);
    if (i < 0) return nullData(f.type, batch.numRows);
    return castData(batch.data.children[i]!, f.type, `${what}: column '${f.name}'`);
  });
  return makeBatch(schema, cols);
}

/** The union of several schemas, columns in first-seen order (concat). */
export function unionSchema(schemas: readonly Schema[], what: string): Schema {
  const order: string[] = [];
  const types = new Map<string, DataType>();
  for (const s of schemas) {
    for (const f of s.fields) {
      const prev = types.get(f.name);
      if (prev === undefined) {
        order.push(f.name);
        types.set(f.name, f.type);
      } else types.set(f.name, unifyTypes(prev, f.type, `${what}: column '${f.name}'`));
    }
  }
  return new Schema(order.map((n) => new Field(n, types.get(n)!, true)));
}
