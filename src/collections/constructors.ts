// Building DataFrames from data already in memory. Everything is copied once into SharedArrayBuffer-
// backed Arrow columns, split into contiguous row ranges, so later work never copies partitions again.

import {
  type Data,
  type RecordBatch,
  Bool,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Schema,
  Table,
  Uint8,
  Uint16,
  Uint32,
  Uint64,

  makeData,
  Null,
} from 'apache-arrow';
import { makeBatch, primitiveData, sharedArray, utf8Data } from '../kernels/arrow-build.ts';
import { concatBatches } from '../kernels/concat.ts';
import { sliceBatch } from '../kernels/take.ts';
import { DataFrame } from './dataframe.ts';
import { MemorySource } from './memory-source.ts';
import { entriesOf } from '../kernels/name-records.ts';
import { normalizeBatch, normalizeSchema } from '../kernels/ingest-types.ts';
import { relabelBatch, sameUpToIds } from '../kernels/dictionary-ids.ts';

export interface PartitionOptions {
  /** How many partitions to split the rows into (default 1). */
  npartitions?: number;
}

function checkNpartitions(n: unknown): number {
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || (n as number) < 1) throw new TypeError(`npartitions must be a positive integer; got ${String(n)}`);
  return n as number;
}

/** Row boundaries for splitting `rows` into `n` near-equal ranges. */
function boundaries(rows: number, n: number): number[] {
  const out = [0];
  for (let i = 1; i <= n; i++) out.push(Math.round((rows * i) / n));
  return out;
}

/** Split one batch into n contiguous partitions (copies into fresh SAB buffers). */
function split(batch: RecordBatch, n: number): RecordBatch[] {
  const b = boundaries(batch.numRows, n);
  const out: RecordBatch[] = [];
  for (let i = 0; i < n; i++) out.push(sliceBatch(batch, b[i]!, b[i + 1]!));
  return out;
}

export function fromArrow(table: Table, options: PartitionOptions = {}): DataFrame {
  if (!(table instanceof Table)) throw new TypeError('fromArrow expects an apache-arrow Table');
  const n = checkNpartitions(options.npartitions);
  // Types no kernel speaks (float16, large strings) are rewritten on the way in (kernels/ingest-types.ts).
  // Normalised before concatenating: concat.ts writes Int32 dictionary codes.
  const whole = concatBatches(normalizeSchema(table.schema), table.batches.map(normalizeBatch));
  return DataFrame.fromSource(new MemorySource(normalizeSchema(table.schema), split(whole, n), 'from-arrow'));
}

export function fromRecordBatches(batches: readonly RecordBatch[], schema?: Schema): DataFrame {
  const s = schema ?? batches[0]?.schema;
  if (!s) throw new TypeError('fromRecordBatches needs at least one batch or an explicit schema');
  const want = normalizeSchema(s);
  const parts = batches.map((b, i) => {
    const names = b.schema.fields.map((f) => f.name).join(',');
    const wantNames = s.fields.map((f) => f.name).join(',');
    if (names !== wantNames) throw new Error(`batch ${i} has columns [${names}], expected [${wantNames}] like the first batch`);
    const batch = normalizeBatch(b);
    // Types must match once in; dictionaries may differ by id and index width (two files, two vectorFromArray calls).
    batch.schema.fields.forEach((f, j) => {
      const expected = want.fields[j]!.type;
      if (!sameUpToIds(f.type, expected)) throw new TypeError(`batch ${i} column '${f.name}' is ${String(f.type)}, expected ${String(expected)} like the first batch`);
    });
    return relabelBatch(batch, want);
  });
  return DataFrame.fromSource(new MemorySource(want, parts, 'from-record-batches'));
}

export type ColumnInput = ArrayLike<unknown> | readonly unknown[];

/**
 * Columns given as JS arrays or typed arrays. Typed arrays keep their type; arrays of numbers become
 * int32 when every value is an integer in range, else float64; null/undefined/NaN-free handling:
 * null and undefined are missing values, NaN stays a float value.
 */
export function fromColumns(columns: Record<string, ColumnInput> | ReadonlyMap<string, ColumnInput>, options: PartitionOptions = {}): DataFrame {
  const n = checkNpartitions(options.npartitions);
  // A Map takes any name, including '__proto__' (which an object literal turns into its prototype).
  const entries = entriesOf(columns);
  const names = entries.map(([k]) => k);
  const lengths = entries.map(([, c]) => c.length);
  if (lengths.some((l) => l !== lengths[0])) {
    throw new Error(`all columns must have the same length; got ${names.map((k, i) => `${k}: ${lengths[i]}`).join(', ')}`);
  }
  const datas = entries.map(([k, c]) => columnData(k, c));
  const schema = new Schema(names.map((k, i) => new Field(k, datas[i]!.type, true)));
  const whole = makeBatch(schema, datas);
  return DataFrame.fromSource(new MemorySource(schema, split(whole, n), 'from-columns'));
}

const TYPED: Array<[new (...a: any[]) => ArrayBufferView, () => any]> = [
  [Float64Array, () => new Float64()],
  [Float32Array, () => new Float32()],
  [Int32Array, () => new Int32()],
  [Int16Array, () => new Int16()],
  [Int8Array, () => new Int8()],
  [Uint32Array, () => new Uint32()],
  [Uint16Array, () => new Uint16()],
  [Uint8Array, () => new Uint8()],
  [BigInt64Array, () => new Int64()],
  [BigUint64Array, () => new Uint64()],
];

function columnData(name: string, values: ColumnInput): Data {
  const n = values.length;
  for (const [Ctor, type] of TYPED) {
    if (values instanceof Ctor) {
      const copy = sharedArray(Ctor as any, n) as any;
      copy.set(values);
      return primitiveData(type(), n, copy, null);
    }
  }
  const arr = values as readonly unknown[];
  const valid = sharedArray(Uint8Array, (n + 7) >> 3);
  let kind = null as 'number' | 'string' | 'boolean' | 'bigint' | null;
  let allInt32 = true;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (v === null || v === undefined) continue;
    valid[i >> 3]! |= 1 << (i & 7);
    const t = typeof v;
    if (t !== 'number' && t !== 'string' && t !== 'boolean' && t !== 'bigint') {
      throw new TypeError(`column '${name}' row ${i}: unsupported value ${String(v)} (${t}); use numbers, strings, booleans, bigints or null`);
    }
    if (kind === null) kind = t as 'number' | 'string' | 'boolean' | 'bigint';
    else if (kind !== t) throw new TypeError(`column '${name}' mixes ${kind} and ${t} values (row ${i}: ${String(v)})`);
    if (t === 'number' && !((v as number) === ((v as number) | 0) && !Object.is(v, -0))) allInt32 = false;
  }
  switch (kind) {
    case null:
      return makeData({ type: new Null(), length: n, nullCount: n } as any);
    case 'number': {
      if (allInt32) {
        const a = sharedArray(Int32Array, n);
        for (let i = 0; i < n; i++) a[i] = (arr[i] as number | null) ?? 0;
        return primitiveData(new Int32(), n, a, valid);
      }
      const a = sharedArray(Float64Array, n);
      for (let i = 0; i < n; i++) a[i] = (arr[i] as number | null) ?? 0;
      return primitiveData(new Float64(), n, a, valid);
    }
    case 'bigint': {
      const a = sharedArray(BigInt64Array, n);
      for (let i = 0; i < n; i++) a[i] = (arr[i] as bigint | null) ?? 0n;
      return primitiveData(new Int64(), n, a, valid);
    }
    case 'boolean': {
      const bits = sharedArray(Uint8Array, (n + 7) >> 3);
      for (let i = 0; i < n; i++) if (arr[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return primitiveData(new Bool(), n, bits, valid);
    }
    case 'string': {
      const enc = new TextEncoder();
      const parts = arr.map((v) => (typeof v === 'string' ? enc.encode(v) : new Uint8Array(0)));
      const offs = sharedArray(Int32Array, n + 1);
      let size = 0;
      parts.forEach((p, i) => (offs[i + 1] = size += p.length));
      const bytes = sharedArray(Uint8Array, size);
      parts.forEach((p, i) => bytes.set(p, offs[i]!));
      return utf8Data(n, offs, bytes, valid);
    }
  }
}

