// The public CSV entry points: readCsv (synchronous, lazy: only headers and samples are read here) and
// toCsv (one file per partition, or one file).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFrame } from '../../collections/dataframe.ts';
import { type ComputeOptions, computeBatches } from '../../collections/compute.ts';
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
  const batches = await computeBatches(df.node, compute);
  const write: CsvWriteOptions = { delimiter, header };
  if (singleFile) {
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    batches.forEach((b, i) => writePartitionCsv(b, target, { ...write, append: i > 0, header: i === 0 ? header : false }));
    if (batches.length === 0) fs.writeFileSync(target, '');
    return [target];
  }
  const names = batches.map((_, i) => nameFunction(i));
  if (new Set(names).size !== names.length) throw new CsvOptionError('toCsv nameFunction must give a different name to every partition');
  fs.mkdirSync(target, { recursive: true });
  return names.map((name, i) => {
    const file = path.join(target, name);
    writePartitionCsv(batches[i]!, file, write);
    return file;
  });
}
