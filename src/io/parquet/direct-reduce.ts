// A fused Parquet read > count/sum/min/max/mean straight from the column chunks' page bytes, with no
// Arrow arrays and no parquet-wasm: for flat INT32 / INT64 / FLOAT / DOUBLE columns (required or
// optional), Snappy or uncompressed, PLAIN or dictionary pages (pages.ts). Nulls move no sum, min or max,
// so only the non-null values are visited, in row order, and gathered exactly as kernels/summary.ts does
// (float sums in row order; integer sums exact in BigInt; NaN makes min/max NaN), so the partial
// summaries equal those of the decode-then-reduce path field for field.
// Whether a partition qualifies is decided from the footer before anything is read; a page this decoder
// does not take (another encoding) abandons the whole partition to the parquet-wasm path, so no result
// ever mixes the two. Malformed bytes throw ParquetFileError naming file, row group, column and offset.

import { type DataType, type Float, type Int, Precision, type Schema, Type } from 'apache-arrow';
import type { ColExpr } from '../../expr.ts';
import { type Needs, type Summary, emptySummary } from '../../kernels/summary.ts';
import { ParquetFileError } from './errors.ts';
import type { OpenedFooter } from './extract.ts';
import { PhysicalType } from './footer.ts';
import { type ChunkLayout, Codec, CorruptPage, PageUnsupported, type ValueSink, walkChunk } from './pages.ts';
import type { ParquetReadPlan } from './source.ts';
import type { TStruct, TValue } from './thrift.ts';
import { countHybrid, decodeHybrid } from './rle-hybrid.ts';
import { CorruptInput } from './snappy.ts';
import { readAt } from '../read-fully.ts';

/** How a column's values become numbers: the Arrow type the other path would produce decides it. */
type ValueKind =
  | { readonly k: 'int32'; readonly unsigned: boolean; readonly lo: number; readonly hi: number }
  | { readonly k: 'int64'; readonly unsigned: boolean }
  | { readonly k: 'float'; readonly single: boolean };

interface ColumnPlan {
  readonly name: string;
  readonly leaf: number;
  readonly kind: ValueKind;
  readonly layout: ChunkLayout;
}

const int = (v: TValue | undefined): number | undefined => (v?.t === 'int' ? Number(v.v) : undefined);
const sub = (s: TStruct | undefined, id: number): TStruct | undefined => {
  const v = s?.fields.get(id);
  return v?.t === 'struct' ? v : undefined;
};
const items = (s: TStruct | undefined, id: number): TValue[] => {
  const v = s?.fields.get(id);
  return v?.t === 'list' ? v.items : [];
};

/** The statistics asked for are ones a value scan gathers here: count, sum/mean, min/max. */
function simpleNeeds(n: Needs): boolean {
  return !n.moments && !n.prod && !n.anyAll && !n.values && !n.sketch && !(n.co && n.co.length > 0);
}

function kindOf(type: DataType, physical: number): ValueKind | null {
  if (type.typeId === Type.Int) {
    const { bitWidth, isSigned } = type as Int;
    if (bitWidth === 64) return physical === PhysicalType.INT64 ? { k: 'int64', unsigned: !isSigned } : null;
    if (physical !== PhysicalType.INT32) return null;
    // narrower types arrive as INT32 holding the value; one outside the type's range is a corrupt file
    const lo = isSigned ? -(2 ** (bitWidth - 1)) : 0;
    const hi = isSigned ? 2 ** (bitWidth - 1) - 1 : 2 ** bitWidth - 1;
    return { k: 'int32', unsigned: !isSigned && bitWidth === 32, lo, hi };
  }
  if (type.typeId === Type.Float) {
    const p = (type as Float).precision;
    if (p === Precision.DOUBLE && physical === PhysicalType.DOUBLE) return { k: 'float', single: false };
    if (p === Precision.SINGLE && physical === PhysicalType.FLOAT) return { k: 'float', single: true };
  }
  return null;
}

/**
 * The columns to decode, or null when this partition is not one the direct path takes: a row filter,
 * an expression other than a plain file column, a statistic beyond count/sum/mean/min/max, a nested,
 * repeated or non-numeric column, another codec, or chunks stored in other files.
 */
export function planDirect(plan: ParquetReadPlan, out: Schema, footer: OpenedFooter, exprs: readonly ColExpr[], needs: readonly Needs[]): ColumnPlan[] | null {
  if (plan.filter.length > 0 || !needs.every(simpleNeeds)) return null;
  const hive = new Set(plan.hive.map(([k]) => k));
  const elements = items(footer.fmd, 2) as TStruct[];
  const groups = items(footer.fmd, 4) as TStruct[];
  const columns = new Map<string, ColumnPlan>();
  for (const e of exprs) {
    if (e.t !== 'col' || hive.has(e.name)) return null;
    if (columns.has(e.name)) continue;
    const field = footer.fields.find((f) => f.name === e.name);
    const arrow = out.fields.find((f) => f.name === e.name);
    if (!field || !arrow || field.elements[1] - field.elements[0] !== 1 || field.leaves[1] - field.leaves[0] !== 1) return null;
    const el = elements[field.elements[0]];
    const physical = int(el?.fields.get(1));
    const repetition = int(el?.fields.get(3)) ?? 0;
    if (physical === undefined || repetition === 2) return null;
    const kind = kindOf(arrow.type, physical);
    if (!kind) return null;
    const leaf = field.leaves[0];
    let codec: number | undefined;
    for (const g of plan.rowGroups) {
      const cc = items(groups[g], 1)[leaf] as TStruct | undefined;
      const md = sub(cc, 3);
      if (!cc || !md || cc.fields.has(1) || int(md.fields.get(1)) !== physical) return null;
      const c = int(md.fields.get(4));
      if (c !== Codec.SNAPPY && c !== Codec.UNCOMPRESSED) return null;
      if (codec !== undefined && c !== codec) return null;
      codec = c;
    }
    const width = physical === PhysicalType.INT64 || physical === PhysicalType.DOUBLE ? 8 : 4;
    columns.set(e.name, { name: e.name, leaf, kind, layout: { width, codec: codec ?? Codec.UNCOMPRESSED, maxDef: repetition === 1 ? 1 : 0 } });
  }
  return [...columns.values()];
}

const BLOCK = 1 << 20; // values of at most 2^32 whose double sum stays exact before flushing to BigInt
/** Dictionary pages of integer columns with indices of at most this many bits are counted, not gathered. */
const HISTOGRAM_BITS = 16;

// Hot loops as small monomorphic functions of typed arrays (one per element type), with running state in
// a Float64Array: V8 keeps each optimised, where one method over a union of array types deopted per page.
// Float state: [sum, min, max, nan]; int32: [pending sum, min, max]; int64: [lo sum, hi sum, minHi, minLo, maxHi, maxLo].
const SUM = 0;
const MIN = 1;
const MAX = 2;
const NAN = 3;

function scanF64(v: Float64Array, from: number, to: number, st: Float64Array): void {
  let sum = st[SUM]!;
  let min = st[MIN]!;
  let max = st[MAX]!;
  let nan = false;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x !== x) nan = true;
  }
  st[SUM] = sum;
  st[MIN] = min;
  st[MAX] = max;
  if (nan) st[NAN] = 1;
}

function scanF32(v: Float32Array, from: number, to: number, st: Float64Array): void {
  let sum = st[SUM]!;
  let min = st[MIN]!;
  let max = st[MAX]!;
  let nan = false;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x !== x) nan = true;
  }
  st[SUM] = sum;
  st[MIN] = min;
  st[MAX] = max;
  if (nan) st[NAN] = 1;
}

function scanI32(v: Int32Array, from: number, to: number, st: Float64Array): void {
  let sum = st[SUM]!;
  let min = st[MIN]!;
  let max = st[MAX]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  st[SUM] = sum;
  st[MIN] = min;
  st[MAX] = max;
}

function scanU32(v: Uint32Array, from: number, to: number, st: Float64Array): void {
  let sum = st[SUM]!;
  let min = st[MIN]!;
  let max = st[MAX]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  st[SUM] = sum;
  st[MIN] = min;
  st[MAX] = max;
}

/** Integer values given as doubles (gathered from a dictionary). */
function scanIntF64(v: Float64Array, from: number, to: number, st: Float64Array): void {
  let sum = st[SUM]!;
  let min = st[MIN]!;
  let max = st[MAX]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  st[SUM] = sum;
  st[MIN] = min;
  st[MAX] = max;
}

/** (lo, hi) little-endian word pairs; min/max compared as (hi, lo) with lo unsigned. */
function scanI64(v: Int32Array, from: number, to: number, st: Float64Array, unsigned: boolean): void {
  let lo = st[0]!;
  let hi = st[1]!;
  let minHi = st[2]!;
  let minLo = st[3]!;
  let maxHi = st[4]!;
  let maxLo = st[5]!;
  for (let i = from; i < to; i++) {
    const l = v[2 * i]! >>> 0;
    const h = unsigned ? v[2 * i + 1]! >>> 0 : v[2 * i + 1]!;
    lo += l;
    hi += h;
    if (h < minHi || (h === minHi && l < minLo)) {
      minHi = h;
      minLo = l;
    }
    if (h > maxHi || (h === maxHi && l > maxLo)) {
      maxHi = h;
      maxLo = l;
    }
  }
  st[0] = lo;
  st[1] = hi;
  st[2] = minHi;
  st[3] = minLo;
  st[4] = maxHi;
  st[5] = maxLo;
}

function gatherF64(dict: Float64Array, idx: Int32Array, count: number, out: Float64Array): void {
  for (let i = 0; i < count; i++) out[i] = dict[idx[i]!]!;
}

function gatherPairs(dict: Int32Array, idx: Int32Array, count: number, out: Int32Array): void {
  for (let i = 0; i < count; i++) {
    const j = idx[i]! << 1;
    out[2 * i] = dict[j]!;
    out[2 * i + 1] = dict[j + 1]!;
  }
}

type Dense = Float64Array | Float32Array | Int32Array | Uint32Array;

/** Count, sum, min and max of one column's non-null values, gathered as summary.ts does. */
class Accumulator implements ValueSink {
  n = 0;
  /** Exact integer sum: the pending double sums are flushed into it every BLOCK values. */
  isum = 0n;
  private pendingCount = 0;
  private readonly st: Float64Array;
  private dict: Float64Array | Int32Array = new Float64Array(0);
  private dense = new ArrayBuffer(8192);
  private idx = new Int32Array(1024);
  /** Occurrences of each dictionary index in this chunk's pages (int32 columns), or null. */
  private counts: Float64Array | null = null;
  /** The dictionary size those counts refer to; -1 when nothing is counted. */
  private countedSize = -1;

  constructor(readonly kind: ValueKind) {
    this.st = kind.k === 'int64' ? Float64Array.of(0, 0, Infinity, 0, -Infinity, 0) : Float64Array.of(0, Infinity, -Infinity, 0);
  }

  /** Scratch space of at least `bytes`, 8-aligned. */
  private space(bytes: number): ArrayBuffer {
    if (this.dense.byteLength < bytes) this.dense = new ArrayBuffer(Math.max(bytes, this.dense.byteLength * 2));
    return this.dense;
  }

  /** PLAIN values as a typed array: a view when aligned, else copied into scratch. */
  private typed(data: Uint8Array, at: number, count: number): Dense {
    const k = this.kind;
    const width = k.k === 'int64' || (k.k === 'float' && !k.single) ? 8 : 4;
    const bytes = count * width;
    let buf: ArrayBufferLike = data.buffer;
    let off = data.byteOffset + at;
    if (off % 8 !== 0) {
      const s = this.space(bytes);
      new Uint8Array(s, 0, bytes).set(data.subarray(at, at + bytes));
      buf = s;
      off = 0;
    }
    if (k.k === 'float') return k.single ? new Float32Array(buf, off, count) : new Float64Array(buf, off, count);
    if (k.k === 'int64') return new Int32Array(buf, off, count * 2);
    return k.unsigned ? new Uint32Array(buf, off, count) : new Int32Array(buf, off, count);
  }

  dictionary(data: Uint8Array, at: number, count: number): void {
    this.endChunk();
    const v = this.typed(data, at, count);
    // copied (scratch is reused): int64 as (lo, hi) word pairs, every other kind as doubles
    this.dict = this.kind.k === 'int64' ? (v as Int32Array).slice() : Float64Array.from(v);
  }

  plain(data: Uint8Array, at: number, count: number): void {
    this.add(this.typed(data, at, count), count, false);
  }

  indices(data: Uint8Array, start: number, end: number, bitWidth: number, count: number, dictSize: number): void {
    if (this.kind.k === 'int32' && bitWidth <= HISTOGRAM_BITS) {
      // integers: order does not matter, so count each index (folded into sum/min/max in endChunk)
      const size = 2 ** bitWidth;
      if (this.counts === null || this.counts.length < size) {
        const grown = new Float64Array(Math.max(size, this.counts?.length ?? 0));
        if (this.counts) grown.set(this.counts);
        this.counts = grown;
      }
      countHybrid(data, start, end, bitWidth, count, this.counts);
      this.countedSize = dictSize;
      this.n += count;
      return;
    }
    const idx = this.indexScratch(count);
    decodeHybrid(data, start, end, bitWidth, count, idx, dictSize);
    if (this.kind.k === 'int64') {
      const out = new Int32Array(this.space(count * 8), 0, count * 2);
      gatherPairs(this.dict as Int32Array, idx, count, out);
      this.add(out, count, false);
    } else {
      const out = new Float64Array(this.space(count * 8), 0, count);
      gatherF64(this.dict as Float64Array, idx, count, out);
      this.add(out, count, true);
    }
  }

  private indexScratch(n: number): Int32Array {
    if (this.idx.length < n) this.idx = new Int32Array(Math.max(n, this.idx.length * 2));
    return this.idx;
  }

  /**
   * Fold the index counts of the chunk just walked into the exact sum and min/max (before the next
   * chunk's dictionary replaces this one). Throws CorruptInput if an index fell outside the dictionary.
   */
  endChunk(): void {
    const counts = this.counts;
    if (counts === null || this.countedSize < 0) return;
    const dict = this.dict as Float64Array;
    const st = this.st;
    for (let j = 0; j < counts.length; j++) {
      const c = counts[j]!;
      if (c === 0) continue;
      if (j >= this.countedSize) throw new CorruptInput(`dictionary index ${j} out of range (the dictionary has ${this.countedSize} values)`, 0);
      const x = dict[j]!;
      this.isum += BigInt(c) * BigInt(x);
      if (x < st[MIN]!) st[MIN] = x;
      if (x > st[MAX]!) st[MAX] = x;
    }
    counts.fill(0);
    this.countedSize = -1;
  }

  private add(v: Dense, count: number, gathered: boolean): void {
    const k = this.kind;
    const st = this.st;
    this.n += count;
    if (k.k === 'float') {
      if (v instanceof Float32Array) scanF32(v, 0, count, st);
      else scanF64(v as Float64Array, 0, count, st);
      return;
    }
    // integers: in blocks, so that a pending double sum never loses exactness
    for (let start = 0; start < count; ) {
      const end = Math.min(count, start + (BLOCK - this.pendingCount));
      if (k.k === 'int64') scanI64(v as Int32Array, start, end, st, k.unsigned);
      else if (gathered) scanIntF64(v as Float64Array, start, end, st);
      else if (k.unsigned) scanU32(v as Uint32Array, start, end, st);
      else scanI32(v as Int32Array, start, end, st);
      this.pendingCount += end - start;
      if (this.pendingCount === BLOCK) this.flush();
      start = end;
    }
  }

  flush(): void {
    const st = this.st;
    if (this.kind.k === 'int64') {
      this.isum += BigInt(st[1]!) * 0x100000000n + BigInt(st[0]!);
      st[0] = 0;
      st[1] = 0;
    } else if (this.kind.k === 'int32') {
      this.isum += BigInt(st[SUM]!);
      st[SUM] = 0;
    }
    this.pendingCount = 0;
  }

  get min(): number {
    return this.st[MIN]!;
  }

  get max(): number {
    return this.st[MAX]!;
  }

  /** The partial summary.ts would give for these values with `needs`, field for field. */
  summary(needs: Needs): Summary {
    const k = this.kind;
    const st = this.st;
    const count = this.n;
    if (k.k === 'float') {
      const nan = st[NAN] === 1;
      const s = emptySummary(false);
      s.n = count;
      if (needs.sum) s.sum = st[SUM]!;
      if (count > 0 && needs.minmax) {
        s.min = nan ? NaN : st[MIN]!;
        s.max = nan ? NaN : st[MAX]!;
        s.nan = nan;
      }
      return s;
    }
    if (k.k === 'int32') {
      const s = emptySummary(true);
      s.n = count;
      if (needs.sum) s.isum = this.isum;
      if (count > 0 && needs.minmax) {
        s.min = st[MIN]!;
        s.max = st[MAX]!;
      }
      return s;
    }
    const big = (h: number, l: number) => BigInt(h) * 0x100000000n + BigInt(l);
    const s = emptySummary(true);
    const minmax = needs.minmax && count > 0;
    return { ...s, n: count, isum: needs.sum ? this.isum : 0n, min: minmax ? big(st[2]!, st[3]!) : null, max: minmax ? big(st[4]!, st[5]!) : null, mean: 0, m2: 0, prod: 1 };
  }
}

/** Byte range [start, end) of a column chunk in the file (the dictionary page first when there is one). */
function chunkRange(md: TStruct): [number, number] {
  const data = int(md.fields.get(9)) ?? 0;
  const dict = int(md.fields.get(11));
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return [start, start + (int(md.fields.get(7)) ?? 0)];
}

/**
 * The partial summaries of `exprs` over the plan's row groups, decoded from page bytes; null when a page
 * turns out to use an encoding this decoder does not take (nothing of this partition is then used).
 */
export function reduceDirect(fd: number, plan: ParquetReadPlan, footer: OpenedFooter, columns: readonly ColumnPlan[], exprs: readonly ColExpr[], needs: readonly Needs[]): Summary[] | null {
  const groups = items(footer.fmd, 4) as TStruct[];
  const accs = new Map<string, Accumulator>();
  for (const c of columns) {
    const acc = new Accumulator(c.kind);
    let rows = 0;
    for (const g of plan.rowGroups) {
      const rg = groups[g]!;
      const groupRows = int(rg.fields.get(3)) ?? 0;
      const md = sub(items(rg, 1)[c.leaf] as TStruct, 3)!;
      const [start, end] = chunkRange(md);
      const where = `Parquet file '${plan.path}', row group ${g}, column '${c.name}'`;
      const values = int(md.fields.get(5));
      if (values !== groupRows) throw new ParquetFileError(`${where}: the column chunk holds ${values} values for ${groupRows} rows; the file is corrupt`);
      const chunk = readAt(fd, start, end - start);
      if (chunk.length < end - start) throw new ParquetFileError(`${where}: the file ends at byte ${start + chunk.length}, inside the column chunk (bytes ${start}-${end})`);
      try {
        walkChunk(chunk, c.layout, groupRows, acc);
        acc.endChunk();
      } catch (e) {
        if (e instanceof PageUnsupported) return null;
        if (e instanceof CorruptInput) throw new ParquetFileError(`${where}: corrupt column chunk at byte ${start}: ${e.message}`);
        if (e instanceof CorruptPage) throw new ParquetFileError(`${where}: corrupt page at byte ${start + e.offset}: ${e.message}`);
        throw e;
      }
      rows += groupRows;
    }
    acc.flush();
    if (rows !== plan.rows) throw new ParquetFileError(`Parquet file '${plan.path}' (row groups ${plan.rowGroups.join(', ')}) holds ${rows} rows where its metadata promises ${plan.rows}; the file is corrupt`);
    const k = c.kind;
    if (k.k === 'int32' && acc.n > 0 && (acc.min < k.lo || acc.max > k.hi)) {
      throw new ParquetFileError(`Parquet file '${plan.path}', column '${c.name}': value ${acc.min < k.lo ? acc.min : acc.max} is outside the range of its type (${k.lo} to ${k.hi}); the file is corrupt`);
    }
    accs.set(c.name, acc);
  }
  return exprs.map((e, i) => accs.get((e as { name: string }).name)!.summary(needs[i]!));
}
