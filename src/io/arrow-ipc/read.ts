// readArrowIpc: synchronous and lazy, only message headers are read here; each record batch becomes a
// partition read by range (ops.ts). Writing is in write.ts; `df.toArrow()` stays the in-memory Arrow Table.

import type { Schema } from 'apache-arrow';
import { DataFrame } from '../../collections/dataframe.ts';
import { sourceNode } from '../../collections/plan.ts';
import { findFiles } from '../files.ts';
import { ArrowIpcFileError } from './errors.ts';
import { normalizeSchema } from '../../kernels/ingest-types.ts';
import { scanIpc } from './scan.ts';
import { ArrowIpcSource } from './source.ts';

export interface ArrowIpcReadOptions {
  /** Columns to keep (default all). */
  columns?: readonly string[];
}

const EXTENSIONS = ['.arrow', '.arrows', '.feather', '.ipc'];

/**
 * A lazy DataFrame over Arrow IPC files (file or stream format): a path, a directory, a glob, or a list.
 * Files come in list order (a glob's matches sorted); a file named twice (a repeated path, overlapping globs) is read once.
 */
export function readArrowIpc(input: string | readonly string[], options: ArrowIpcReadOptions = {}): DataFrame {
  for (const k of Object.keys(options)) if (k !== 'columns') throw new ArrowIpcFileError(`readArrowIpc has no option '${k}'; the option is 'columns'`);
  const files = findFiles(input, { what: 'readArrowIpc', extensions: EXTENSIONS, format: 'arrow-ipc', fail: (m) => new ArrowIpcFileError(m) })
    .map((f) => scanIpc(f.path));
  // The schema as the batches will be once in (float16 as float32, large strings as utf8: ops.ts).
  const schema = normalizeSchema(files[0]!.schema);
  for (const f of files.slice(1)) checkSame(normalizeSchema(f.schema), schema, f.path, files[0]!.path);
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
