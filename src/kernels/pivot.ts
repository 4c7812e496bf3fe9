// pivotTable's last step: the long form (one row per index value and column value, aggregated and sorted
// by the groupby) turned wide: one row per index value, one output column per (values column, column value).

import type { Data, RecordBatch } from 'apache-arrow';
import { makeBatch } from './arrow-build.ts';
import { takeData } from './take.ts';
import { buildColumn } from './groupby/aggregate.ts';
import { type KeyValue, groupRows } from './groupby/group-ids.ts';
import { canonicalKey, keyColumns } from './hash-partition.ts';

export interface PivotArgs {
  readonly index: string;
  readonly columns: string;
  /** Long-form value columns, in output order. */
  readonly values: readonly string[];
  /** Canonical keys of the column values that become output columns, in order. */
  readonly columnKeys: readonly string[];
  /** An empty batch with the output schema. */
  readonly outLike: RecordBatch;
}

export function pivotWide(long: RecordBatch, args: PivotArgs): RecordBatch {
  const schema = args.outLike.schema;
  const [indexData, columnData] = keyColumns(long, [args.index, args.columns]) as [Data, Data];
  const rows = groupRows([indexData], false);
  const cols = groupRows([columnData], true);
  const slotOf = new Map(args.columnKeys.map((k, i) => [k, i] as const));
  const slot = new Int32Array(cols.ngroups);
  for (let g = 0; g < cols.ngroups; g++) slot[g] = slotOf.get(canonicalKey(cols.keys, g)) ?? -1;
  // First row of each index group (the long form is sorted by index, then column).
  const firstRow = new Int32Array(rows.ngroups).fill(-1);
  for (let i = 0; i < rows.ids.length; i++) if (firstRow[rows.ids[i]!]! < 0) firstRow[rows.ids[i]!] = i;
  const nslots = args.columnKeys.length;
  const cells: KeyValue[][] = Array.from({ length: args.values.length * nslots }, () => new Array<KeyValue>(rows.ngroups).fill(null));
  const valueVectors = args.values.map((v) => long.getChild(v)!);
  for (let i = 0; i < long.numRows; i++) {
    const c = cols.ids[i]!;
    if (c < 0 || slot[c]! < 0) continue;
    const r = rows.ids[i]!;
    valueVectors.forEach((vec, v) => {
      const x = vec.get(i) as KeyValue | undefined;
      cells[v * nslots + slot[c]!]![r] = x === undefined ? null : x;
    });
  }
  const out: Data[] = [takeData(indexData, firstRow)];
  cells.forEach((values, k) => out.push(buildColumn(schema.fields[k + 1]!.type, values)));
  return makeBatch(schema, out);
}
