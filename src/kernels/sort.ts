// Sorting kernels: a stable local sort of one batch by several columns, and the pieces of a sampled range
// partitioning (samples per partition, boundaries from all samples, each partition split by boundaries).
// Order: numbers ascending with NaN above every number (as DuckDB; NaN is a value), strings by Unicode code
// point, false before true; nulls first or last whatever the direction. Ties are broken by (input
// partition, row), so the sort is stable and a value repeated a million times still spreads over partitions.

import { type Data, type RecordBatch, Type } from 'apache-arrow';
import { takeBatch } from './take.ts';
import { validityOf } from './validity.ts';
import { boolAt } from './column-values.ts';
import { compareCodePoints } from './groupby/group-ids.ts';
import { splitByBucket } from './hash-partition.ts';
import { type SpillTarget, type SpilledPiece, loadPiece, spillPieces } from '../collections/shuffle/spill.ts';

export interface SortSpec {
  readonly by: readonly string[];
  readonly ascending: readonly boolean[];
  readonly nullsFirst: boolean;
  /**
   * Break ties by input position when cutting into partitions (sortValues: a repeated value spreads). false
   * for setIndex: every row of one key value lands in one partition, so divisions never split a key.
   */
  readonly spreadTies?: boolean;
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

/** Values read by the slice rule of column-values.ts: values[i], valueOffsets[i]; bits at data.offset + i. */
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
      for (let i = 0; i < n; i++) strs[i] = cls[i] === NULL ? '' : decoder.decode(bytes.subarray(offs[i]!, offs[i + 1]!));
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
      return { cls, strings: true, value: (i) => entries[codes[i]!]!, compareRows: (a, b) => rank[codes[a]!]! - rank[codes[b]!]! };
    }
    case Type.Bool: {
      const v = (i: number) => boolAt(data, i);
      return { cls, strings: false, value: v, compareRows: (a, b) => v(a) - v(b) };
    }
    default: {
      const values = data.values as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number };
      if (!values || data.stride !== 1) throw new TypeError(`cannot sort by column '${name}' of type ${String(data.type)}`);
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const v = values as ArrayLike<bigint>;
        return { cls, strings: false, value: (i) => v[i]!, compareRows: (a, b) => (v[a]! < v[b]! ? -1 : v[a]! > v[b]! ? 1 : 0) };
      }
      const v = values as ArrayLike<number>;
      for (let i = 0; i < n; i++) if (cls[i] === NORMAL && v[i] !== v[i]) cls[i] = NAN;
      return { cls, strings: false, value: (i) => v[i]!, compareRows: (a, b) => v[a]! - v[b]! };
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
  idx.sort((a, b) => compareRows(cols, a, b, spec) || a - b);
  return Int32Array.from(idx);
}

export function sortBatch(batch: RecordBatch, spec: SortSpec): RecordBatch {
  // Already in order (the sorted fast path, or sorted input): nothing to move.
  if (isSorted(columnsOf(batch, spec), batch.numRows, spec)) return batch;
  return takeBatch(batch, sortIndices(batch, spec));
}

/** A row's place in the global order: each key column's (class, value), then (partition, row) to break ties. */
export type SortPoint = { readonly cls: number[]; readonly values: Value[]; readonly partition: number; readonly row: number };

export interface PartitionSample {
  readonly rows: number;
  readonly points: SortPoint[];
  /** Whether the partition is already in order, and its first and last rows (the sorted fast path). */
  readonly sorted: boolean;
  readonly first: SortPoint | null;
  readonly last: SortPoint | null;
}

function pointAt(cols: readonly SortColumn[], i: number, partition: number): SortPoint {
  return { cls: cols.map((c) => c.cls[i]!), values: cols.map((c) => (c.cls[i] === NORMAL ? c.value(i) : 0)), partition, row: i };
}

/** Order of two points; a null boundary stands above every row (the end of the data). */
function comparePoints(a: SortPoint | null, b: SortPoint | null, spec: SortSpec, strings: readonly boolean[]): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const d = compareKeysOf(a, b, spec, strings);
  if (d !== 0 || spec.spreadTies === false) return d;
  return a.partition - b.partition || a.row - b.row;
}

function compareKeysOf(a: SortPoint, b: SortPoint, spec: SortSpec, strings: readonly boolean[]): number {
  for (let c = 0; c < a.cls.length; c++) {
    const ca = a.cls[c]!;
    const cb = b.cls[c]!;
    if (ca !== cb) return classOrder(ca, cb, spec.ascending[c]!, spec.nullsFirst);
    if (ca !== NORMAL) continue;
    const d = compareValues(a.values[c]!, b.values[c]!, strings[c]!);
    if (d !== 0) return spec.ascending[c] ? d : -d;
  }
  return 0;
}

/** Whether rows are already in the spec's order (equal keys in any order). */
function isSorted(cols: readonly SortColumn[], n: number, spec: SortSpec): boolean {
  for (let i = 1; i < n; i++) if (compareRows(cols, i - 1, i, spec) > 0) return false;
  return true;
}

function compareRows(cols: readonly SortColumn[], a: number, b: number, spec: SortSpec): number {
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c]!;
    const ca = col.cls[a]!;
    const cb = col.cls[b]!;
    if (ca !== cb) return classOrder(ca, cb, spec.ascending[c]!, spec.nullsFirst);
    if (ca !== NORMAL) continue;
    const d = col.compareRows(a, b);
    if (d !== 0) return spec.ascending[c] ? d : -d;
  }
  return 0;
}

/**
 * Evenly spaced rows of a partition (deterministic; on sorted input they trace its range exactly), and
 * whether the partition is sorted already (checked row by row: never assumed).
 */
export function sortSample(batch: RecordBatch, spec: SortSpec, partition: number, size: number): PartitionSample {
  const n = batch.numRows;
  const cols = columnsOf(batch, spec);
  const points: SortPoint[] = [];
  const k = Math.min(n, size);
  for (let j = 0; j < k; j++) points.push(pointAt(cols, Math.floor(((j + 0.5) * n) / k), partition));
  const sorted = isSorted(cols, n, spec);
  return { rows: n, points, sorted, first: n > 0 ? pointAt(cols, 0, partition) : null, last: n > 0 ? pointAt(cols, n - 1, partition) : null };
}

/**
 * With `shuffle: 'disk'`: the sample, and the partition itself written to disk, so no partition stays in
 * memory while the boundaries wait for every sample (the split reads it back).
 */
export function sortSampleSpill(batch: RecordBatch, spec: SortSpec, partition: number, size: number, spill: SpillTarget): [PartitionSample, RecordBatch | SpilledPiece] {
  return [sortSample(batch, spec, partition, size), spillPieces([batch], spill)[0]!];
}

/**
 * The sorted fast path: when every partition is in order and each one's rows come before the next one's
 * (strictly, when ties must not spread), partition i's rows stay in output i. Boundary i is the first row
 * of the next non-empty partition after i (none: the end of the data). Null when the data is not so.
 */
function boundariesOfSorted(samples: readonly PartitionSample[], spec: SortSpec, strings: readonly boolean[], nout: number): Array<SortPoint | null> | null {
  if (samples.length !== nout || !samples.every((s) => s.sorted)) return null;
  let prev: SortPoint | null = null;
  for (const s of samples) {
    if (s.first === null) continue;
    if (prev !== null) {
      const d = compareKeysOf(prev, s.first, spec, strings);
      if (d > 0 || (d === 0 && spec.spreadTies === false)) return null;
    }
    prev = s.last;
  }
  return divisionBoundaries(samples);
}

/** Boundary i: the first row of the next non-empty partition after partition i (none: the end of the data). */
export function divisionBoundaries(samples: readonly PartitionSample[]): Array<SortPoint | null> {
  const out: Array<SortPoint | null> = [];
  for (let j = 1; j < samples.length; j++) {
    const next = samples.slice(j).find((s) => s.first !== null);
    out.push(next ? next.first : null);
  }
  return out;
}

/**
 * nout - 1 boundaries from every partition's sample, weighting each sampled row by the rows it stands for,
 * so each output gets about total / nout rows.
 */
export function sortBoundaries(samples: readonly PartitionSample[], spec: SortSpec, strings: readonly boolean[], nout: number): Array<SortPoint | null> {
  const fast = boundariesOfSorted(samples, spec, strings, nout);
  if (fast) return fast;
  const weighted: Array<{ p: SortPoint; w: number }> = [];
  let total = 0;
  for (const s of samples) {
    if (s.points.length === 0) continue;
    const w = s.rows / s.points.length;
    for (const p of s.points) weighted.push({ p, w });
    total += s.rows;
  }
  weighted.sort((a, b) => comparePoints(a.p, b.p, spec, strings));
  const out: Array<SortPoint | null> = [];
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
export function sortSplit(input: RecordBatch | SpilledPiece, spec: SortSpec, strings: readonly boolean[], boundaries: ReadonlyArray<SortPoint | null>, partition: number, nout: number, spill: SpillTarget | null = null): Array<RecordBatch | SpilledPiece> {
  const batch = loadPiece(input);
  const cols = columnsOf(batch, spec);
  const n = batch.numRows;
  const bucket = new Int32Array(n);
  // Row i against a boundary, without building a point per row: keys, then (partition, row) when ties spread.
  const boundaryVsRow = (b: SortPoint | null, i: number): number => {
    if (b === null) return 1;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const cb = b.cls[c]!;
      const ci = col.cls[i]!;
      if (cb !== ci) return classOrder(cb, ci, spec.ascending[c]!, spec.nullsFirst);
      if (cb !== NORMAL) continue;
      const d = compareValues(b.values[c]!, col.value(i), strings[c]!);
      if (d !== 0) return spec.ascending[c] ? d : -d;
    }
    if (spec.spreadTies === false) return 0;
    return b.partition - partition || b.row - i;
  };
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (boundaryVsRow(boundaries[mid]!, i) <= 0) lo = mid + 1;
      else hi = mid;
    }
    bucket[i] = lo;
  }
  return spillPieces(splitByBucket(batch, bucket, nout), spill);
}
