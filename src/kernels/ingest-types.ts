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

import { type Data, type DataType, type Float, type RecordBatch, type Int, Dictionary, Field, Float32, Int32, Precision, Schema, Type, makeData } from 'apache-arrow';
import { emptyBatch, makeBatch, sharedArray } from './arrow-build.ts';
import { narrowData, narrowType } from './large-strings.ts';

const isHalf = (t: DataType): boolean => t.typeId === Type.Float && (t as Float).precision === Precision.HALF;

const isInt32 = (t: Int): boolean => t.bitWidth === 32 && t.isSigned;
const hasOtherIndices = (t: DataType): boolean => t.typeId === Type.Dictionary && !isInt32((t as Dictionary).indices);

/** The type a column of type `t` has once it is in. */
export function normalizeType(t: DataType): DataType {
  if (isHalf(t)) return new Float32();
  if (hasOtherIndices(t)) {
    const d = t as Dictionary;
    return narrowType(new Dictionary(d.dictionary, new Int32(), d.id, d.isOrdered));
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
function widenCodes(d: Data): Data {
  const codes = d.values as ArrayLike<number | bigint>;
  const out = sharedArray(Int32Array, d.length);
  for (let i = 0; i < d.length; i++) {
    const c = Number(codes[i]!);
    if (c >= 0 && c <= 0x7fffffff) out[i] = c;
    else if (d.getValid(i)) throw new RangeError(`dictionary code ${c} at row ${i} is outside the dictionary`);
  }
  const d0 = d.type as Dictionary;
  const type = new Dictionary(d0.dictionary, new Int32(), d0.id, d0.isOrdered);
  // As widenHalf: the codes are sliced to the column's rows, the validity bitmap counts from d.offset.
  return makeData({ type, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, offset: d.offset, data: out, dictionary: d.dictionary } as never);
}

export function normalizeData(d: Data): Data {
  if (isHalf(d.type)) return widenHalf(d);
  return narrowData(hasOtherIndices(d.type) ? widenCodes(d) : d);
}

export function normalizeBatch(batch: RecordBatch): RecordBatch {
  // apache-arrow's own empty columns (vectorFromArray([])) may lack their buffers: kernels expect them.
  if (batch.numRows === 0) return emptyBatch(normalizeSchema(batch.schema));
  if (!batch.schema.fields.some((f) => changes(f.type))) return batch;
  return makeBatch(normalizeSchema(batch.schema), batch.data.children.map((d) => normalizeData(d as Data)));
}
