// toArrowIpc: one Arrow IPC file per partition, written by the task that computed it; the directory appears
// at once with a manifest (io/write-partitions.ts). persist({to}) writes through here into a fresh directory.

import { COMPUTE_OPTION_KEYS, type ComputeOptions } from '../../collections/run-path.ts';
import { assertKnownOptions } from '../../config.ts';
import type { DataFrame } from '../../collections/dataframe.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { checkNames, writeDirectory } from '../write-partitions.ts';
import { ArrowIpcFileError } from './errors.ts';
import { IPC_WRITE_OP, type IpcWritePlan, writeIpcPartition } from './ops.ts';

export interface ToArrowIpcOptions extends ComputeOptions {
  /** 'file' (default, random access, '.arrow') or 'stream' ('.arrows'). */
  format?: 'file' | 'stream';
  /** File name of partition i (default `part-${i}.arrow` / `.arrows`). */
  nameFunction?: (i: number) => string;
  /**
   * Replace an existing output (default false: refuse a non-empty directory). Only a directory tessera wrote
   * (its `_tessera.json` lists every file in it) is replaced; anything else is refused.
   */
  overwrite?: boolean;
}

/** Write a frame as Arrow IPC, one file per partition, into `dir`, atomically; returns the paths written. */
export function toArrowIpc(df: DataFrame, dir: string, options: ToArrowIpcOptions = {}): Promise<string[]> {
  return writeArrowIpc(df, dir, options, 'toArrowIpc');
}

/** toArrowIpc under another name; `fresh` (persist) refuses any existing non-empty target and never deletes. */
export async function writeArrowIpc(df: DataFrame, dir: string, options: ToArrowIpcOptions, what: string, fresh = false): Promise<string[]> {
  assertKnownOptions(`${what}${what.endsWith(')') ? '' : '()'}`, options, [...(fresh ? [] : ['format', 'nameFunction', 'overwrite']), ...COMPUTE_OPTION_KEYS]);
  const { format = 'file', overwrite = false, nameFunction, ...compute } = options;
  const fail = (m: string) => new ArrowIpcFileError(m);
  if (typeof dir !== 'string' || dir.length === 0) throw fail(`${what} needs a directory path`);
  if (format !== 'file' && format !== 'stream') throw fail(`format must be 'file' or 'stream'; got ${JSON.stringify(format)}`);
  const ext = format === 'file' ? '.arrow' : '.arrows';
  const name = nameFunction ?? ((i: number) => `part-${i}${ext}`);
  checkNames(df.npartitions, name, what, fail);
  const plan = (i: number, root: string): IpcWritePlan => ({ dir: root, name: name(i), format });
  const existsHint = fresh ? 'it writes a fresh directory and never deletes anything: name a new or empty directory' : undefined;
  return writeDirectory(df, dir, {
    format: 'arrow-ipc',
    op: IPC_WRITE_OP,
    plan,
    // A frame with no partitions still leaves a file holding its schema, so it reads back.
    empty: (root) => [writeIpcPartition(emptyBatch(df.schema), plan(0, root))],
  }, { what, overwrite: fresh ? false : overwrite, fail, existsHint }, compute);
}
