// The Arrow types every kernel speaks, enforced where user data comes in (fromArrow, fromRecordBatches,
// readArrowIpc, readParquet, mapPartitions results). Two input types are rewritten on the way in, in the
// schema the user sees and in the data alike:
//   - Float16 becomes Float32. apache-arrow keeps half floats as their raw 16-bit patterns, so a kernel
//     reading `.values` as numbers would compare and add the patterns (a silent wrong answer). Every half
//     float (subnormals, ±Infinity, NaN, -0) is exactly a float32, so widening loses nothing (polars does
//     the same).
//   - Large (64-bit offset) strings become Utf8 (large-strings.ts).
//   - Dictionary indices of any integer width become Int32. Kernels read codes as numbers and write
//     Int32 codes when they unify dictionaries (concat.ts): codes of another width were reinterpreted
//     there (Int8 codes read back from an Int32 buffer), and one frame can now take batches whose
//     index widths differ.

import { type Data, type DataType, type Float, type RecordBatch, type Int, Data as ArrowData, Dictionary, Field, FixedSizeList, Float32, Int32, List, Map_, Precision, Schema, Struct, Type, Union, makeData, makeVector } from 'apache-arrow';
import { emptyBatch, makeBatch, sharedArray } from './arrow-build.ts';
import { narrowData, narrowType } from './large-strings.ts';
import { takeData } from './take.ts';
import { unsupportedRowType } from './nested-rows.ts';

const isHalf = (t: DataType): boolean => t.typeId === Type.Float && (t as Float).precision === Precision.HALF;

const isInt32 = (t: Int): boolean => t.bitWidth === 32 && t.isSigned;
const hasOtherIndices = (t: DataType): boolean => t.typeId === Type.Dictionary && !isInt32((t as Dictionary).indices);

/** A nested type like `t` whose child fields are `children`. */
function withChildren(t: DataType, children: Field[]): DataType {
  switch (t.typeId) {
    case Type.List:
      return new List(children[0]!);
    case Type.FixedSizeList:
      return new FixedSizeList((t as FixedSizeList).listSize, children[0]!);
    case Type.Struct:
      return new Struct(children);
    case Type.Map:
      return new Map_(children[0]! as never, (t as Map_).keysSorted);
    case Type.Union:
      return new Union((t as Union).mode, [...(t as Union).typeIds], children);
    default:
      throw new TypeError(`cannot take a ${String(t)} column whose children are ${children.map((f) => String(f.type)).join(', ')}`);
  }
}

/**
 * The type a column of type `t` has once it is in: the rewrites apply at any depth (a list of float16 is
 * a list of float32), and a type with nothing to rewrite is returned as it is (the same object).
 */
export function normalizeType(t: DataType): DataType {
  if (isHalf(t)) return new Float32();
  if (t.typeId === Type.Dictionary) {
    const d = t as Dictionary;
    const values = normalizeType(d.dictionary);
    if (values === d.dictionary && isInt32(d.indices)) return t;
    return new Dictionary(values, new Int32(), d.id, d.isOrdered);
  }
  const children = (t.children ?? []) as Field[];
  if (children.length > 0) {
    const types = children.map((f) => normalizeType(f.type));
    if (types.every((c, i) => c === children[i]!.type)) return t;
    return withChildren(t, children.map((f, i) => (types[i] === f.type ? f : new Field(f.name, types[i]!, f.nullable, f.metadata))));
  }
  return narrowType(t);
}

const changes = (t: DataType): boolean => normalizeType(t) !== t;

export function normalizeSchema(schema: Schema): Schema {
  if (!schema.fields.some((f) => changes(f.type))) return schema;
  return new Schema(schema.fields.map((f) => (changes(f.type) ? new Field(f.name, normalizeType(f.type), f.nullable, f.metadata) : f)), schema.metadata);
}

/**
 * The float value of a half-float bit pattern: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
 * Exponent 0 holds zeros and subnormals (mantissa * 2^-24), exponent 31 infinities and NaN.
 */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

function widenHalf(d: Data): Data {
  const bits = d.values as Uint16Array;
  const out = sharedArray(Float32Array, d.length);
  for (let i = 0; i < d.length; i++) out[i] = halfToNumber(bits[i]!);
  // Values are already sliced to the column's rows; the validity bitmap still counts from d.offset.
  return makeData({ type: new Float32(), length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, offset: d.offset, data: out } as never);
}

/** Dictionary codes of another integer width as Int32 (a code past Int32 cannot index a real dictionary). */
function codesAsInt32(d: Data): Int32Array {
  const codes = d.values as ArrayLike<number | bigint>;
  if (isInt32((d.type as Dictionary).indices)) return codes as Int32Array;
  const out = sharedArray(Int32Array, d.length);
  for (let i = 0; i < d.length; i++) {
    const c = Number(codes[i]!);
    if (c >= 0 && c <= 0x7fffffff) out[i] = c;
    else if (d.getValid(i)) throw new RangeError(`dictionary code ${c} at row ${i} is outside the dictionary`);
  }
  return out;
}

export function normalizeData(d: Data): Data {
  const type = normalizeType(d.type);
  if (type === d.type) return d;
  if (isHalf(d.type)) return widenHalf(d);
  if (d.typeId === Type.Dictionary) {
    const dictionary = makeVector(d.dictionary!.data.map((c) => normalizeData(c as Data)));
    // As widenHalf: the codes are sliced to the column's rows, the validity bitmap counts from d.offset.
    return new ArrowData(type, d.offset, d.length, d.nullCount, [undefined, codesAsInt32(d), d.nullBitmap] as never, [], dictionary);
  }
  if (d.children.length > 0) {
    // Offsets, validity and type ids stay as they are; only the children are rewritten.
    return new ArrowData(type, d.offset, d.length, d.nullCount, d as never, d.children.map((c) => normalizeData(c as Data)));
  }
  return narrowData(d);
}

export function normalizeBatch(batch: RecordBatch): RecordBatch {
  // apache-arrow's own empty columns (vectorFromArray([])) may lack their buffers: kernels expect them.
  if (batch.numRows === 0) return emptyBatch(normalizeSchema(batch.schema));
  const columns = batch.data.children as Data[];
  if (!batch.schema.fields.some((f) => changes(f.type)) && !columns.some(sliced)) return batch;
  return makeBatch(normalizeSchema(batch.schema), columns.map((d) => atOffsetZero(normalizeData(d))));
}

/** Whether a column, or a column in it, starts at an offset (a RecordBatch.slice, a struct's sliced children). */
function sliced(d: Data): boolean {
  return d.offset !== 0 || d.children.some((c) => sliced(c as Data));
}

/**
 * A sliced column copied to start at offset 0. apache-arrow slices a column's values and offsets with it but
 * keeps the offset for the validity bits, and kernels index values as row + offset in places: a slice of a
 * user's batch was read shifted (sortValues left it unsorted; concat with a wider type read NaN). Columns
 * whose rows no kernel moves (nested-rows.ts) stay as they are: those kernels refuse them anyway.
 */
function atOffsetZero(d: Data): Data {
  if (!sliced(d) || unsupportedRowType(d.type) !== null) return d;
  return takeData(d, Int32Array.from({ length: d.length }, (_, i) => i));
}
