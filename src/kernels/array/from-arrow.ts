// DataFrame partitions -> array chunks: numeric Arrow columns copied row-major into one typed array on
// shared memory. Nulls become NaN in a float result; in an integer or bool result they are an error.

import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { allocate, promote, type DType } from './dtypes.ts';
import { view, type Strided } from './strided.ts';
import { boolAt } from '../column-values.ts';

/** The array dtype of one Arrow column type, or null when it is not numeric (text, dates, lists...). */
export function columnDType(type: DataType): DType | null {
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isInt(type)) {
    if (type.bitWidth === 8 && !type.isSigned) return 'uint8';
    if (type.bitWidth < 32 || (type.bitWidth === 32 && type.isSigned)) return 'int32';
    return 'int64'; // int64, uint32, uint64 (values beyond int64 are an error when read)
  }
  if (DataType.isFloat(type)) return type.precision === 2 ? 'float64' : 'float32';
  if (DataType.isNull(type)) return 'float64'; // all null: all NaN
  return null;
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * One partition as a (rows, columns) chunk of `dtype`. `partition` names the partition in errors. A column
 * whose type no longer fits `dtype` (a CSV column widened while reading) is an error, never a silent cast.
 */
export function batchToChunk(batch: RecordBatch, columns: readonly string[], dtype: DType, partition: number): Strided {
  const rows = batch.numRows;
  const ncols = columns.length;
  const out = allocate(dtype, rows * ncols) as { [i: number]: number | bigint };
  const float = dtype === 'float64' || dtype === 'float32';
  columns.forEach((name, c) => {
    const index = batch.schema.fields.findIndex((f) => f.name === name);
    const vector = index < 0 ? null : batch.getChildAt(index);
    if (!vector) throw new Error(`toArray: partition ${partition} has no column '${name}'`);
    const own = columnDType(vector.type);
    if (own === null || promote(own, dtype) !== dtype) {
      throw new TypeError(`toArray: column '${name}' holds ${String(vector.type)} in partition ${partition}, which does not fit the array's dtype ${dtype} (a CSV column can be widened when the data proves its sample wrong); build the array again with df.toArray(columns, {dtype: 'float64'})`);
    }
    let row = 0;
    for (const data of vector.data) {
      copyColumn(data as Data, out, row, c, ncols, float, dtype === 'int64', name, partition);
      row += data.length;
    }
  });
  return view(out as never, [rows, ncols]);
}

function copyColumn(data: Data, out: { [i: number]: number | bigint }, row0: number, c: number, ncols: number, float: boolean, big: boolean, name: string, partition: number): void {
  const n = data.length;
  const type = data.type as DataType;
  const valid = data.nullBitmap;
  const off = data.offset;
  const nulls = data.nullCount > 0 && valid && valid.length > 0;
  const isNull = (i: number): boolean => {
    if (DataType.isNull(type)) return true;
    if (!nulls) return false;
    const bit = off + i;
    return (valid![bit >> 3]! & (1 << (bit & 7))) === 0;
  };
  const values = data.values as ArrayLike<number | bigint>;
  const bool = DataType.isBool(type);
  const half = DataType.isFloat(type) && type.precision === 0;
  for (let i = 0; i < n; i++) {
    const at = (row0 + i) * ncols + c;
    if (isNull(i)) {
      if (!float) throw new TypeError(`toArray: column '${name}' has a null at row ${i + row0} of partition ${partition}, which an integer or bool array cannot hold; pass {dtype: 'float64'} to turn nulls into NaN, or fill them first`);
      out[at] = NaN;
      continue;
    }
    let v: number | bigint;
    // The slice rule of kernels/column-values.ts: values[i] for numbers, bit offset + i for booleans.
    if (bool) v = boolAt(data, i);
    else if (half) v = halfToNumber(values[i] as number);
    else v = values[i]!;
    if (typeof v === 'bigint') {
      if (v > INT64_MAX) throw new RangeError(`toArray: column '${name}' holds ${v} at row ${i + row0} of partition ${partition}, beyond int64; pass {dtype: 'float64'}`);
      out[at] = big ? v : Number(v);
    } else out[at] = big ? BigInt(v) : v;
  }
}

/** IEEE half-precision bits -> number. */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
