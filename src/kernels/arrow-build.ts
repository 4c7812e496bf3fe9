// Building Arrow columns and record batches whose buffers live in SharedArrayBuffers, so that
// every partition a kernel produces can cross to a worker thread as a handle, never as a copy.

import {
  type Data,
  type DataType,
  type Field,
  Dictionary,
  RecordBatch,
  Schema,
  Struct,
  Type,
  Utf8,
  Data as ArrowData,
  makeData,
  makeVector,
} from 'apache-arrow';

import { emptyNested } from './nested-rows.ts';

type TypedArrayCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/** A zeroed typed array of `length` elements on a fresh SharedArrayBuffer. */
export function sharedArray<T>(Ctor: TypedArrayCtor<T>, length: number): T {
  // Round up to 8 bytes: Arrow wants aligned buffers and a zero-length SAB is legal but awkward.
  const bytes = Math.max(8, Math.ceil((length * Ctor.BYTES_PER_ELEMENT) / 8) * 8);
  return new Ctor(new SharedArrayBuffer(bytes), 0, length);
}

/** A validity bitmap (bit i set = row i valid) for `length` rows, all valid. */
export function allValidBitmap(length: number): Uint8Array {
  const bm = sharedArray(Uint8Array, (length + 7) >> 3);
  bm.fill(0xff);
  return bm;
}

export function isValidAt(bitmap: Uint8Array | null | undefined, offset: number, i: number): boolean {
  if (!bitmap || bitmap.length === 0) return true;
  const j = offset + i;
  return ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

export function setValid(bitmap: Uint8Array, i: number, valid: boolean): void {
  if (valid) bitmap[i >> 3]! |= 1 << (i & 7);
  else bitmap[i >> 3]! &= ~(1 << (i & 7));
}

/** Count of zero bits among the first `length` bits of a bitmap. */
export function countNulls(bitmap: Uint8Array | null, length: number): number {
  if (!bitmap) return 0;
  let valid = 0;
  const full = length >> 3;
  for (let i = 0; i < full; i++) valid += POPCOUNT[bitmap[i]!]!;
  for (let i = full << 3; i < length; i++) valid += (bitmap[i >> 3]! >> (i & 7)) & 1;
  return length - valid;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** A primitive column (numbers, bigints, booleans as bit-packed Uint8Array). A null bitmap with no nulls is dropped. */
export function primitiveData(type: DataType, length: number, values: ArrayBufferView, validity: Uint8Array | null): Data {
  const nullCount = countNulls(validity, length);
  return makeData({ type: type as any, length, nullCount, data: values as any, nullBitmap: nullCount > 0 ? validity! : undefined } as any);
}

/** A Utf8 column from offsets (length + 1 entries) and UTF-8 bytes. */
export function utf8Data(length: number, offsets: Int32Array, bytes: Uint8Array, validity: Uint8Array | null): Data<Utf8> {
  const nullCount = countNulls(validity, length);
  return makeData({ type: new Utf8(), length, nullCount, valueOffsets: offsets, data: bytes, nullBitmap: nullCount > 0 ? validity! : undefined });
}

/** A dictionary-encoded column: Int32 codes into a Utf8 dictionary. */
export function dictionaryData(type: Dictionary, length: number, codes: Int32Array, dictionary: Data, validity: Uint8Array | null): Data {
  const nullCount = countNulls(validity, length);
  return makeData({ type, length, nullCount, data: codes, dictionary: makeVector(dictionary), nullBitmap: nullCount > 0 ? validity! : undefined } as any);
}

/**
 * `data` (offset 0, as a gather makes it) with another validity: every buffer, child and dictionary kept
 * (nested columns too), only the null bitmap and count replaced.
 */
export function withValidity(data: Data, bitmap: Uint8Array, nullCount: number): Data {
  if (data.offset !== 0) throw new Error('withValidity: a column at offset 0 was expected');
  return new ArrowData(data.type, 0, data.length, nullCount, [data.valueOffsets, data.values, nullCount > 0 ? bitmap : undefined, data.typeIds] as never, data.children, data.dictionary);
}

/** A RecordBatch from fields and one Data per field (all of equal length). */
export function makeBatch(fields: readonly Field[] | Schema, columns: readonly Data[]): RecordBatch {
  const schema = fields instanceof Schema ? fields : new Schema([...fields]);
  const length = columns.length > 0 ? columns[0]!.length : 0;
  for (let i = 0; i < columns.length; i++) {
    if (columns[i]!.length !== length) {
      throw new Error(`column '${schema.fields[i]!.name}' has ${columns[i]!.length} rows, expected ${length}`);
    }
  }
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns as Data[] });
  return new RecordBatch(schema, struct);
}

/** A zero-row batch with the given schema (empty partitions keep their schema). */
export function emptyBatch(schema: Schema): RecordBatch {
  return makeBatch(schema, schema.fields.map((f) => emptyData(f.type)));
}

export function emptyData(type: DataType): Data {
  if (type instanceof Dictionary) {
    return makeData({ type, length: 0, nullCount: 0, data: new Int32Array(0), dictionary: makeVector(emptyData(type.dictionary)) } as any);
  }
  if (type instanceof Utf8) return utf8Data(0, new Int32Array(1), new Uint8Array(0), null);
  if (type.typeId === Type.Binary || type.typeId === Type.List || type.typeId === Type.Struct) return emptyNested(type, emptyData);
  // Fixed-width types get a real (empty) values array: kernels read `values.constructor` and must not meet undefined.
  const ArrayType = (type as { ArrayType?: new (n: number) => ArrayBufferView }).ArrayType;
  const fixedWidth = ArrayType !== undefined && (type.children?.length ?? 0) === 0 && !(type instanceof Utf8);
  return makeData({ type: type as any, length: 0, nullCount: 0, ...(fixedWidth ? { data: new ArrayType(0) } : {}) } as any);
}
