// pivotTable({index, columns, values, aggfunc}): a groupby on (index, columns) in the long form, done by the
// distributed groupby, then one small task turns it wide. The output's columns are the distinct values of
// `columns`: given as {columnValues} the frame is lazy; otherwise they are counted first (one pass, a
// Promise). Above maxColumns output columns it is an error: a pivot is a report, a wide groupby is not.

import { Field, Schema, type RecordBatch } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { type GroupAggName, GROUP_AGGS } from '../../kernels/groupby/aggregate.ts';
import { canonicalKey } from '../../kernels/hash-partition.ts';
import type { KeyValue } from '../../kernels/groupby/group-ids.ts';
import { assertKnownOptions } from '../../config.ts';
import { unknownColumn } from '../../expr.ts';
import { type DerivedNode, type FrameNode, derivedNode, groupAggNode } from '../plan.ts';
import { type ComputeOptions, runOutputs, runSettings } from '../run-path.ts';
import { frameOutput } from '../output.ts';

export const PIVOT_MAX_COLUMNS = 1000;

export interface PivotOptions {
  index: string;
  columns: string;
  values: string | readonly string[];
  /** A groupby aggregation (default 'mean'). */
  aggfunc?: Exclude<GroupAggName, 'custom'>;
  /** The values of `columns` that become output columns, in order (else: every value found, sorted). */
  columnValues?: readonly KeyValue[];
  /** Refuse more output columns than this (default 100, at most 1000). */
  maxColumns?: number;
}

interface Checked {
  index: string;
  columns: string;
  values: string[];
  aggfunc: Exclude<GroupAggName, 'custom'>;
  maxColumns: number;
}

function check(input: FrameNode, options: PivotOptions): Checked {
  if (typeof options !== 'object' || options === null) throw new TypeError('pivotTable(options): pass {index, columns, values, aggfunc}');
  assertKnownOptions('pivotTable()', options, ['index', 'columns', 'values', 'aggfunc', 'columnValues', 'maxColumns']);
  const { index, columns } = options;
  const values = typeof options.values === 'string' ? [options.values] : Array.isArray(options.values) ? [...options.values] : [];
  for (const [what, c] of [['index', index], ['columns', columns], ...values.map((v) => ['values', v])] as Array<[string, unknown]>) {
    if (typeof c !== 'string') throw new TypeError(`pivotTable(): ${what} must be a column name; got ${String(c)}`);
    if (!input.schema.fields.some((f) => f.name === c)) throw unknownColumn(c, input.schema);
  }
  if (values.length === 0) throw new TypeError('pivotTable(): values must name at least one column');
  if (index === columns || values.includes(index) || values.includes(columns)) throw new TypeError('pivotTable(): index, columns and values must be different columns');
  const aggfunc = options.aggfunc ?? 'mean';
  if (!GROUP_AGGS.includes(aggfunc) || (aggfunc as string) === 'custom') throw new TypeError(`pivotTable(): aggfunc must be one of ${GROUP_AGGS.filter((g) => g !== 'custom').join(', ')}; got ${String(aggfunc)}`);
  const maxColumns = options.maxColumns ?? 100;
  if (!(Number.isInteger(maxColumns) && maxColumns >= 1 && maxColumns <= PIVOT_MAX_COLUMNS)) throw new TypeError(`pivotTable(): maxColumns must be an integer in [1, ${PIVOT_MAX_COLUMNS}]`);
  return { index, columns, values, aggfunc, maxColumns };
}

const longForm = (input: FrameNode, c: Checked) =>
  groupAggNode(input, [c.index, c.columns], c.values.map((v) => ({ out: v, column: v, fn: c.aggfunc, ddof: 1 })), { dropna: true, order: { by: 'keys' }, splitOut: 1, splitEvery: null });

function pivotNode(input: FrameNode, c: Checked, columnValues: readonly KeyValue[]): DerivedNode {
  if (columnValues.length > c.maxColumns) {
    throw new RangeError(`pivotTable(): column '${c.columns}' has ${columnValues.length} values, more than maxColumns (${c.maxColumns}) output columns; pass {columnValues: [...]} to choose some, raise maxColumns (up to ${PIVOT_MAX_COLUMNS}), or use groupby([index, columns]) for the long form`);
  }
  const long = longForm(input, c);
  const columnKeys = columnValues.map((v) => canonicalKey([[v]], 0));
  const fields = [new Field(c.index, long.schema.fields[0]!.type, true)];
  const names = new Set([c.index]);
  for (const v of c.values) {
    const type = long.schema.fields.find((f) => f.name === v)!.type;
    for (const cv of columnValues) {
      const name = c.values.length === 1 ? String(cv) : `${v}_${String(cv)}`;
      if (names.has(name)) throw new Error(`pivotTable(): output column '${name}' appears twice (a value of '${c.columns}' equals another column's name)`);
      names.add(name);
      fields.push(new Field(name, type, true));
    }
  }
  const schema = new Schema(fields);
  return derivedNode('pivot', [long], {
    describe: () => `pivotTable index=${c.index} columns=${c.columns} (${columnValues.length} values) ${c.aggfunc}(${c.values.join(', ')})`,
    inputNeeds: () => [null],
    rebuild: ([l]) => pivotNode((l as typeof long).input, c, columnValues),
    lower: (builder, node) => builder.frame(long).map((k, i) => builder.addTask(`${node.token}#${i}`, 'pivot.wide', [ref(k), { index: c.index, columns: c.columns, values: c.values, columnKeys, outLike: emptyBatch(schema) }])),
  }, schema, 1, [c, columnKeys]);
}

export function pivotLazy(input: FrameNode, options: PivotOptions): DerivedNode {
  const c = check(input, options);
  const cv = options.columnValues!;
  if (!Array.isArray(cv) || cv.some((v) => v === null || !['string', 'number', 'bigint', 'boolean'].includes(typeof v))) throw new TypeError('pivotTable(): columnValues must be an array of strings, numbers, bigints or booleans');
  return pivotNode(input, c, cv);
}

/** Without columnValues: the distinct non-null values of `columns` (sorted) are computed first. */
export async function pivotCounted(input: FrameNode, options: PivotOptions, compute: ComputeOptions = {}): Promise<DerivedNode> {
  const c = check(input, options);
  const distinct = groupAggNode(input, [c.columns], [{ out: '__n', column: null, fn: 'size', ddof: 1 }], { dropna: true, order: { by: 'keys' }, splitOut: 1, splitEvery: null });
  const [batches] = (await runOutputs([frameOutput(distinct, (b) => b)], runSettings(compute, 'pivotTable() (finding the output columns)'))) as [RecordBatch[]];
  const found: KeyValue[] = batches.flatMap((b) => Array.from(b.getChild(c.columns)!, (v) => v as KeyValue));
  return pivotNode(input, c, found);
}
