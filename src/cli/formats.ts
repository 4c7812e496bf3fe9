// Which reader or writer a path needs, chosen by its extension (or --from / --to), so every command
// opens CSV, Parquet and Arrow IPC files, directories and globs the same way.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataFrame } from '../collections/dataframe.ts';
import { readCsv } from '../io/csv/read.ts';
import { readParquet } from '../io/parquet/read.ts';
import { readArrowIpc } from '../io/arrow-ipc/read.ts';
import { UsageError } from './errors.ts';

export type Format = 'csv' | 'parquet' | 'arrow';
export const FORMATS: readonly Format[] = ['csv', 'parquet', 'arrow'];

const EXTENSIONS: ReadonlyArray<readonly [RegExp, Format]> = [
  [/\.(csv|tsv|txt)(\.(gz|bz2))?$/i, 'csv'],
  [/\.(parquet|parq|pq)$/i, 'parquet'],
  [/\.(arrow|arrows|feather|ipc)$/i, 'arrow'],
];

export function formatOfName(name: string): Format | null {
  for (const [re, f] of EXTENSIONS) if (re.test(name)) return f;
  return null;
}

export function parseFormat(command: string, flag: string, value: string | boolean | undefined): Format | null {
  if (value === undefined) return null;
  const v = String(value).toLowerCase();
  const f = v === 'ipc' || v === 'feather' ? 'arrow' : v;
  if (!FORMATS.includes(f as Format)) throw new UsageError(`--${flag} must be csv, parquet or arrow; got '${String(value)}'`, command);
  return f as Format;
}

/** The format of an input: its extension, or for a directory the extension of the files inside. */
export function formatOfInput(command: string, input: string): Format {
  const byName = formatOfName(input);
  if (byName) return byName;
  if (fs.existsSync(input) && fs.statSync(input).isDirectory()) {
    const found = new Set<Format>();
    for (const entry of fs.readdirSync(input, { recursive: true }) as string[]) {
      const f = formatOfName(entry);
      if (f && !path.basename(entry).startsWith('.') && !path.basename(entry).startsWith('_')) found.add(f);
    }
    if (found.size === 1) return [...found][0]!;
    if (found.size > 1) throw new UsageError(`directory '${input}' holds ${[...found].join(' and ')} files; say which with --from`, command);
    throw new UsageError(`directory '${input}' holds no .csv, .parquet or .arrow files`, command);
  }
  if (!fs.existsSync(input) && !/[*?[\]{}]/.test(input)) throw new UsageError(`file not found: '${input}'`, command);
  throw new UsageError(`cannot tell the format of '${input}' from its name (.csv, .parquet, .arrow expected); say it with --from`, command);
}

/** A lazy frame over the inputs; every input must be of one format. */
export function openInputs(command: string, inputs: readonly string[], from: Format | null): { df: DataFrame; format: Format } {
  if (inputs.length === 0) throw new UsageError(`no input files; see 'tessera ${command} --help'`, command);
  let format = from;
  if (format === null) {
    const formats = new Set(inputs.map((i) => formatOfInput(command, i)));
    if (formats.size > 1) throw new UsageError(`inputs mix ${[...formats].join(' and ')} files; give files of one format`, command);
    format = [...formats][0]!;
  }
  const list = inputs.length === 1 ? inputs[0]! : inputs;
  const df = format === 'csv' ? readCsv(list) : format === 'parquet' ? readParquet(list) : readArrowIpc(list);
  return { df, format };
}
