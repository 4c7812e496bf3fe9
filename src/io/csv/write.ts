// Writing Arrow batches as CSV text that readCsv reads back to the same values: fields holding the
// delimiter, quotes or newlines are quoted; NaN is written as 'nan' because the default naValues read 'NaN' as null.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataType, type RecordBatch, type Vector } from 'apache-arrow';

export interface CsvWriteOptions {
  /** Field delimiter, default ','. */
  readonly delimiter?: string;
  /** Write a header row (default true). */
  readonly header?: boolean;
  /** Append to the file instead of replacing it (used when several partitions go to one file). */
  readonly append?: boolean;
}

const FLUSH_BYTES = 1 << 20;

/** Write one batch to `file`; returns the number of rows written. Registered as op 'io.csv.write'. */
export function writePartitionCsv(batch: RecordBatch, file: string, options: CsvWriteOptions = {}): number {
  const delimiter = options.delimiter ?? ',';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, options.append ? 'a' : 'w');
  try {
    let text = options.header === false ? '' : batch.schema.fields.map((f) => quote(f.name, delimiter)).join(delimiter) + '\n';
    const formatters = batch.schema.fields.map((f, j) => formatter(f.type, batch.getChildAt(j)!, delimiter));
    for (let i = 0; i < batch.numRows; i++) {
      let line = '';
      for (let j = 0; j < formatters.length; j++) line += (j > 0 ? delimiter : '') + formatters[j]!(i);
      text += line + '\n';
      if (text.length >= FLUSH_BYTES) {
        fs.writeSync(fd, text);
        text = '';
      }
    }
    if (text.length > 0) fs.writeSync(fd, text);
    return batch.numRows;
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
