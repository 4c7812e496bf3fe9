// tessera convert <inputs...> <output>: between CSV, Parquet and Arrow IPC, chosen by extension. Partitions
// are converted in parallel inside the workers; a one-partition result becomes the named file, a larger
// one a directory of part files under that name (which every tessera reader, DuckDB and polars read back).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeOptions, parse, COMMON_HELP } from './args.ts';
import { UsageError } from './errors.ts';
import { type Format, formatOfName, openInputs, parseFormat } from './formats.ts';
import type { CommandIO } from './io.ts';
import { toCsv } from '../io/csv/read.ts';
import { toParquet } from '../io/parquet/read.ts';
import { toArrowIpc } from '../io/arrow-ipc/read.ts';
import type { ParquetCompression } from '../io/parquet/ops.ts';

export const CONVERT_HELP = `Usage: tessera convert <inputs...> <output> [--overwrite]

Convert between CSV, Parquet and Arrow IPC; formats come from the extensions (.csv, .parquet, .arrow
for the IPC file format, .arrows for the stream format) or from --from / --to. Inputs may be files,
directories or quoted globs. A CSV output is always one file. A Parquet or Arrow output is one file when
the input makes one partition; otherwise <output> becomes a directory of part files (read it back with
tessera, DuckDB or polars as one dataset).

Options:
  --from <format>        csv, parquet or arrow (input)
  --to <format>          csv, parquet or arrow (output)
  --compression <codec>  Parquet codec: snappy (default), zstd, gzip, brotli, lz4, none
  --overwrite            replace <output> if it exists
${COMMON_HELP}

Examples:
  tessera convert 'data/*.csv' flights.parquet
  tessera convert flights.parquet flights.arrow`;

export async function convertCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse('convert', argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    compression: { type: 'string' },
    overwrite: { type: 'boolean' },
  });
  if (values.help) {
    io.out(CONVERT_HELP);
    return 0;
  }
  if (positionals.length < 2) throw new UsageError(`convert needs an input and an output; see 'tessera convert --help'`, 'convert');
  const out = positionals[positionals.length - 1]!;
  const inputs = positionals.slice(0, -1);
  const to: Format | null = parseFormat('convert', 'to', values.to) ?? formatOfName(out);
  if (to === null) throw new UsageError(`cannot tell the output format of '${out}'; end it in .csv, .parquet or .arrow, or pass --to`, 'convert');
  const opts = computeOptions('convert', values);
  const { df, format: from } = openInputs('convert', inputs, parseFormat('convert', 'from', values.from));
  const target = path.resolve(out);
  if (inputs.some((i) => path.resolve(i) === target)) throw new UsageError(`the output '${out}' is also an input`, 'convert');
  if (fs.existsSync(target)) {
    if (!values.overwrite) throw new UsageError(`'${out}' exists; pass --overwrite to replace it`, 'convert');
  }

  const t0 = performance.now();
  // Everything is written beside the target first and moved into place at the end, so a failed
  // conversion never leaves half an output (or removes the old one).
  const staging = `${target}.tessera-${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  let written: string[];
  try {
    if (to === 'csv') {
      written = await toCsv(df, staging, { ...opts, singleFile: true });
    } else if (to === 'parquet') {
      const compression = (values.compression ?? 'snappy') as ParquetCompression;
      written = await toParquet(df, staging, { ...opts, compression });
    } else {
      const stream = /\.arrows$/i.test(out);
      written = await toArrowIpc(df, staging, { ...opts, format: stream ? 'stream' : 'file' });
    }
    fs.rmSync(target, { recursive: true, force: true });
    if (to === 'csv' || written.length === 1) {
      fs.renameSync(to === 'csv' ? staging : written[0]!, target);
      fs.rmSync(staging, { recursive: true, force: true });
      written = [out];
    } else {
      fs.renameSync(staging, target);
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  const what = written.length === 1 ? `'${out}'` : `${written.length} part files in directory '${out}'`;
  io.err(`converted ${from} -> ${to}: ${df.npartitions} partition${df.npartitions === 1 ? '' : 's'} into ${what} in ${secs} s`);
  return 0;
}
