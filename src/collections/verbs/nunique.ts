// nunique({dropna}) beyond a single Series: per column of a frame (a record, as df.nunique()), and per
// group with nulls counted as a value (groupby nunique({dropna: false}): distinct + count + size, then a
// one-input verb adds the null and drops the helper columns).

import { Schema } from 'apache-arrow';
import { type FrameNode, type ScalarNode, projectNode } from '../plan.ts';
import { ref } from '../../scheduler/graph.ts';
import { assertKnownOptions } from '../../config.ts';
import type { GroupAggSpec } from '../../kernels/groupby/aggregate.ts';
import { DataFrame } from '../dataframe.ts';
import { Series } from '../series.ts';
import { ScalarRecord } from './summary-table.ts';
import { unaryNode } from './unary-verb.ts';

export function dropnaOption(options: { dropna?: unknown }, where: string): boolean {
  const v = options.dropna ?? true;
  if (typeof v !== 'boolean') throw new TypeError(`${where}: dropna must be true or false; got ${String(v)}`);
  return v;
}

/** df.nunique(): distinct values of every column as a record {column: n}. */
export function frameNunique(frame: FrameNode, options: { dropna?: boolean } = {}): ScalarRecord {
  assertKnownOptions('nunique()', options, ['dropna']);
  const dropna = dropnaOption(options, 'nunique()');
  const names = frame.schema.fields.map((f) => f.name);
  const nodes: ScalarNode[] = names.map((n) => new Series(projectNode(frame, [n]), { t: 'col', name: n }, n).nunique({ dropna }).node);
  return new ScalarRecord(names, nodes);
}

/**
 * Groupby nunique of `columns` counting null as a value: `build` makes the groupby frame from specs (the
 * GroupBy's own validation and options), this adds the hidden count/size columns and the finishing verb.
 */
export function groupedNuniqueWithNulls(columns: readonly string[], build: (specs: GroupAggSpec[]) => DataFrame): DataFrame {
  const hiddenCount = (c: string) => `${c}\u0000count`;
  const size = '\u0000size';
  const specs: GroupAggSpec[] = [
    ...columns.map((c) => ({ out: c, column: c, fn: 'nunique' as const, ddof: 0 })),
    ...columns.map((c) => ({ out: hiddenCount(c), column: c, fn: 'count' as const, ddof: 0 })),
    { out: size, column: null, fn: 'size', ddof: 0 },
  ];
  const grouped = build(specs);
  const pairs = columns.map((c) => [c, hiddenCount(c)] as const);
  const hidden = new Set([size, ...pairs.map(([, h]) => h)]);
  const node = unaryNode(grouped.node, {
    name: 'nunique with nulls counted',
    params: { pairs, size },
    schemaOver: (input) => new Schema(input.schema.fields.filter((f) => !hidden.has(f.name))),
    npartitionsOver: (input) => input.npartitions,
    inputColumns: () => null,
    rowPreservingExcept: null,
    lower(builder, inputKeys, outKeys) {
      inputKeys.forEach((k, i) => builder.addTask(outKeys[i]!, 'verbs.nunique-with-nulls', [ref(k), pairs, size]));
    },
  });
  return new DataFrame(node);
}
