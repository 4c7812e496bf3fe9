// toParquet: one file per partition (or per hive `key=value` folder), written by the task that computed the
// partition; the whole directory appears at once with a manifest (io/write-partitions.ts, io/output-target.ts).

import { COMPUTE_OPTION_KEYS, type ComputeOptions } from '../../collections/run-path.ts';
import { assertKnownOptions } from '../../config.ts';
import type { DataFrame } from '../../collections/dataframe.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { checkNames, writeDirectory } from '../write-partitions.ts';
import { ParquetOptionError } from './errors.ts';
import { isHiveType } from './hive.ts';
import { COMPRESSIONS, type ParquetCompression, PARQUET_WRITE_OP, type ParquetWritePlan, writeParquetPartition } from './ops.ts';

export interface ToParquetOptions extends ComputeOptions {
  /** 'snappy' (default), 'zstd', 'gzip', 'brotli', 'lz4', or 'none'. */
  compression?: ParquetCompression;
  /** Write hive folders `col=value/` per distinct value of these columns (dropped from the files). */
  partitionOn?: readonly string[];
  /** Maximum rows per row group (default 1,048,576). */
  rowGroupSize?: number;
  /** File name of partition i (default `part-${i}.parquet`). */
  nameFunction?: (i: number) => string;
  /**
   * Replace an existing output (default false: refuse a non-empty directory). Only a directory tessera wrote
   * (its `_tessera.json` lists every file in it) is replaced; anything else is refused.
   */
  overwrite?: boolean;
}

const WRITE_KEYS = ['compression', 'partitionOn', 'rowGroupSize', 'nameFunction', 'overwrite'];

/** Write a frame as Parquet into directory `dir`, atomically; returns the paths written. readParquet(dir) reads it back. */
export async function toParquet(df: DataFrame, dir: string, options: ToParquetOptions = {}): Promise<string[]> {
  assertKnownOptions('toParquet()', options, [...WRITE_KEYS, ...COMPUTE_OPTION_KEYS]);
  const {
    compression = 'snappy', partitionOn = [], rowGroupSize = 1024 * 1024,
    nameFunction = (i: number) => `part-${i}.parquet`, overwrite = false, ...compute
  } = options;
  const fail = (m: string) => new ParquetOptionError(m);
  if (typeof dir !== 'string' || dir.length === 0) throw fail('toParquet needs a directory path');
  if (!(compression in COMPRESSIONS)) throw fail(`compression must be one of ${Object.keys(COMPRESSIONS).map((c) => `'${c}'`).join(', ')}; got ${JSON.stringify(compression)}`);
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw fail(`rowGroupSize must be a positive integer; got ${JSON.stringify(rowGroupSize)}`);
  if (!Array.isArray(partitionOn)) throw fail('partitionOn must be an array of column names');
  for (const c of partitionOn) {
    const f = df.schema.fields.find((x) => x.name === c);
    if (!f) throw fail(`partitionOn column '${c}' does not exist; the columns are: ${df.columns.map((n) => `'${n}'`).join(', ')}`);
    if (!isHiveType(f.type)) throw fail(`partitionOn column '${c}' is ${String(f.type)}; only integer, float, boolean and string columns can name folders`);
  }
  if (partitionOn.length >= df.columns.length && df.columns.length > 0) throw fail('partitionOn cannot name every column: the files would hold none');
  checkNames(df.npartitions, nameFunction, 'toParquet', fail);
  const plan = (i: number, root: string): ParquetWritePlan => ({ dir: root, name: nameFunction(i), compression, rowGroupSize, partitionOn: [...partitionOn] });
  return writeDirectory(df, dir, {
    format: 'parquet',
    op: PARQUET_WRITE_OP,
    plan,
    // A frame with no partitions still leaves a file holding its schema, so it reads back.
    empty: (root) => (partitionOn.length > 0 ? [] : writeParquetPartition(emptyBatch(df.schema), plan(0, root))),
  }, { what: 'toParquet', overwrite, fail }, compute);
}
