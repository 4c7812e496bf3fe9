// toCsv: a directory of part files (one per partition, with a manifest) or one file joined from pieces,
// written by the tasks (write-op.ts) into a staging directory and moved into place at once (io/output-target.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataFrame } from '../../collections/dataframe.ts';
import { COMPUTE_OPTION_KEYS, type ComputeOptions, runPartitionSinks } from '../../collections/run-path.ts';
import { assertKnownOptions } from '../../config.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { withStagedOutput } from '../output-target.ts';
import { type WrittenFile, checkNames, inputFilesOf, writeDirectory } from '../write-partitions.ts';
import { CsvOptionError } from './errors.ts';
import { CSV_WRITE_OP, type CsvWritePlan, writePartitionCsv } from './write-op.ts';

export interface ToCsvOptions extends ComputeOptions {
  /** Write everything to `target` as one file (default false: `target` is a directory of part files). */
  singleFile?: boolean;
  /** Name of partition i's file inside the target directory (default `part-${i}.csv`). */
  nameFunction?: (i: number) => string;
  delimiter?: string;
  header?: boolean;
  /**
   * Replace an existing output (default false: refuse). A single file is replaced; a directory only when
   * tessera wrote it (its `_tessera.json` lists every file in it).
   */
  overwrite?: boolean;
}

/** Write a frame as CSV, atomically; returns the paths written. Reading them back with readCsv gives the same frame. */
export async function toCsv(df: DataFrame, target: string, options: ToCsvOptions = {}): Promise<string[]> {
  assertKnownOptions('toCsv()', options, ['singleFile', 'nameFunction', 'delimiter', 'header', 'overwrite', ...COMPUTE_OPTION_KEYS]);
  const { singleFile = false, nameFunction = (i: number) => `part-${i}.csv`, delimiter, header, overwrite = false, ...compute } = options;
  const fail = (m: string) => new CsvOptionError(m);
  if (typeof target !== 'string' || target.length === 0) throw fail('toCsv needs a target path');
  const plan = (name: string, root: string, withHeader: boolean | undefined): CsvWritePlan => ({ dir: root, name, delimiter, header: withHeader });
  const empty = (root: string) => [writePartitionCsv(emptyBatch(df.schema), plan(nameFunction(0), root, header))];
  if (!singleFile) {
    checkNames(df.npartitions, nameFunction, 'toCsv', fail);
    return writeDirectory(df, target, { format: 'csv', op: CSV_WRITE_OP, plan: (i, root) => plan(nameFunction(i), root, header), empty }, { what: 'toCsv', overwrite, fail }, compute);
  }
  // Partitions are written in parallel to pieces in the staging directory, joined in order, then renamed into place.
  return withStagedOutput({ target, kind: 'file', overwrite, what: 'toCsv', inputs: inputFilesOf(df.node), fail }, async (staged) => {
    const pieceArgs = (n: number) => Array.from({ length: n }, (_, i) => [plan(`piece-${i}.csv`, staged.staging, i === 0 ? header : false)]);
    const values = await runPartitionSinks(df.node, CSV_WRITE_OP, pieceArgs, compute);
    const pieces = (values as WrittenFile[]).map((w) => w.file);
    if (pieces.length === 0) pieces.push(writePartitionCsv(emptyBatch(df.schema), plan('piece-0.csv', staged.staging, header)).file);
    const joined = path.join(staged.staging, 'joined.csv');
    joinFiles(pieces, joined);
    return { result: [target], from: joined };
  });
}

/** Concatenate files into `out` by streaming 1 MiB chunks (nothing is held in memory), then flush it to disk. */
function joinFiles(pieces: readonly string[], out: string): void {
  const fd = fs.openSync(out, 'wx');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (const p of pieces) {
      const src = fs.openSync(p, 'r');
      try {
        for (let n = fs.readSync(src, buf); n > 0; n = fs.readSync(src, buf)) fs.writeSync(fd, buf, 0, n);
      } finally {
        fs.closeSync(src);
      }
      fs.rmSync(p); // halves the peak disk use of a big join
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
