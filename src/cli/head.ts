// tessera head <files> [-n N]: the first rows of a CSV/Parquet/Arrow collection. Only as many partitions
// as it takes to find N rows are read.

import { computeOptions, intFlag, parse, COMMON_HELP } from './args.ts';
import { jsonValue, textValue } from './cell.ts';
import { openInputs, parseFormat } from './formats.ts';
import { renderTable } from './table.ts';
import type { CommandIO } from './io.ts';

export const HEAD_HELP = `Usage: tessera head <files or globs...> [-n N] [--json]

Print the first N rows (default 10) of CSV, Parquet or Arrow IPC files, a directory or a glob
(quote globs: 'data/*.csv'). Partitions are read in order only until N rows are found.

Options:
  -n, --rows <N>       rows to print (default 10)
  --json               one JSON object per row instead of a table
  --columns <a,b,...>  only these columns
  --from <format>      csv, parquet or arrow when the names do not say
${COMMON_HELP}

Example:
  tessera head 'datasets/generated/flights/*.csv' -n 5`;

export async function headCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse('head', argv, {
    rows: { type: 'string', short: 'n' },
    json: { type: 'boolean' },
    columns: { type: 'string' },
    from: { type: 'string' },
  });
  if (values.help) {
    io.out(HEAD_HELP);
    return 0;
  }
  const n = intFlag('head', 'rows', values.rows, 10, 0);
  const opts = computeOptions('head', values);
  let { df } = openInputs('head', positionals, parseFormat('head', 'from', values.from));
  if (typeof values.columns === 'string') df = df.select(values.columns.split(',').map((c) => c.trim()).filter(Boolean));
  const table = await df.head(n, opts);
  const fields = table.schema.fields;
  const rows: unknown[][] = [];
  for (let i = 0; i < table.numRows; i++) rows.push(fields.map((f) => table.getChild(f.name)!.get(i)));
  if (values.json) {
    for (const r of rows) io.out(JSON.stringify(Object.fromEntries(fields.map((f, j) => [f.name, jsonValue(r[j], f.type)]))));
    return 0;
  }
  io.out(renderTable(fields.map((f) => f.name), rows.map((r) => r.map((v, j) => textValue(v, fields[j]!.type)))));
  io.out(`(${table.numRows} row${table.numRows === 1 ? '' : 's'}, ${fields.length} columns)`);
  return 0;
}
