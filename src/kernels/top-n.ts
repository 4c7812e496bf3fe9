// nlargest / nsmallest: the n first rows by some numeric columns, per partition and then over merged
// partials in a tree (concatenated in partition order, so ties keep the earliest row: pandas' keep='first').
// Null and NaN rank after every number in both directions (pandas puts them last too).

import { type Data, type RecordBatch, Type } from 'apache-arrow';
import { concatBatches } from './concat.ts';
import { takeBatch } from './take.ts';
import { validityOf } from './validity.ts';
import { asFloat64 } from './column-values.ts';

/** Sort key of one column: -1 slot (null or NaN) sorts last; bigints compare exactly. */
function keyOf(data: Data): (i: number) => number | bigint | null {
  const valid = validityOf(data);
  const v = data.values as unknown;
  const big = v instanceof BigInt64Array || v instanceof BigUint64Array ? (v as BigInt64Array) : null;
  const f = big ? null : asFloat64(data);
  return (i) => {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) return null;
    if (big) return big[i]!;
    const x = f![i]!;
    return x !== x ? null : x;
  };
}

export function topRows(batch: RecordBatch, columns: readonly string[], n: number, largest: boolean): RecordBatch {
  const keys = columns.map((c) => {
    const i = batch.schema.fields.findIndex((f) => f.name === c);
    if (i < 0) throw new Error(`nlargest/nsmallest: no column '${c}' in partition`);
    const d = batch.data.children[i]!;
    if (d.typeId === Type.Utf8 || d.typeId === Type.Dictionary) throw new TypeError(`nlargest/nsmallest: column '${c}' is not numeric`);
    return keyOf(d);
  });
  const rows = Int32Array.from({ length: batch.numRows }, (_, i) => i);
  const sign = largest ? -1 : 1;
  const order = Array.from(rows).sort((a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return a - b; // stable: the earlier row first
  });
  const kept = Int32Array.from(order.slice(0, n));
  return takeBatch(batch, kept);
}

export function topMerge(parts: readonly RecordBatch[], columns: readonly string[], n: number, largest: boolean): RecordBatch {
  const joined = concatBatches(parts[0]!.schema, parts);
  return topRows(joined, columns, n, largest);
}
