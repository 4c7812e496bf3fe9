// The finishing steps of valueCounts: `normalize` turns counts into proportions of the total (summed over
// every partition of the counts), and the grouped form orders rows by group key, then by count.

import { Field, Float64, type RecordBatch, Schema } from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray } from './arrow-build.ts';
import { asFloat64 } from './column-values.ts';
import { takeBatch } from './take.ts';
import { type KeyValue, compareKeys, groupRows } from './groupby/group-ids.ts';
import { makeVector } from 'apache-arrow';

function columnAt(batch: RecordBatch, name: string): number {
  const i = batch.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`valueCounts: no column '${name}' in partition`);
  return i;
}

/** Sum of an integer count column of one partition. */
export function countTotal(batch: RecordBatch, column: string): number {
  const v = asFloat64(batch.data.children[columnAt(batch, column)]!);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

/** The count column replaced by `out` = count / denominator (one denominator, or one per row). */
function proportions(batch: RecordBatch, column: string, out: string, denominator: (row: number) => number): RecordBatch {
  const i = columnAt(batch, column);
  const counts = asFloat64(batch.data.children[i]!);
  const p = sharedArray(Float64Array, counts.length);
  for (let r = 0; r < counts.length; r++) p[r] = counts[r]! / denominator(r);
  const fields = batch.schema.fields.map((f, j) => (j === i ? new Field(out, new Float64(), true) : f));
  const data = batch.data.children.map((d, j) => (j === i ? primitiveData(new Float64(), counts.length, p, null) : d));
  return makeBatch(new Schema(fields), data);
}

/** Counts divided by the total over all partitions (the totals of every partition are given). */
export function normalizeCounts(batch: RecordBatch, totals: readonly number[], column: string, out: string): RecordBatch {
  const total = totals.reduce((a, b) => a + b, 0);
  return proportions(batch, column, out, () => total);
}

/**
 * Grouped valueCounts (one partition holds every group): rows ordered by the first `nkeys` key columns,
 * then by count (descending when `sortCounts`, else as found); with `normalize`, counts become
 * proportions of their group's total.
 */
export function groupedCounts(batch: RecordBatch, nkeys: number, column: string, sortCounts: boolean, normalize: string | null): RecordBatch {
  const keyCols = batch.data.children.slice(0, nkeys).map((d) => makeVector(d));
  const counts = asFloat64(batch.data.children[columnAt(batch, column)]!);
  const rows = Array.from({ length: batch.numRows }, (_, i) => i);
  rows.sort((a, b) => {
    for (const k of keyCols) {
      const d = compareKeys(k.get(a) as KeyValue, k.get(b) as KeyValue);
      if (d !== 0) return d;
    }
    return sortCounts ? counts[b]! - counts[a]! || a - b : a - b;
  });
  const ordered = takeBatch(batch, Int32Array.from(rows));
  if (normalize === null) return ordered;
  const { ids, ngroups } = groupRows(ordered.data.children.slice(0, nkeys), false);
  const c = asFloat64(ordered.data.children[columnAt(ordered, column)]!);
  const totals = new Float64Array(ngroups);
  for (let r = 0; r < ordered.numRows; r++) totals[ids[r]!]! += c[r]!;
  return proportions(ordered, column, normalize, (r) => totals[ids[r]!]!);
}

/** Rows with a null in `column` moved after the others, order otherwise kept (valueCounts' null row goes last). */
export function nullKeyLast(batch: RecordBatch, column: string): RecordBatch {
  const d = batch.data.children[columnAt(batch, column)]!;
  if (d.nullCount === 0) return batch;
  const v = makeVector(d);
  const rows = Array.from({ length: batch.numRows }, (_, i) => i);
  const order = [...rows.filter((i) => v.get(i) !== null), ...rows.filter((i) => v.get(i) === null)];
  return takeBatch(batch, Int32Array.from(order));
}
