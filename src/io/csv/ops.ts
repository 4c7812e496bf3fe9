// Registered CSV ops. 'io.csv.read' turns one PartitionPlan (plain JSON) into a RecordBatch whose buffers
// live in SharedArrayBuffers; it re-derives everything from the plan, so it runs the same in any worker.

import { type Data, Field, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { dictionaryData, sharedArray, utf8Data } from '../../kernels/arrow-build.ts';
import { registerOp } from '../../scheduler/registry.ts';
import { kernelStats } from '../../kernels/stats.ts';
import { registerErrorClass } from '../../scheduler/remote-errors.ts';
import { registerBytesRead } from '../../scheduler/progress.ts';
import { CsvBoundaryConflict, CsvFileError, CsvOptionError, CsvParseError, CsvTypeConflict } from './errors.ts';
import { arrowType, utf8Bytes } from './builders.ts';
import { checkedUtf8 } from './encoding.ts';
import { FastParser, parseFast } from './fast-parser.ts';
import { WASM_MAX_BYTES, rowsInstance } from './wasm-rows.ts';
import { readRangeInto, readWhole, withPinnedFile } from './files.ts';
import { parsePapa } from './papa-parser.ts';
import type { ParsedColumns, PartitionPlan } from './plan.ts';
import { readWindows, windowTuning } from './windows.ts';
import { RowProblems } from './problems.ts';
import { CSV_WRITE_OP, writePartitionCsv } from './write-op.ts';
import { isMainThread } from 'node:worker_threads';
import { registerScratch } from '../../kernels/scratch.ts';

export const CSV_READ_OP = 'io.csv.read';
export { CSV_WRITE_OP };


// A worker thread reads into one buffer it keeps: no fresh allocation per task (page faults, and external
// memory that drives the GC). Safe because parsing is synchronous and the builders copy every value out;
// the main thread (sync scheduler) does not keep one after a compute. The fast parser reads windows of a
// partition (windows.ts) into its WebAssembly tokenizer's memory instead, and uses this buffer only where
// WebAssembly is unavailable.
let readBuffer: Uint8Array | null = null;
const KEEP_AT_MOST = 256 * 1024 * 1024;
registerScratch(() => {
  const had = readBuffer !== null;
  readBuffer = null;
  return had;
});

function partitionBuffer(length: number): Uint8Array {
  if (isMainThread || length > KEEP_AT_MOST) return Buffer.allocUnsafe(length);
  if (!readBuffer || readBuffer.length < length) {
    readBuffer = null; // let the old one go before the new one is allocated
    readBuffer = Buffer.allocUnsafeSlow(length + (length >> 3));
  }
  return readBuffer;
}

export function readPartition(plan: PartitionPlan): RecordBatch {
  const problems = plan.compression === 'none' ? new RowProblems(plan, null) : null;
  const { builders, rows, problems: seen } = plan.compression === 'none' && plan.engine === 'fast' ? parseWindows(plan, problems!) : parseWhole(plan, problems);
  seen.finish(rows);
  const fields = plan.columns.map((c) => new Field(c.name, arrowType(c.kind, c.dictId), true));
  const columns = builders.map((b) => b.finish());
  if (plan.pathColumn) {
    const { name, dictId, position } = plan.pathColumn;
    fields.splice(position, 0, new Field(name, arrowType('category', dictId), true));
    columns.splice(position, 0, constantDictionary(plan.file, rows, dictId));
  }
  kernelStats.partitionReads += 1;
  return batchOf(fields, columns, rows);
}

/** The fast parser over an uncompressed range, window by window: the range's bytes are never all in memory. */
function parseWindows(plan: PartitionPlan, problems: RowProblems): ParsedColumns & { problems: RowProblems } {
  const length = Math.max(0, plan.end - plan.start);
  const parser = new FastParser(plan, problems, length);
  const windowBytes = windowTuning.bytes;
  const wasm = rowsInstance(windowBytes);
  const buffer = (n: number): Uint8Array => (wasm !== null && n <= WASM_MAX_BYTES ? wasm.input(n) : partitionBuffer(n));
  const Q = plan.dialect.quoteChar.charCodeAt(0);
  const syntax = { quote: Q, delimiter: plan.dialect.delimiter.charCodeAt(0), comment: plan.dialect.comment === null ? null : Buffer.from(plan.dialect.comment, 'utf8') };
  withPinnedFile(plan.file, plan.pin, (fd) => readWindows(fd, plan.start, plan.end, syntax, windowBytes, buffer, (rows, offset, quoteFree) => {
    if (plan.checkQuotes && !quoteFree && rows.indexOf(Q) >= 0) throw boundaryConflict(plan);
    problems.windowStart = offset;
    const checked = checkedUtf8(rows, plan, problems);
    parser.parse(checked, quoteFree || plan.checkQuotes);
  }));
  return { ...parser.finish(), problems };
}

/** A compressed file's partition, or the papaparse engine: the range's bytes in one buffer. */
function parseWhole(plan: PartitionPlan, known: RowProblems | null): ParsedColumns & { problems: RowProblems } {
  let bytes: Uint8Array;
  let whole: Uint8Array | null = null;
  if (plan.compression === 'none') {
    bytes = readRangeInto(plan.file, plan.start, plan.end, plan.pin, partitionBuffer);
  } else {
    whole = readWhole({ path: plan.file, compression: plan.compression }, plan.pin);
    bytes = whole.subarray(plan.start, plan.end < 0 ? whole.length : plan.end);
  }
  if (plan.checkQuotes && bytes.indexOf(plan.dialect.quoteChar.charCodeAt(0)) >= 0) throw boundaryConflict(plan);
  const problems = known ?? new RowProblems(plan, whole);
  bytes = checkedUtf8(bytes, plan, problems);
  const parsed = plan.engine === 'fast' ? parseFast(bytes, plan, problems) : parsePapa(bytes, plan, problems);
  return { ...parsed, problems };
}

function boundaryConflict(plan: PartitionPlan): CsvBoundaryConflict {
  return new CsvBoundaryConflict(`'${plan.file}' holds the quote character ${JSON.stringify(plan.dialect.quoteChar)} in bytes ${plan.start}-${plan.end}, but was cut at plain newlines (its samples held none); re-cutting it with a quote-aware scan`, plan.sourceId, plan.file);
}

/** A dictionary column holding one value on every row (the file path): one entry, all codes 0. */
function constantDictionary(value: string, rows: number, dictId: number): Data {
  const { buf, len } = utf8Bytes(value);
  const bytes = sharedArray(Uint8Array, len);
  bytes.set(buf.subarray(0, len));
  const offsets = sharedArray(Int32Array, 2);
  offsets[1] = len;
  const type = arrowType('category', dictId);
  return dictionaryData(type as any, rows, sharedArray(Int32Array, rows), utf8Data(1, offsets, bytes, null), null);
}

/** Like makeBatch, but keeps the row count when no column was asked for (a count needs rows, not columns). */
function batchOf(fields: Field[], columns: Data[], rows: number): RecordBatch {
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children: columns });
  return new RecordBatch(schema, struct);
}

registerOp(CSV_READ_OP, readPartition);
registerOp(CSV_WRITE_OP, writePartitionCsv);

// Errors keep their class and fields when they come back from a worker; progress reports bytes read.
registerErrorClass(CsvParseError);
registerErrorClass(CsvTypeConflict);
registerErrorClass(CsvBoundaryConflict);
registerErrorClass(CsvFileError);
registerErrorClass(CsvOptionError);
registerBytesRead(CSV_READ_OP, (args) => {
  const plan = args[0] as PartitionPlan;
  return plan.end >= 0 ? plan.end - plan.start : null;
});
