// The CSV write op ('io.csv.write'): one Arrow batch as CSV text that readCsv reads back to the same values.
// Fields holding the delimiter, quotes or newlines are quoted; NaN is written as 'nan' (the default naValues read 'NaN' as null).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataType, type RecordBatch, type Vector } from 'apache-arrow';
import { mkdirBelow } from '../output-target.ts';
import type { WrittenFile } from '../write-partitions.ts';

export const CSV_WRITE_OP = 'io.csv.write';

export interface CsvWritePlan {
  /** Directory to write into (a private staging directory). */
  readonly dir: string;
  /** File name inside `dir`. */
  readonly name: string;
  /** Field delimiter, default ','. */
  readonly delimiter?: string;
  /** Write a header row (default true). */
  readonly header?: boolean;
}

const FLUSH_BYTES = 1 << 20;

/** Write one batch as one CSV file below plan.dir and flush it to disk. Registered as op 'io.csv.write'. */
export function writePartitionCsv(batch: RecordBatch, plan: CsvWritePlan): WrittenFile {
  const delimiter = plan.delimiter ?? ',';
  const file = path.join(plan.dir, plan.name);
  mkdirBelow(plan.dir, path.dirname(plan.name));
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  const write = (text: string) => {
    const b = Buffer.from(text);
    for (let at = 0; at < b.length; ) at += fs.writeSync(fd, b, at, b.length - at);
    bytes += b.length;
  };
  try {
    let text = plan.header === false ? '' : batch.schema.fields.map((f) => quote(f.name, delimiter)).join(delimiter) + '\n';
    const formatters = batch.schema.fields.map((f, j) => formatter(f.type, batch.getChildAt(j)!, delimiter));
    for (let i = 0; i < batch.numRows; i++) {
      let line = '';
      for (let j = 0; j < formatters.length; j++) line += (j > 0 ? delimiter : '') + formatters[j]!(i);
      text += line + '\n';
      if (text.length >= FLUSH_BYTES) {
        write(text);
        text = '';
      }
    }
    if (text.length > 0) write(text);
    fs.fsyncSync(fd);
    return { file, rows: batch.numRows, bytes };
  } finally {
    fs.closeSync(fd);
  }
}

type Format = (row: number) => string;

function formatter(type: DataType, vec: Vector, delimiter: string): Format {
  if (DataType.isDate(type)) return (i) => withNull(vec, i, (v) => new Date(v as number).toISOString().slice(0, 10));
  if (DataType.isTimestamp(type)) return (i) => withNull(vec, i, (v) => new Date(Number(v)).toISOString());
  if (DataType.isFloat(type)) return (i) => withNull(vec, i, (v) => (Number.isNaN(v) ? 'nan' : String(v)));
  if (DataType.isInt(type) || DataType.isBool(type)) return (i) => withNull(vec, i, String);
  return (i) => withNull(vec, i, (v) => quote(String(v), delimiter));
}

function withNull(vec: Vector, i: number, f: (v: any) => string): string {
  const v = vec.get(i);
  return v === null || v === undefined ? '' : f(v);
}

/** RFC 4180 quoting, only when needed. */
function quote(s: string, delimiter: string): string {
  if (s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r')) return `"${s.replaceAll('"', '""')}"`;
  return s;
}
