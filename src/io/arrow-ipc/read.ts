// The public Arrow IPC entry points: readArrowIpc (synchronous and lazy: only message headers are read
// here; each record batch becomes a partition read by range) and toArrowIpc (one file per partition).
// `df.toArrow()` stays the in-memory Arrow Table.

import * as path from 'node:path';
import type { Schema } from 'apache-arrow';
import type { ComputeOptions } from '../../collections/compute.ts';
import { DataFrame } from '../../collections/dataframe.ts';
import { sourceNode } from '../../collections/plan.ts';
import { findFiles } from '../parquet/files.ts';
import { prepareDirectory, writePartitions } from '../parquet/read.ts';
import { ArrowIpcFileError } from './errors.ts';
import { IPC_WRITE_OP, type IpcWritePlan, writeIpcPartition } from './ops.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { scanIpc } from './scan.ts';
import { ArrowIpcSource } from './source.ts';

export interface ArrowIpcReadOptions {
  /** Columns to keep (default all). */
  columns?: readonly string[];
}

const EXTENSIONS = ['.arrow', '.arrows', '.feather', '.ipc'];

/** A lazy DataFrame over Arrow IPC files (file or stream format): a path, a directory, a glob, or a list. */
export function readArrowIpc(input: string | readonly string[], options: ArrowIpcReadOptions = {}): DataFrame {
  for (const k of Object.keys(options)) if (k !== 'columns') throw new ArrowIpcFileError(`readArrowIpc has no option '${k}'; the option is 'columns'`);
  const files = findFiles(input, EXTENSIONS, 'readArrowIpc', (m) => new ArrowIpcFileError(m)).map((f) => scanIpc(f.path));
  const schema = files[0]!.schema;
  for (const f of files.slice(1)) checkSame(f.schema, schema, f.path, files[0]!.path);
  const source = new ArrowIpcSource(files, schema);
  let columns: string[] | null = null;
  if (options.columns !== undefined) {
    columns = [...options.columns];
    for (const c of columns) {
      if (!schema.fields.some((f) => f.name === c)) {
        throw new ArrowIpcFileError(`column '${c}' is not in '${files[0]!.path}'; the columns are: ${schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
  }
  return new DataFrame(sourceNode(source, columns));
}

function checkSame(s: Schema, want: Schema, file: string, first: string): void {
  const shape = (x: Schema) => x.fields.map((f) => `${f.name}: ${String(f.type)}`).join('\n');
  if (shape(s) === shape(want)) return;
  const diff = want.fields.find((f, i) => s.fields[i]?.name !== f.name || String(s.fields[i]?.type) !== String(f.type));
  throw new ArrowIpcFileError(`Arrow IPC file '${file}' does not match '${first}'${diff ? ` at column '${diff.name}'` : ''}; all files must have the same columns and types`);
}

export interface ToArrowIpcOptions extends ComputeOptions {
  /** 'file' (default, random access, '.arrow') or 'stream' ('.arrows'). */
  format?: 'file' | 'stream';
  /** File name of partition i (default `part-${i}.arrow` / `.arrows`). */
  nameFunction?: (i: number) => string;
  /** Replace an existing non-empty directory (default false: refuse). */
  overwrite?: boolean;
}

/** Write a frame as Arrow IPC, one file per partition, into `dir`; returns the paths written. */
export async function toArrowIpc(df: DataFrame, dir: string, options: ToArrowIpcOptions = {}): Promise<string[]> {
  const { format = 'file', overwrite = false, nameFunction, ...compute } = options;
  if (format !== 'file' && format !== 'stream') throw new ArrowIpcFileError(`format must be 'file' or 'stream'; got ${JSON.stringify(format)}`);
  const ext = format === 'file' ? '.arrow' : '.arrows';
  const name = nameFunction ?? ((i: number) => `part-${i}${ext}`);
  prepareDirectory(dir, overwrite, 'toArrowIpc');
  const written = await writePartitions<string>(df, IPC_WRITE_OP, (n) => {
    const names = Array.from({ length: n }, (_, i) => name(i));
    if (new Set(names).size !== names.length) throw new ArrowIpcFileError('toArrowIpc nameFunction must give a different name to every partition');
    return names.map((file): IpcWritePlan => ({ file: path.join(dir, file), format }));
  }, compute);
  // A frame with no partitions still leaves a file holding its schema, so it reads back.
  return written.length > 0 ? written : [writeIpcPartition(emptyBatch(df.schema), { file: path.join(dir, name(0)), format })];
}
