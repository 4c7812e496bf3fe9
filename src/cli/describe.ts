// tessera describe <files>: the schema and statistics of every column, all built as lazy collections and
// handed to ONE compute() call, so the files are read once: scalar reductions of a frame fuse into one
// pass per partition, and the per-column value counts share the same partition reads.

import { type DataType, type Table, Type } from 'apache-arrow';
import { compute } from '../collections/compute.ts';
import type { DataFrame } from '../collections/dataframe.ts';
import { computeOptions, intFlag, parse, COMMON_HELP } from './args.ts';
import { isTemporal, jsonValue, textValue } from './cell.ts';
import { openInputs, parseFormat } from './formats.ts';
import type { CommandIO } from './io.ts';
import { renderTable } from './table.ts';
import type { ComputeOptions } from '../collections/compute.ts';

export const DESCRIBE_HELP = `Usage: tessera describe <files or globs...> [--top K] [--json]

Print the schema of CSV, Parquet or Arrow IPC files (a directory or a quoted glob works too) and, for
every column: count of values, nulls, min, max, mean, std, distinct values and the most frequent values.
All statistics are computed in one pass over the files, with a progress bar on a terminal.
Distinct counts and top values are exact (a hash table per column: memory grows with the number of
distinct values; --no-distinct skips them). min/max/mean/std apply to numeric and boolean columns.

Options:
  --top <K>            most frequent values to show per column (default 3)
  --no-distinct        skip distinct counts and top values (faster on high-cardinality columns)
  --columns <a,b,...>  only these columns
  --json               machine-readable output
  --from <format>      csv, parquet or arrow when the names do not say
${COMMON_HELP}

Example:
  tessera describe 'datasets/generated/flights/*.csv'`;

export interface ColumnStats {
  name: string;
  type: string;
  rows: number;
  count: number;
  nulls: number;
  min: unknown;
  max: unknown;
  mean: number | null;
  std: number | null;
  /** Exact number of distinct non-null values; null when not computed for this type. */
  distinct: number | null;
  top: Array<{ value: unknown; count: number }> | null;
}

export interface Description {
  partitions: number;
  rows: number;
  columns: ColumnStats[];
}

/** Value counts run through the groupby hash kernels, which take these types. */
function countsValues(t: DataType): boolean {
  return [Type.Int, Type.Float, Type.Bool, Type.Utf8, Type.Dictionary].includes(t.typeId);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Every statistic of every column in one compute() call. */
export async function describeFrame(df: DataFrame, options: { top: number; distinct: boolean } & ComputeOptions): Promise<Description> {
  const { top, distinct, ...computeOpts } = options;
  const outputs: unknown[] = [];
  const slot = (x: unknown) => outputs.push(x) - 1;
  const tryReduce = (fn: () => unknown): number | null => {
    try {
      return slot(fn()); // reductions check the column type when built: a string column has no mean
    } catch (err) {
      if (err instanceof TypeError) return null;
      throw err;
    }
  };
  const plans = df.schema.fields.map((f) => {
    const s = df.col(f.name);
    return {
      field: f,
      count: slot(s.count()),
      nulls: slot(s.isNull().sum()),
      min: tryReduce(() => s.min()),
      max: tryReduce(() => s.max()),
      mean: tryReduce(() => s.mean()),
      std: tryReduce(() => s.std()),
      counts: distinct && countsValues(f.type) ? slot(s.valueCounts()) : null,
    };
  });
  const got = outputs.length > 0 ? await compute(...outputs, computeOpts) : [];
  const at = (i: number | null) => (i === null ? null : got[i]);
  const columns = plans.map((p): ColumnStats => {
    const count = num(at(p.count)) ?? 0;
    const nulls = num(at(p.nulls)) ?? 0;
    const counts = at(p.counts) as Table | null;
    let topValues: ColumnStats['top'] = null;
    if (counts) {
      topValues = [];
      const values = counts.getChild(p.field.name)!;
      const n = counts.getChild('count')!;
      for (let i = 0; i < Math.min(top, counts.numRows); i++) topValues.push({ value: values.get(i), count: Number(n.get(i)) });
    }
    return {
      name: p.field.name,
      type: String(p.field.type),
      rows: count + nulls,
      count,
      nulls,
      min: at(p.min),
      max: at(p.max),
      mean: num(at(p.mean)),
      std: num(at(p.std)),
      distinct: counts ? counts.numRows : null,
      top: topValues,
    };
  });
  return { partitions: df.npartitions, rows: columns[0]?.rows ?? 0, columns };
}

export async function describeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse('describe', argv, {
    top: { type: 'string' },
    'no-distinct': { type: 'boolean' },
    columns: { type: 'string' },
    json: { type: 'boolean' },
    from: { type: 'string' },
  });
  if (values.help) {
    io.out(DESCRIBE_HELP);
    return 0;
  }
  const top = intFlag('describe', 'top', values.top, 3, 0);
  const opts = computeOptions('describe', values);
  let { df, format } = openInputs('describe', positionals, parseFormat('describe', 'from', values.from));
  if (typeof values.columns === 'string') df = df.select(values.columns.split(',').map((c) => c.trim()).filter(Boolean));
  const t0 = performance.now();
  const d = await describeFrame(df, { top, distinct: values['no-distinct'] !== true, ...opts });
  const secs = (performance.now() - t0) / 1000;
  const types = new Map(df.schema.fields.map((f) => [f.name, f.type]));

  if (values.json) {
    const json = {
      format,
      partitions: d.partitions,
      rows: d.rows,
      columns: d.columns.map((c) => ({
        ...c,
        min: jsonValue(c.min, types.get(c.name)!),
        max: jsonValue(c.max, types.get(c.name)!),
        top: c.top?.map((t) => ({ value: jsonValue(t.value, types.get(c.name)!), count: t.count })) ?? null,
      })),
    };
    io.out(JSON.stringify(json, null, 2));
    return 0;
  }

  io.out(`${d.rows} rows, ${d.columns.length} columns, ${d.partitions} partitions (${format}); ${secs.toFixed(2)} s\n`);
  io.out('Schema');
  io.out(renderTable(['column', 'type'], d.columns.map((c) => [c.name, c.type]), { maxCell: 60 }));
  io.out('\nStatistics');
  const dash = '—';
  const show = (v: unknown, name: string) => (v === null || v === undefined ? dash : textValue(v, types.get(name)!));
  io.out(
    renderTable(
      ['column', 'count', 'nulls', 'min', 'max', 'mean', 'std', 'distinct', `top ${top}`],
      d.columns.map((c) => [
        c.name,
        String(c.count),
        String(c.nulls),
        show(c.min, c.name),
        show(c.max, c.name),
        isTemporal(types.get(c.name)!) ? dash : show(c.mean, c.name),
        show(c.std, c.name),
        c.distinct === null ? dash : String(c.distinct),
        c.top === null ? dash : c.top.map((t) => `${textValue(t.value, types.get(c.name)!)} (${t.count})`).join(', '),
      ]),
      { maxCell: 60 },
    ),
  );
  return 0;
}
