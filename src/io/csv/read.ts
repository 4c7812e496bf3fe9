// The public CSV entry points: readCsv (synchronous, lazy: only headers and samples are read here) and
// toCsv (one file per partition, or one file).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFrame } from '../../collections/dataframe.ts';
import { type ComputeOptions, mapPartitions } from '../../collections/compute.ts';
import { CSV_WRITE_OP } from './ops.ts';
import { CsvOptionError } from './errors.ts';
import type { CsvOptions } from './options.ts';
import { csvSource } from './scan.ts';
import { type CsvWriteOptions, writePartitionCsv } from './write.ts';

/** A lazy DataFrame over CSV files: a path, a glob ('data/*.csv', '**\/*.csv.gz') or a list of them. */
export function readCsv(input: string | readonly string[], options: CsvOptions = {}): DataFrame {
  return DataFrame.fromSource(csvSource(input, options));
}

export interface ToCsvOptions extends ComputeOptions {
  /** Write everything to `target` as one file (default false: `target` is a directory of part files). */
  singleFile?: boolean;
  /** Name of partition i's file inside the target directory (default `part-${i}.csv`). */
  nameFunction?: (i: number) => string;
  delimiter?: string;
  header?: boolean;
}

/** Write a frame as CSV; returns the paths written. Reading them back with readCsv gives the same frame. */
export async function toCsv(df: DataFrame, target: string, options: ToCsvOptions = {}): Promise<string[]> {
  const { singleFile = false, nameFunction = (i: number) => `part-${i}.csv`, delimiter, header, ...compute } = options;
  if (typeof target !== 'string' || target.length === 0) throw new CsvOptionError('toCsv needs a target path');
  const write: CsvWriteOptions = { delimiter, header };
  if (singleFile) {
    // Partitions are written in parallel to numbered pieces next to the target, then joined in order.
    const out = path.resolve(target);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const pieces = Array.from({ length: df.npartitions }, (_, i) => `${out}.part-${i}.tmp`);
    try {
      await mapPartitions(df.node, CSV_WRITE_OP, (i) => [pieces[i], { ...write, header: i === 0 ? header : false }], compute);
      joinFiles(pieces, out);
    } finally {
      for (const p of pieces) fs.rmSync(p, { force: true });
    }
    return [target];
  }
  const names = Array.from({ length: df.npartitions }, (_, i) => nameFunction(i));
  if (new Set(names).size !== names.length) throw new CsvOptionError('toCsv nameFunction must give a different name to every partition');
  fs.mkdirSync(target, { recursive: true });
  const files = names.map((name) => path.join(target, name));
  await mapPartitions(df.node, CSV_WRITE_OP, (i) => [files[i], write], compute);
  return files;
}

/** Concatenate files into `out` by streaming 1 MiB chunks (nothing is held in memory). */
function joinFiles(pieces: readonly string[], out: string): void {
  const fd = fs.openSync(out, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (const p of pieces) {
      const src = fs.openSync(p, 'r');
      try {
        for (let n = fs.readSync(src, buf); n > 0; n = fs.readSync(src, buf)) fs.writeSync(fd, buf, 0, n);
      } finally {
        fs.closeSync(src);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
