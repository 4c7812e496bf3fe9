// dropDuplicates / unique across partitions, keeping input order: each partition lists its distinct key
// tuples with first and last row and a count; partials merge in a tree (earlier partitions first), and the
// root hands every partition the rows it keeps. Null equals null and NaN equals NaN (as pandas' duplicated).

import type { RecordBatch } from 'apache-arrow';
import { groupRows, tupleKey } from './groupby/group-ids.ts';
import { takeBatch } from './take.ts';

export type Keep = 'first' | 'last' | 'none';

/** Distinct key tuples of some partitions: first/last occurrence as (partition, row), and how many rows. */
export interface DuplicatePartial {
  tuples: string[];
  firstPart: number[];
  firstRow: number[];
  lastPart: number[];
  lastRow: number[];
  count: number[];
}

export function duplicateChunk(batch: RecordBatch, subset: readonly string[], partition: number): DuplicatePartial {
  const cols = subset.map((name) => {
    const i = batch.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new Error(`dropDuplicates: no column '${name}' in partition ${partition}`);
    return batch.data.children[i]!;
  });
  const { ids, ngroups, keys } = groupRows(cols, false);
  const out: DuplicatePartial = { tuples: [], firstPart: [], firstRow: [], lastPart: [], lastRow: [], count: [] };
  for (let g = 0; g < ngroups; g++) {
    out.tuples.push(tupleKey(keys, g));
    out.firstPart.push(partition);
    out.lastPart.push(partition);
    out.firstRow.push(-1);
    out.lastRow.push(-1);
    out.count.push(0);
  }
  for (let i = 0; i < batch.numRows; i++) {
    const g = ids[i]!;
    if (out.firstRow[g] === -1) out.firstRow[g] = i;
    out.lastRow[g] = i;
    out.count[g]! += 1;
  }
  return out;
}

/** Merge partials given in partition order (the first occurrence comes from the earliest). */
export function duplicateMerge(parts: readonly DuplicatePartial[]): DuplicatePartial {
  if (parts.length === 1) return parts[0]!;
  const at = new Map<string, number>();
  const out: DuplicatePartial = { tuples: [], firstPart: [], firstRow: [], lastPart: [], lastRow: [], count: [] };
  for (const p of parts) {
    for (let g = 0; g < p.tuples.length; g++) {
      const t = p.tuples[g]!;
      const k = at.get(t);
      if (k === undefined) {
        at.set(t, out.tuples.length);
        out.tuples.push(t);
        out.firstPart.push(p.firstPart[g]!);
        out.firstRow.push(p.firstRow[g]!);
        out.lastPart.push(p.lastPart[g]!);
        out.lastRow.push(p.lastRow[g]!);
        out.count.push(p.count[g]!);
      } else {
        out.lastPart[k] = p.lastPart[g]!;
        out.lastRow[k] = p.lastRow[g]!;
        out.count[k]! += p.count[g]!;
      }
    }
  }
  return out;
}

/** Rows each of `npartitions` partitions keeps, ascending (input order). */
export function duplicateKeptRows(p: DuplicatePartial, npartitions: number, keep: Keep): Int32Array[] {
  const lists: number[][] = Array.from({ length: npartitions }, () => []);
  for (let g = 0; g < p.tuples.length; g++) {
    if (keep === 'none' && p.count[g]! > 1) continue;
    if (keep === 'last') lists[p.lastPart[g]!]!.push(p.lastRow[g]!);
    else lists[p.firstPart[g]!]!.push(p.firstRow[g]!);
  }
  return lists.map((l) => Int32Array.from(l).sort());
}

export function takeRows(batch: RecordBatch, rows: Int32Array): RecordBatch {
  return rows.length === batch.numRows ? batch : takeBatch(batch, rows);
}
