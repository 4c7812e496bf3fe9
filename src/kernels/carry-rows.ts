// shift and ffill/bfill across partition boundaries, for columns of any type: a partition's output rows
// are gathered from (rows carried over from neighbouring partitions) + (its own rows), and rows with no
// source become null. The carries are small batches: at most |periods| rows for shift, one row for fills.

import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { emptyBatch, makeBatch, sharedArray, withValidity } from './arrow-build.ts';
import { concatData } from './concat.ts';
import { takeData } from './take.ts';
import { validityOf } from './validity.ts';
import { nullData } from './union-cast.ts';

/** Forward: values move to later rows (shift(k > 0), ffill); backward: to earlier rows (shift(k < 0), bfill). */
export type Direction = 'forward' | 'backward';

/** Gather rows `idx` of `data`; -1 gives null. */
export function gatherOrNull(data: Data, idx: Int32Array): Data {
  const safe = Int32Array.from(idx, (i) => (i < 0 ? 0 : i));
  const n = idx.length;
  const taken = data.length === 0 ? null : takeData(data, safe);
  const valid = taken ? validityOf(taken) : null;
  const bitmap = sharedArray(Uint8Array, (n + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    const ok = idx[k]! >= 0 && (valid === null || ((valid[k >> 3]! >> (k & 7)) & 1) === 1);
    if (ok) bitmap[k >> 3]! |= 1 << (k & 7);
    else nulls++;
  }
  // No row to gather from (an empty partition, no carry): n nulls of the type, nested types too.
  if (!taken) return nullData(data.type, n);
  if (nulls === 0) return taken;
  return withValidity(taken, bitmap, nulls);
}

/** Rows to hand on for shift: the last k (forward) or first k (backward) rows of `batch`. */
export function edgeRows(batch: RecordBatch, k: number, direction: Direction): RecordBatch {
  const n = batch.numRows;
  const take = Math.min(k, n);
  const start = direction === 'forward' ? n - take : 0;
  const idx = Int32Array.from({ length: take }, (_, i) => start + i);
  return makeBatch(batch.schema, batch.data.children.map((d) => takeData(d, idx)));
}

/** The carry after one more partition: its edge rows next to the rows carried so far, at most k kept. */
export function shiftCarryStep(carry: RecordBatch | null, edge: RecordBatch, k: number, direction: Direction): RecordBatch {
  if (carry === null || carry.numRows === 0) return edge;
  const ordered = direction === 'forward' ? [carry, edge] : [edge, carry];
  const joined = makeBatch(edge.schema, edge.schema.fields.map((f, i) => concatData(f.type, ordered.map((b) => b.data.children[i]!))));
  return edgeRows(joined, k, direction);
}

/** Shift `data` by k rows (k > 0: down) with `carry` holding the neighbouring partition rows (same column). */
export function shiftColumn(data: Data, carry: Data | null, k: number): Data {
  const n = data.length;
  const c = carry ? carry.length : 0;
  const joined = c > 0 ? concatData(data.type, k > 0 ? [carry!, data] : [data, carry!]) : data;
  const idx = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    // forward: row j takes joined row j + c - k; backward: row j takes joined row j - k (k < 0)
    const src = k > 0 ? j + c - k : j - k;
    idx[j] = src >= 0 && src < joined.length ? src : -1;
  }
  return gatherOrNull(joined, idx);
}

/**
 * What a fill hands on: per column the last (forward) or first (backward) non-null value (null where none)
 * as a one-row batch, and `gaps[c]`, the rows between that value and the partition's far edge (the whole
 * partition when it has no value): `limit` counts a run of nulls across partitions with it.
 */
export interface FillCarry {
  readonly values: RecordBatch;
  readonly gaps: number[];
}

export function fillEdge(batch: RecordBatch, direction: Direction): FillCarry {
  const gaps: number[] = [];
  const cols = batch.data.children.map((d) => {
    const valid = validityOf(d);
    let at = -1;
    if (d.length > 0) {
      if (valid === null) at = direction === 'forward' ? d.length - 1 : 0;
      else if (direction === 'forward') {
        for (let i = d.length - 1; i >= 0; i--) if ((valid[i >> 3]! >> (i & 7)) & 1) { at = i; break; }
      } else {
        for (let i = 0; i < d.length; i++) if ((valid[i >> 3]! >> (i & 7)) & 1) { at = i; break; }
      }
    }
    gaps.push(at < 0 ? d.length : direction === 'forward' ? d.length - 1 - at : at);
    return gatherOrNull(d, Int32Array.of(at));
  });
  return { values: makeBatch(batch.schema, cols), gaps };
}

/** The carry after one more partition: per column, that partition's edge value where it has one. */
export function fillCarryStep(carry: FillCarry | null, edge: FillCarry): FillCarry {
  if (carry === null) return edge;
  const gaps: number[] = [];
  const cols = edge.values.data.children.map((e, i) => {
    const valid = validityOf(e);
    const has = e.length > 0 && (valid === null || (valid[0]! & 1) === 1);
    // No value here: the run of nulls goes on through this partition.
    gaps.push(has ? edge.gaps[i]! : carry.gaps[i]! + edge.gaps[i]!);
    return has ? e : carry.values.data.children[i]!;
  });
  return { values: makeBatch(edge.values.schema, cols), gaps };
}

/**
 * Fill nulls of `data` from the nearest earlier (forward) or later (backward) value, `carry` beyond the edge
 * with `carryGap` null rows between it and this partition; `limit`: at most that many nulls in a row are filled.
 */
export function fillColumn(data: Data, carry: Data | null, direction: Direction, limit: number | null = null, carryGap = 0): Data {
  const n = data.length;
  const c = carry ? carry.length : 0;
  const joined = c > 0 ? concatData(data.type, direction === 'forward' ? [carry!, data] : [data, carry!]) : data;
  const valid = validityOf(joined);
  if (valid === null) return data;
  const idx = new Int32Array(n).fill(-1);
  const isValid = (i: number) => ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
  // Rows of `data` sit at [off, off + n) in joined; the carry row (if any) before or after them.
  const off = direction === 'forward' ? c : 0;
  const most = limit ?? Infinity;
  let last = -1;
  let run = 0; // nulls since `last`
  const visit = (j: number) => {
    const src = j + off;
    if (isValid(src)) {
      last = src;
      run = 0;
      idx[j] = src;
    } else idx[j] = ++run <= most ? last : -1;
  };
  if (direction === 'forward') {
    if (c > 0 && isValid(0)) (last = 0), (run = carryGap);
    for (let j = 0; j < n; j++) visit(j);
  } else {
    if (c > 0 && isValid(n)) (last = n), (run = carryGap);
    for (let j = n - 1; j >= 0; j--) visit(j);
  }
  return gatherOrNull(joined, idx);
}

/** An empty carry of the given columns (nothing before the first partition). */
export function noCarry(schema: Schema): RecordBatch {
  return emptyBatch(schema);
}
