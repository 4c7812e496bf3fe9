// tessera convert <inputs...> <output>: between CSV, Parquet and Arrow IPC, chosen by extension. Partitions
// are converted in parallel inside the workers; a one-partition result becomes the named file, a larger
// one a directory of part files under that name (which every tessera reader, DuckDB and polars read back).
// The output appears at once or not at all; Ctrl-C / SIGTERM remove the staging directory before exiting.

import * as path from 'node:path';
import { computeOptions, parse, COMMON_HELP } from './args.ts';
import { UsageError } from './errors.ts';
import { type Format, formatOfName, openInputs, parseFormat } from './formats.ts';
import type { CommandIO } from './io.ts';
import { toCsv } from '../io/csv/write.ts';
import { toParquet } from '../io/parquet/write.ts';
import { toArrowIpc } from '../io/arrow-ipc/write.ts';
import type { ParquetCompression } from '../io/parquet/ops.ts';
import { removeStagedOutputs, withStagedOutput } from '../io/output-target.ts';
import { inputFilesOf } from '../io/write-partitions.ts';

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
  --overwrite            replace <output> if it is a file, or a directory tessera wrote
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
  const t0 = performance.now();
  // Everything is written in a hidden staging directory beside the output and moved into place at the
  // end, so a failed or interrupted conversion never leaves half an output (or removes the old one).
  const kind = to === 'csv' || df.npartitions <= 1 ? 'file' : 'directory';
  const request = {
    target: out, kind, overwrite: values.overwrite === true, what: 'convert', inputs: inputFilesOf(df.node),
    existsHint: 'pass --overwrite to replace it', fail: (m: string) => new UsageError(m, 'convert'),
  } as const;
  const written = await whileCleaningUpOnSignals(() =>
    withStagedOutput(request, async (staged) => {
      const inner = path.join(staged.staging, path.basename(out));
      let files: string[];
      if (to === 'csv') {
        files = await toCsv(df, inner, { ...opts, singleFile: true });
      } else if (to === 'parquet') {
        const compression = (values.compression ?? 'snappy') as ParquetCompression;
        files = await toParquet(df, inner, { ...opts, compression });
      } else {
        const stream = /\.arrows$/i.test(out);
        files = await toArrowIpc(df, inner, { ...opts, format: stream ? 'stream' : 'file' });
      }
      return kind === 'file' ? { result: [out], from: files[0]! } : { result: files, from: inner };
    }),
  );
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  const what = written.length === 1 ? `'${out}'` : `${written.length} part files in directory '${out}'`;
  io.err(`converted ${from} -> ${to}: ${df.npartitions} partition${df.npartitions === 1 ? '' : 's'} into ${what} in ${secs} s`);
  return 0;
}

/**
 * Run `body` with SIGINT/SIGTERM handlers that remove this process's staging outputs and then let the signal
 * take its normal course (the process ends with the signal's exit status).
 */
async function whileCleaningUpOnSignals<T>(body: () => Promise<T>): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const handler = (sig: NodeJS.Signals) => {
    for (const failure of removeStagedOutputs()) process.stderr.write(`tessera convert: ${failure}\n`);
    for (const s of signals) process.removeListener(s, handler);
    process.kill(process.pid, sig);
  };
  for (const s of signals) process.on(s, handler);
  try {
    return await body();
  } finally {
    for (const s of signals) process.removeListener(s, handler);
  }
}
