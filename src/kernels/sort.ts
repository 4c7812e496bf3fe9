// Sorting kernels: a stable local sort of one batch by several columns, and the pieces of a sampled range
// partitioning (samples per partition, boundaries from all samples, each partition split by boundaries).
// Order: numbers ascending with NaN above every number (as DuckDB; NaN is a value), strings by Unicode code
// point, false before true; nulls first or last whatever the direction. Ties are broken by (input
// partition, row), so the sort is stable and a value repeated a million times still spreads over partitions.

import { type Data, type RecordBatch, Type } from 'apache-arrow';
import { takeBatch } from './take.ts';
import { validityOf } from './validity.ts';
import { compareCodePoints } from './groupby/group-ids.ts';
import { splitByBucket } from './hash-partition.ts';

export interface SortSpec {
  readonly by: readonly string[];
  readonly ascending: readonly boolean[];
  readonly nullsFirst: boolean;
}

type Value = number | bigint | string;
const NORMAL = 0;
const NAN = 1;
const NULL = 2;

/** A column prepared for comparisons: a class per row (value, NaN, null) and the row's value. */
interface SortColumn {
  readonly cls: Uint8Array;
  value(i: number): Value;
  /** Comparison of two rows' values of this column (both of class NORMAL), ascending. */
  compareRows(a: number, b: number): number;
  readonly strings: boolean;
}

const decoder = new TextDecoder();

/** The types a sort key may have (checked when the plan is built). */
export function sortableType(typeId: Type): boolean {
  return [Type.Null, Type.Int, Type.Float, Type.Bool, Type.Utf8, Type.Dictionary, Type.Date, Type.Timestamp].includes(typeId);
}

function sortColumn(data: Data, name: string): SortColumn {
  const n = data.length;
  const valid = validityOf(data);
  const cls = new Uint8Array(n);
  if (valid) for (let i = 0; i < n; i++) if (((valid[i >> 3]! >> (i & 7)) & 1) === 0) cls[i] = NULL;
  switch (data.typeId) {
    case Type.Null:
      cls.fill(NULL);
      return { cls, strings: false, value: () => 0, compareRows: () => 0 };
    case Type.Utf8: {
      const offs = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const strs = new Array<string>(n);
      for (let i = 0; i < n; i++) strs[i] = cls[i] === NULL ? '' : decoder.decode(bytes.subarray(offs[data.offset + i]!, offs[data.offset + i + 1]!));
      return { cls, strings: true, value: (i) => strs[i]!, compareRows: (a, b) => compareCodePoints(strs[a]!, strs[b]!) };
    }
    case Type.Dictionary: {
      // Rank the dictionary once; rows then compare as integers.
      const dict = data.dictionary!;
      const entries = Array.from({ length: dict.length }, (_, j) => String(dict.get(j) ?? ''));
      const order = entries.map((_, j) => j).sort((x, y) => compareCodePoints(entries[x]!, entries[y]!));
      const rank = new Int32Array(entries.length);
      order.forEach((j, r) => (rank[j] = r));
      const codes = data.values as Int32Array;
      const off = data.offset;
      return { cls, strings: true, value: (i) => entries[codes[off + i]!]!, compareRows: (a, b) => rank[codes[off + a]!]! - rank[codes[off + b]!]! };
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      const off = data.offset;
      const v = (i: number) => ((bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1);
      return { cls, strings: false, value: v, compareRows: (a, b) => v(a) - v(b) };
    }
    default: {
      const values = data.values as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number };
      if (!values || data.stride !== 1) throw new TypeError(`cannot sort by column '${name}' of type ${String(data.type)}`);
      const off = data.offset;
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const v = values as ArrayLike<bigint>;
        return { cls, strings: false, value: (i) => v[off + i]!, compareRows: (a, b) => (v[off + a]! < v[off + b]! ? -1 : v[off + a]! > v[off + b]! ? 1 : 0) };
      }
      const v = values as ArrayLike<number>;
      for (let i = 0; i < n; i++) if (cls[i] === NORMAL && v[off + i] !== v[off + i]) cls[i] = NAN;
      return { cls, strings: false, value: (i) => v[off + i]!, compareRows: (a, b) => v[off + a]! - v[off + b]! };
    }
  }
}

function columnsOf(batch: RecordBatch, spec: SortSpec): SortColumn[] {
  return spec.by.map((name) => {
    const i = batch.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new Error(`no sort column '${name}' in partition`);
    return sortColumn(batch.data.children[i]!, name);
  });
}

/** Order of two classes (one of them not NORMAL) under the spec's null placement and the column's direction. */
function classOrder(ca: number, cb: number, asc: boolean, nullsFirst: boolean): number {
  if (ca === NULL || cb === NULL) return (ca === NULL ? 1 : -1) * (nullsFirst ? -1 : 1);
  // NaN above every number: last ascending, first descending
  return (ca === NAN ? 1 : -1) * (asc ? 1 : -1);
}

function compareValues(a: Value, b: Value, strings: boolean): number {
  if (strings) return compareCodePoints(a as string, b as string);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Row order of a batch by the spec; equal rows keep their order (stable). */
export function sortIndices(batch: RecordBatch, spec: SortSpec): Int32Array {
  const cols = columnsOf(batch, spec);
  const idx = Array.from({ length: batch.numRows }, (_, i) => i);
  idx.sort((a, b) => {
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const ca = col.cls[a]!;
      const cb = col.cls[b]!;
      if (ca !== cb) return classOrder(ca, cb, spec.ascending[c]!, spec.nullsFirst);
      if (ca !== NORMAL) continue;
      const d = col.compareRows(a, b);
      if (d !== 0) return spec.ascending[c] ? d : -d;
    }
    return a - b;
  });
  return Int32Array.from(idx);
}

export function sortBatch(batch: RecordBatch, spec: SortSpec): RecordBatch {
  return takeBatch(batch, sortIndices(batch, spec));
}

/** A row's place in the global order: each key column's (class, value), then (partition, row) to break ties. */
export type SortPoint = { readonly cls: number[]; readonly values: Value[]; readonly partition: number; readonly row: number };

export interface PartitionSample {
  readonly rows: number;
  readonly points: SortPoint[];
}

function pointAt(cols: readonly SortColumn[], i: number, partition: number): SortPoint {
  return { cls: cols.map((c) => c.cls[i]!), values: cols.map((c) => (c.cls[i] === NORMAL ? c.value(i) : 0)), partition, row: i };
}

function comparePoints(a: SortPoint, b: SortPoint, spec: SortSpec, strings: readonly boolean[]): number {
  for (let c = 0; c < a.cls.length; c++) {
    const ca = a.cls[c]!;
    const cb = b.cls[c]!;
    if (ca !== cb) return classOrder(ca, cb, spec.ascending[c]!, spec.nullsFirst);
    if (ca !== NORMAL) continue;
    const d = compareValues(a.values[c]!, b.values[c]!, strings[c]!);
    if (d !== 0) return spec.ascending[c] ? d : -d;
  }
  return a.partition - b.partition || a.row - b.row;
}

/** Evenly spaced rows of a partition (deterministic; on sorted input they trace its range exactly). */
export function sortSample(batch: RecordBatch, spec: SortSpec, partition: number, size: number): PartitionSample {
  const n = batch.numRows;
  const cols = columnsOf(batch, spec);
  const points: SortPoint[] = [];
  const k = Math.min(n, size);
  for (let j = 0; j < k; j++) points.push(pointAt(cols, Math.floor(((j + 0.5) * n) / k), partition));
  return { rows: n, points };
}

/**
 * nout - 1 boundaries from every partition's sample, weighting each sampled row by the rows it stands for,
 * so each output gets about total / nout rows.
 */
export function sortBoundaries(samples: readonly PartitionSample[], spec: SortSpec, strings: readonly boolean[], nout: number): SortPoint[] {
  const weighted: Array<{ p: SortPoint; w: number }> = [];
  let total = 0;
  for (const s of samples) {
    if (s.points.length === 0) continue;
    const w = s.rows / s.points.length;
    for (const p of s.points) weighted.push({ p, w });
    total += s.rows;
  }
  weighted.sort((a, b) => comparePoints(a.p, b.p, spec, strings));
  const out: SortPoint[] = [];
  let acc = 0;
  let k = 0;
  for (let j = 1; j < nout; j++) {
    const target = (total * j) / nout;
    while (k < weighted.length && acc + weighted[k]!.w <= target) acc += weighted[k++]!.w;
    if (weighted.length > 0) out.push(weighted[Math.min(k, weighted.length - 1)]!.p);
  }
  return out;
}

/** Cut a partition into nout pieces: row r goes to the number of boundaries at or below its point. */
export function sortSplit(batch: RecordBatch, spec: SortSpec, strings: readonly boolean[], boundaries: readonly SortPoint[], partition: number, nout: number): RecordBatch[] {
  const cols = columnsOf(batch, spec);
  const bucket = new Int32Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const p = pointAt(cols, i, partition);
    let lo = 0;
    let hi = boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (comparePoints(boundaries[mid]!, p, spec, strings) <= 0) lo = mid + 1;
      else hi = mid;
    }
    bucket[i] = lo;
  }
  return splitByBucket(batch, bucket, nout);
}
