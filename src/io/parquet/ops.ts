// Registered Parquet ops. 'io.parquet.read' re-opens the file by path inside whatever thread runs it,
// reads only the byte ranges of the requested columns and row groups (extract.ts), decodes them with
// that thread's parquet-wasm instance, and returns one RecordBatch over shared memory. 'io.parquet.write' writes one partition (or its hive folders).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Data, type RecordBatch, Message, Schema, Table, tableToIPC } from 'apache-arrow';
import type { Table as WasmTable } from 'parquet-wasm';
import { parquetWasm } from './wasm.ts';
import { FfiLayoutUnsupported, batchesFromWasm, viewBatchesInWasm } from './ffi.ts';
import type { ColExpr } from '../../expr.ts';
import { reduceChunk } from '../../kernels/reduce-ops.ts';
import type { Needs, Summary } from '../../kernels/summary.ts';
import { type OpenedFooter, extract, openFooter } from './extract.ts';
import { planDirect, reduceDirect } from './direct-reduce.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { normalizeBatch } from '../../kernels/ingest-types.ts';
import { project } from '../../kernels/frame-ops.ts';
import { kernelStats } from '../../kernels/stats.ts';
import { takeBatch } from '../../kernels/take.ts';
import { registerOp } from '../../scheduler/registry.ts';
import { batchOf, batchesFromIpc, oneBatch } from '../shared-ipc.ts';
import { ParquetFileError } from './errors.ts';
import { checkPin, encodeHiveValue } from '../files.ts';
import { writeFileDurably } from '../manifest.ts';
import { mkdirBelow } from '../output-target.ts';
import type { WrittenFile } from '../write-partitions.ts';
import { HIVE_SCHEMA_KEY, constantColumn, encodeHiveSchema, formatHiveValue } from './hive.ts';
import { filterRows } from './row-filter.ts';
import { PARQUET_READ_OP, type ParquetReadPlan } from './source.ts';

export { PARQUET_READ_OP };
export const PARQUET_WRITE_OP = 'io.parquet.write';

/**
 * Counters for tests and benchmarks (per thread): row groups and partitions read by this thread, and of
 * those the partitions reduced in place (read > reduce fused, columns never copied out of WebAssembly memory)
 * and those reduced straight from page bytes without parquet-wasm (direct-reduce.ts).
 */
export const parquetStats = { rowGroupsRead: 0, partitionsRead: 0, reducedInPlace: 0, reducedDirect: 0 };
export function resetParquetStats(): void {
  parquetStats.reducedDirect = 0;
  parquetStats.rowGroupsRead = 0;
  parquetStats.partitionsRead = 0;
  parquetStats.reducedInPlace = 0;
}

// Decoded footers per thread, keyed by path + size + mtime (a file changed on disk is a different key).
const MAX_FOOTERS = 64;
const footers = new Map<string, OpenedFooter>();

function footerOf(fd: number, plan: ParquetReadPlan): OpenedFooter {
  const key = `${plan.path}\u0000${plan.size}\u0000${plan.mtimeMs}`;
  let f = footers.get(key);
  if (!f) {
    const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, plan.size - 8);
    const len = tail.readUInt32LE(0);
    const meta = Buffer.alloc(len);
    fs.readSync(fd, meta, 0, len, plan.size - 8 - len);
    f = openFooter(meta);
    if (footers.size >= MAX_FOOTERS) footers.delete(footers.keys().next().value!);
    footers.set(key, f);
  }
  return f;
}

const schemas = new Map<string, Schema>();
function schemaOf(bytes: Uint8Array): Schema {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let s = schemas.get(key);
  if (!s) {
    s = Message.decode(bytes).header() as Schema;
    if (schemas.size > 256) schemas.delete(schemas.keys().next().value!);
    schemas.set(key, s);
  }
  return s;
}

/**
 * Decode and move the columns into shared memory: by the C data interface (one copy) when every column
 * has a layout it takes, else by parquet-wasm's IPC export (serialise, copy out, copy into shared memory).
 */
function decodedBatches(decode: () => WasmTable, inPlace: boolean): Decoded {
  const table = decode();
  try {
    if (inPlace) {
      const viewed = viewBatchesInWasm(table);
      if (viewed) {
        parquetStats.reducedInPlace += 1;
        return viewed;
      }
      return { ...batchesFromIpc(table.intoIPCStream()), release: () => {} };
    }
    return { ...(batchesFromWasm(table) ?? batchesFromIpc(table.intoIPCStream())), release: () => {} };
  } catch (e) {
    if (!(e instanceof FfiLayoutUnsupported)) throw e;
    return { ...batchesFromIpc(decode().intoIPCStream()), release: () => {} }; // the FFI export consumed the first table
  }
}

interface Decoded {
  readonly schema: Schema;
  readonly batches: RecordBatch[];
  /** Frees batches that view WebAssembly memory (in-place decoding); nothing otherwise. */
  readonly release: () => void;
}

/** Read one partition: the plan's row groups and columns, hive columns added, filters applied. */
export function readParquetPartition(plan: ParquetReadPlan): RecordBatch {
  return readPartition(plan, false, (batch) => batch);
}

/**
 * 'io.parquet.read' then 'reduce.chunk' in one step of a fused chain (see scheduler/execute.ts): the
 * partition is reduced while its decoded columns still sit in parquet-wasm's memory, so they are never
 * copied into shared memory; only the partial summaries leave. Reductions that gather values (quantiles,
 * correlations) read a shared copy as before.
 */
export function readAndReduce(first: unknown[], rest: unknown[]): Summary[] {
  const plan = first[0] as ParquetReadPlan;
  const [exprs, needs] = rest as [readonly ColExpr[], readonly Needs[]];
  const direct = tryReduceDirect(plan, exprs, needs);
  if (direct) return direct;
  const inPlace = needs.every((n) => !n.values && !n.sketch && !(n.co && n.co.length > 0));
  return readPartition(plan, inPlace, (batch) => reduceChunk(batch, exprs, needs));
}

/** Open the partition's file and check it is still the file the plan was made from (closed again if not). */
function openPinned(plan: ParquetReadPlan, where: string): number {
  let fd: number;
  try {
    fd = fs.openSync(plan.path, 'r');
  } catch (e) {
    throw new ParquetFileError(`cannot read ${where}: ${(e as Error).message}`);
  }
  try {
    checkPin(plan.path, plan, { label: where, reader: 'readParquet', fail: (m) => new ParquetFileError(m) }, fd);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * count/sum/mean/min/max of plain numeric columns decoded straight from page bytes (direct-reduce.ts),
 * without parquet-wasm; null when the partition does not qualify or a page needs parquet-wasm after all.
 */
function tryReduceDirect(plan: ParquetReadPlan, exprs: readonly ColExpr[], needs: readonly Needs[]): Summary[] | null {
  if (plan.filter.length > 0 || plan.read.length === 0) return null;
  const where = `Parquet file '${plan.path}' (row groups ${plan.rowGroups.join(', ')})`;
  const fd = openPinned(plan, where);
  try {
    const footer = footerOf(fd, plan);
    const columns = planDirect(plan, schemaOf(plan.schema), footer, exprs, needs);
    if (!columns) return null;
    const out = reduceDirect(fd, plan, footer, columns, exprs, needs);
    if (!out) return null;
    kernelStats.partitionReads += 1;
    parquetStats.partitionsRead += 1;
    parquetStats.rowGroupsRead += plan.rowGroups.length;
    parquetStats.reducedDirect += 1;
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read one partition and hand it to `use`. With `inPlace` its columns may be views into WebAssembly
 * memory, valid only during `use`, which must return nothing that refers to them.
 */
function readPartition<T>(plan: ParquetReadPlan, inPlace: boolean, use: (batch: RecordBatch) => T): T {
  const where = `Parquet file '${plan.path}' (row groups ${plan.rowGroups.join(', ')})`;
  const out = schemaOf(plan.schema);
  let fileBatch: RecordBatch | null = null;
  let release = (): void => {};
  const fd = openPinned(plan, where);
  try {
    if (plan.read.length > 0) {
      let decoded: Decoded;
      try {
        const mini = extract(fd, footerOf(fd, plan), plan.read, plan.rowGroups);
        const decode = () => parquetWasm().readParquet(mini, { batchSize: Math.max(1, plan.rows) });
        decoded = decodedBatches(decode, inPlace);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new ParquetFileError(`cannot read ${where}: ${msg}`);
      }
      release = decoded.release;
      const { schema, batches } = decoded;
      // Large (64-bit offset) strings become Utf8 and float16 float32, matching the schema readParquet showed
      // (kernels/ingest-types.ts). In place, a float16 column is thereby copied out (widened); the rest stay views.
      fileBatch = normalizeBatch(batches.length === 0 ? emptyBatch(schema) : oneBatch(schema, batches));
      if (fileBatch.numRows !== plan.rows) {
        throw new ParquetFileError(`${where} gave ${fileBatch.numRows} rows where its metadata promises ${plan.rows}; the file is corrupt`);
      }
    }
  } catch (e) {
    release();
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  try {
    return use(assemble(plan, out, fileBatch, where));
  } finally {
    release();
  }
}

/** The output batch: requested columns in order (hive constants included), filter applied. */
function assemble(plan: ParquetReadPlan, out: Schema, fileBatch: RecordBatch | null, where: string): RecordBatch {
  // Assemble: requested columns in order (hive constants included), then filter-only columns for the filter.
  const names = out.fields.map((f) => f.name);
  const extra = plan.read.filter((c) => !names.includes(c));
  const hive = new Map(plan.hive);
  const columns: Data[] = [];
  const fields = [...out.fields];
  const column = (name: string): Data => {
    if (hive.has(name)) return constantColumn(out.fields.find((f) => f.name === name)!.type, hive.get(name)!, plan.rows);
    const j = fileBatch!.schema.fields.findIndex((f) => f.name === name);
    if (j < 0) throw new ParquetFileError(`${where} has no column '${name}'`);
    return fileBatch!.data.children[j]! as Data;
  };
  for (const f of out.fields) columns.push(column(f.name));
  for (const name of extra) {
    const d = column(name);
    fields.push(fileBatch!.schema.fields.find((f) => f.name === name)!);
    columns.push(d);
  }
  let batch = batchOf(extra.length > 0 ? new Schema(fields) : out, columns, plan.rows);
  batch = filterRows(batch, plan.filter);
  if (extra.length > 0) batch = project(batch, names);
  if (batch.schema !== out) batch = batchOf(out, batch.data.children as Data[], batch.numRows);
  kernelStats.partitionReads += 1;
  parquetStats.partitionsRead += 1;
  parquetStats.rowGroupsRead += plan.rowGroups.length;
  return batch;
}

// ---- writing ---------------------------------------------------------------------------------------

export type ParquetCompression = 'snappy' | 'gzip' | 'brotli' | 'lz4' | 'zstd' | 'none';

// Names of parquet-wasm's Compression enum members (the enum itself would load the WASM at import).
export const COMPRESSIONS: Record<ParquetCompression, 'SNAPPY' | 'GZIP' | 'BROTLI' | 'LZ4_RAW' | 'ZSTD' | 'UNCOMPRESSED'> = {
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  brotli: 'BROTLI',
  lz4: 'LZ4_RAW',
  zstd: 'ZSTD',
  none: 'UNCOMPRESSED',
};

export interface ParquetWritePlan {
  /** Directory to write into (a private staging directory). */
  readonly dir: string;
  /** File name of this partition (inside each hive folder when partitionOn is set). */
  readonly name: string;
  readonly compression: ParquetCompression;
  readonly rowGroupSize: number;
  /** Hive partition columns, in folder order. */
  readonly partitionOn: readonly string[];
}

/** Write one partition below plan.dir (a private staging directory); returns the files written. Registered as 'io.parquet.write'. */
export function writeParquetPartition(batch: RecordBatch, plan: ParquetWritePlan): WrittenFile[] {
  if (plan.partitionOn.length === 0) return [writeFile(batch, plan.dir, plan.name, plan, null)];
  // One file per distinct combination of partition values, in first-seen order.
  const keyCols = plan.partitionOn.map((c) => batch.getChild(c)!);
  const groups = new Map<string, { values: (string | null)[]; rows: number[] }>();
  for (let i = 0; i < batch.numRows; i++) {
    const values = keyCols.map((v) => formatHiveValue(v.get(i)));
    const key = JSON.stringify(values);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { values, rows: [] }));
    g.rows.push(i);
  }
  const keep = batch.schema.fields.map((f) => f.name).filter((n) => !plan.partitionOn.includes(n));
  const hiveFields = plan.partitionOn.map((c) => batch.schema.fields.find((f) => f.name === c)!);
  const note = encodeHiveSchema(hiveFields);
  const written: WrittenFile[] = [];
  for (const g of groups.values()) {
    const folder = plan.partitionOn.map((c, k) => `${c}=${encodeHiveValue(g.values[k]!)}`).join('/');
    const part = project(takeBatch(batch, Int32Array.from(g.rows)), keep);
    written.push(writeFile(part, plan.dir, `${folder}/${plan.name}`, plan, note));
  }
  return written;
}

function writeFile(batch: RecordBatch, root: string, rel: string, plan: ParquetWritePlan, hiveNote: string | null): WrittenFile {
  const file = path.join(root, rel);
  const wasm = parquetWasm();
  let props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression[COMPRESSIONS[plan.compression]]).setMaxRowGroupSize(plan.rowGroupSize);
  if (hiveNote !== null) props = props.setKeyValueMetadata(new Map([[HIVE_SCHEMA_KEY, hiveNote]]));
  let bytes: Uint8Array;
  try {
    bytes = wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream')), props.build());
  } catch (e) {
    throw new ParquetFileError(`cannot write Parquet file '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
  // The root is a private staging directory renamed into place once every part is on disk (io/output-target.ts).
  mkdirBelow(root, path.dirname(rel));
  return { file, rows: batch.numRows, bytes: writeFileDurably(file, bytes) };
}

registerOp(PARQUET_READ_OP, readParquetPartition);
registerOp(`${PARQUET_READ_OP}>reduce.chunk`, readAndReduce as (...args: unknown[]) => unknown);
registerOp(PARQUET_WRITE_OP, writeParquetPartition);
