// Reading a Parquet file's footer synchronously (a few KB read with fs.readSync from the end of the file):
// row groups, their sizes and per-column min/max/null-count statistics, and the Arrow schema exactly as
// parquet-wasm will produce it. This is what lets readParquet() return a DataFrame without awaiting.

import * as fs from 'node:fs';
import { type Schema, tableFromIPC } from 'apache-arrow';
import { parquetWasm } from './wasm.ts';
import { normalizeSchema } from '../../kernels/ingest-types.ts';
import { ParquetFileError } from './errors.ts';
import { type ThriftStruct, type ThriftValue, ThriftError, readStruct } from './thrift.ts';
import { readAt } from '../read-fully.ts';

const MAGIC = 0x31524150; // 'PAR1' little-endian

/** Physical types (parquet.thrift `Type`). */
export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;

/**
 * How statistics of a top-level column are compared: as numbers, bigints, UTF-8 bytes, booleans (0/1),
 * or milliseconds since the epoch (dates and timestamps). null = not comparable (decimal, INT96, nested...).
 */
export type StatDomain = 'number' | 'bigint' | 'bytes' | 'bool' | 'ms' | null;

export interface LeafColumn {
  /** Dotted path for nested leaves; the column name for top-level ones. */
  readonly path: readonly string[];
  readonly physical: number;
  readonly domain: StatDomain;
  /** Multiply a decoded INT32/INT64 statistic by this to get ms (dates: 86400000; timestamps: by unit). */
  readonly msPerUnit: number;
  readonly unsigned: boolean;
}

export interface ChunkStats {
  /** Decoded lower / upper bounds in the column's domain (undefined when absent or untrustworthy). */
  readonly min: number | bigint | Uint8Array | undefined;
  readonly max: number | bigint | Uint8Array | undefined;
  readonly nullCount: number | undefined;
}

export interface RowGroupInfo {
  readonly numRows: number;
  readonly totalByteSize: number;
  /** Statistics of each top-level primitive column, by name. */
  readonly stats: ReadonlyMap<string, ChunkStats>;
}

export interface ParquetFooter {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly numRows: number;
  readonly rowGroups: readonly RowGroupInfo[];
  /** The Arrow schema parquet-wasm reads the file as. */
  readonly schema: Schema;
  readonly keyValue: ReadonlyMap<string, string>;
  readonly leaves: readonly LeafColumn[];
}

const dec = new TextDecoder();
const str = (v: ThriftValue | undefined): string | undefined => (v instanceof Uint8Array ? dec.decode(v) : undefined);
const num = (v: ThriftValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const struct = (v: ThriftValue | undefined): ThriftStruct | undefined => (v instanceof Map ? (v as ThriftStruct) : undefined);
const list = (v: ThriftValue | undefined): ThriftValue[] => (Array.isArray(v) ? v : []);

/** Read and decode the footer of `path`. Throws ParquetFileError naming the file when it is not valid Parquet. */
export function readFooter(path: string): ParquetFooter {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ParquetFileError(`Parquet file not found: '${path}' (relative to ${process.cwd()})`);
    throw new ParquetFileError(`cannot open Parquet file '${path}': ${(e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ParquetFileError(`'${path}' is not a file`);
    const size = st.size;
    const head = readAt(fd, 0, Math.min(4, size));
    const startsOk = head.length === 4 && new DataView(head.buffer, head.byteOffset).getUint32(0, true) === MAGIC;
    if (size < 12) {
      throw new ParquetFileError(startsOk ? `Parquet file '${path}' is truncated: only ${size} bytes` : `'${path}' is not a Parquet file (${size} bytes, no 'PAR1' magic)`);
    }
    const tail = readAt(fd, size - 8, 8);
    const tv = new DataView(tail.buffer, tail.byteOffset, 8);
    const endsOk = tv.getUint32(4, true) === MAGIC;
    if (!startsOk && !endsOk) throw new ParquetFileError(`'${path}' is not a Parquet file (no 'PAR1' magic at its start or end)`);
    if (!endsOk) throw new ParquetFileError(`Parquet file '${path}' is truncated or incomplete: it does not end with the 'PAR1' footer magic`);
    if (!startsOk) throw new ParquetFileError(`'${path}' is not a Parquet file (no 'PAR1' magic at its start)`);
    const metaLen = tv.getUint32(0, true);
    const metaStart = size - 8 - metaLen;
    if (metaLen === 0 || metaStart < 4) throw new ParquetFileError(`Parquet file '${path}' is truncated or corrupt: its footer claims ${metaLen} bytes of metadata in a ${size}-byte file`);
    const meta = readAt(fd, metaStart, metaLen);
    let fmd: ThriftStruct;
    try {
      fmd = readStruct(meta);
    } catch (e) {
      if (e instanceof ThriftError) throw new ParquetFileError(`Parquet file '${path}' has corrupt metadata: ${e.message}`);
      throw e;
    }
    return interpret(path, size, st.mtimeMs, metaStart, meta, fmd);
  } finally {
    fs.closeSync(fd);
  }
}



function interpret(path: string, size: number, mtimeMs: number, metaStart: number, meta: Uint8Array, fmd: ThriftStruct): ParquetFooter {
  const corrupt = (what: string) => new ParquetFileError(`Parquet file '${path}' has corrupt metadata: ${what}`);
  const elements = list(fmd.get(2)).map((e) => struct(e)).filter((e): e is ThriftStruct => e !== undefined);
  if (elements.length === 0) throw corrupt('no schema');
  const columnOrdersKnown = list(fmd.get(7)).length > 0;
  const leaves = leavesOf(elements, corrupt);
  const keyValue = new Map<string, string>();
  for (const kv of list(fmd.get(5))) {
    const s = struct(kv);
    const k = str(s?.get(1));
    if (k !== undefined) keyValue.set(k, str(s?.get(2)) ?? '');
  }
  const rowGroups: RowGroupInfo[] = [];
  for (const [g, rgv] of list(fmd.get(4)).entries()) {
    const rg = struct(rgv);
    if (!rg) throw corrupt(`row group ${g} is not a struct`);
    const chunks = list(rg.get(1));
    if (chunks.length !== leaves.length) throw corrupt(`row group ${g} has ${chunks.length} column chunks for ${leaves.length} columns`);
    const stats = new Map<string, ChunkStats>();
    chunks.forEach((cv, c) => {
      const md = struct(struct(cv)?.get(3));
      if (!md) return; // column chunk stored elsewhere (file_path): no statistics to use
      const dataStart = num(md.get(9)) ?? 0;
      const dictStart = num(md.get(11));
      const start = dictStart !== undefined && dictStart > 0 ? Math.min(dictStart, dataStart) : dataStart;
      const end = start + (num(md.get(7)) ?? 0);
      if (end > metaStart) {
        throw new ParquetFileError(`Parquet file '${path}' is truncated or corrupt: column '${leaves[c]!.path.join('.')}' of row group ${g} ends at byte ${end}, past the data (${metaStart} bytes)`);
      }
      const leaf = leaves[c]!;
      if (leaf.path.length === 1) stats.set(leaf.path[0]!, decodeStats(leaf, struct(md.get(12)), columnOrdersKnown));
    });
    rowGroups.push({ numRows: num(rg.get(3)) ?? 0, totalByteSize: num(rg.get(2)) ?? 0, stats });
  }
  let schema: Schema;
  try {
    // parquet-wasm derives the Arrow schema from the footer alone: hand it just the footer.
    const synthetic = new Uint8Array(4 + meta.length + 8);
    synthetic.set([0x50, 0x41, 0x52, 0x31]);
    synthetic.set(meta, 4);
    const tail = new DataView(synthetic.buffer, 4 + meta.length, 8);
    tail.setUint32(0, meta.length, true);
    tail.setUint32(4, MAGIC, true);
    schema = normalizeSchema(tableFromIPC(parquetWasm().readSchema(synthetic).intoIPCStream()).schema);
  } catch (e) {
    throw new ParquetFileError(`cannot derive an Arrow schema for Parquet file '${path}': ${(e as Error).message ?? String(e)}`);
  }
  return { path, size, mtimeMs, numRows: num(fmd.get(3)) ?? 0, rowGroups, schema, keyValue, leaves };
}

/** Depth-first walk of the flattened schema tree: the leaves in column-chunk order, with their paths. */
function leavesOf(elements: ThriftStruct[], corrupt: (w: string) => Error): LeafColumn[] {
  const out: LeafColumn[] = [];
  let i = 1;
  const walk = (prefix: string[], count: number): void => {
    for (let k = 0; k < count; k++) {
      const e = elements[i++];
      if (!e) throw corrupt('schema ends early');
      const name = str(e.get(4)) ?? '';
      const children = num(e.get(5)) ?? 0;
      if (children > 0) {
        walk([...prefix, name], children);
      } else {
        out.push(leafOf([...prefix, name], e));
      }
    }
  };
  walk([], num(elements[0]!.get(5)) ?? elements.length - 1);
  return out;
}

function leafOf(path: string[], e: ThriftStruct): LeafColumn {
  const physical = num(e.get(1)) ?? -1;
  const converted = num(e.get(6));
  const logical = struct(e.get(10));
  const repeated = num(e.get(3)) === 2;
  const intType = struct(logical?.get(10));
  const unsigned = intType ? intType.get(2) === false : converted !== undefined && converted >= 11 && converted <= 14;
  const isDecimal = logical?.has(5) || converted === 5;
  const isDate = logical?.has(6) || converted === 6;
  const ts = struct(logical?.get(8));
  let msPerUnit = 1;
  let domain: StatDomain = null;
  if (repeated || isDecimal) domain = null;
  else if (isDate && physical === PhysicalType.INT32) {
    domain = 'ms';
    msPerUnit = 86_400_000;
  } else if (physical === PhysicalType.INT64 && (ts || converted === 9 || converted === 10)) {
    const unit = struct(ts?.get(2));
    domain = 'ms';
    msPerUnit = unit?.has(3) ? 1e-6 : unit?.has(2) || converted === 10 ? 1e-3 : 1;
  } else if (logical?.has(7) || converted === 7 || converted === 8) domain = null; // TIME: not compared
  else if (physical === PhysicalType.INT32 || physical === PhysicalType.FLOAT || physical === PhysicalType.DOUBLE) domain = 'number';
  else if (physical === PhysicalType.INT64) domain = 'bigint';
  else if (physical === PhysicalType.BOOLEAN) domain = 'bool';
  else if (physical === PhysicalType.BYTE_ARRAY && (logical?.has(1) || logical?.has(4) || converted === 0 || converted === 4)) domain = 'bytes';
  return { path, physical, domain, msPerUnit, unsigned };
}

/**
 * Decode a chunk's statistics into bounds that can be trusted. The newer min_value/max_value follow the
 * column's sort order; the deprecated min/max were compared as signed values, so they are kept only where
 * that order is right (signed ints, floats, booleans).
 */
function decodeStats(leaf: LeafColumn, s: ThriftStruct | undefined, columnOrdersKnown: boolean): ChunkStats {
  const nullCount = num(s?.get(3));
  if (!s || leaf.domain === null) return { min: undefined, max: undefined, nullCount };
  let lo = s.get(6);
  let hi = s.get(5);
  if (!(lo instanceof Uint8Array) || !(hi instanceof Uint8Array) || !columnOrdersKnown) {
    const legacyOk = !leaf.unsigned && leaf.domain !== 'bytes';
    lo = legacyOk ? s.get(2) : undefined;
    hi = legacyOk ? s.get(1) : undefined;
  }
  return {
    min: lo instanceof Uint8Array ? decodeValue(leaf, lo) : undefined,
    max: hi instanceof Uint8Array ? decodeValue(leaf, hi) : undefined,
    nullCount,
  };
}

function decodeValue(leaf: LeafColumn, b: Uint8Array): number | bigint | Uint8Array | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (leaf.physical) {
    case PhysicalType.BOOLEAN:
      return b.length >= 1 ? b[0]! & 1 : undefined;
    case PhysicalType.INT32: {
      if (b.length < 4) return undefined;
      const x = leaf.unsigned ? v.getUint32(0, true) : v.getInt32(0, true);
      return leaf.domain === 'ms' ? x * leaf.msPerUnit : x;
    }
    case PhysicalType.INT64: {
      if (b.length < 8) return undefined;
      const x = leaf.unsigned ? v.getBigUint64(0, true) : v.getBigInt64(0, true);
      return leaf.domain === 'ms' ? Number(x) * leaf.msPerUnit : x;
    }
    case PhysicalType.FLOAT: {
      const x = b.length >= 4 ? v.getFloat32(0, true) : NaN;
      return Number.isNaN(x) ? undefined : x;
    }
    case PhysicalType.DOUBLE: {
      const x = b.length >= 8 ? v.getFloat64(0, true) : NaN;
      return Number.isNaN(x) ? undefined : x;
    }
    case PhysicalType.BYTE_ARRAY:
      return b.slice();
    default:
      return undefined;
  }
}
