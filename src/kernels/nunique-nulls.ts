// nunique({dropna: false}) per group: the distinct non-null count, plus one where the group has a null
// (its non-null count is below its row count). Hidden helper columns are dropped from the result.

import { type RecordBatch, Schema } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray } from './arrow-build.ts';
import { asFloat64 } from './column-values.ts';

function at(batch: RecordBatch, name: string): number {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`nunique: no column '${name}' in partition`);
  return i;
}

/** columns: [output nunique column, its hidden count column]; `size` the hidden row count column. */
export function nuniqueWithNulls(batch: RecordBatch, columns: ReadonlyArray<readonly [string, string]>, size: string): RecordBatch {
  const rows = asFloat64(batch.data.children[at(batch, size)]!);
  const hidden = new Set([size, ...columns.map(([, c]) => c)]);
  const replaced = new Map<string, ReturnType<typeof primitiveData>>();
  for (const [out, count] of columns) {
    const i = at(batch, out);
    const distinct = asFloat64(batch.data.children[i]!);
    const counts = asFloat64(batch.data.children[at(batch, count)]!);
    const v = sharedArray(BigInt64Array, batch.numRows);
    for (let r = 0; r < batch.numRows; r++) v[r] = BigInt(distinct[r]! + (counts[r]! < rows[r]! ? 1 : 0));
    replaced.set(out, primitiveData(batch.schema.fields[i]!.type, batch.numRows, v, null));
  }
  const keep = batch.schema.fields.map((f, i) => [f, i] as const).filter(([f]) => !hidden.has(f.name));
  return makeBatch(new Schema(keep.map(([f]) => f)), keep.map(([f, i]) => replaced.get(f.name) ?? batch.data.children[i]!));
}
