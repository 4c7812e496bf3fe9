// valueCounts({normalize, sort, dropna}) of a Series and of a grouped column: a groupby size, then (as a
// verb node) proportions of the total over every output partition, or per group for the grouped form.

import { Field, Float64, Schema } from 'apache-arrow';
import { type FrameNode, type DerivedNode, filterNode } from '../plan.ts';
import { ref } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import { type UnaryVerb, unaryNode } from './unary-verb.ts';
import { assertKnownOptions } from '../../config.ts';
import { DataFrame } from '../dataframe.ts';

export interface ValueCountsOptions {
  /** Proportions (column 'proportion') instead of counts (column 'count'). Default false. */
  normalize?: boolean;
  /** Most frequent first (default true); false keeps the order values first appear in (null, when kept, last). */
  sort?: boolean;
  /** Leave out nulls (default true). */
  dropna?: boolean;
  /** Output partitions, hash-partitioned by value (default 1; each is sorted on its own). */
  splitOut?: number;
}

function flag(options: Record<string, unknown>, name: string, dflt: boolean, where: string): boolean {
  const v = options[name] ?? dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false; got ${String(v)}`);
  return v;
}

function replaceCount(input: FrameNode, out: string): Schema {
  return new Schema(input.schema.fields.map((f) => (f.name === 'count' ? new Field(out, new Float64(), true) : f)));
}

/** count -> proportion of the sum of counts over every partition. */
function normalizeVerb(): UnaryVerb {
  return {
    name: 'normalize count -> proportion',
    params: null,
    schemaOver: (input) => replaceCount(input, 'proportion'),
    npartitionsOver: (input) => input.npartitions,
    inputColumns: () => null,
    rowPreservingExcept: null,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[], node: DerivedNode) {
      const totals = inputKeys.map((k, i) => builder.addTask(`${node.token}-total#${i}`, 'verbs.count-total', [ref(k), 'count']));
      inputKeys.forEach((k, i) => builder.addTask(outKeys[i]!, 'verbs.normalize-counts', [ref(k), totals.map(ref), 'count', 'proportion']));
    },
  };
}

/** Grouped counts: rows by key, then by count; proportions within each group when normalized. */
function groupedVerb(nkeys: number, sortCounts: boolean, normalize: boolean): UnaryVerb {
  return {
    name: `valueCounts per group${normalize ? ' (normalized)' : ''}`,
    params: { nkeys, sortCounts, normalize },
    schemaOver: (input) => (normalize ? replaceCount(input, 'proportion') : input.schema),
    npartitionsOver: (input) => input.npartitions,
    inputColumns: () => null,
    rowPreservingExcept: null,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[]) {
      inputKeys.forEach((k, i) => builder.addTask(outKeys[i]!, 'verbs.grouped-counts', [ref(k), nkeys, 'count', sortCounts, normalize ? 'proportion' : null]));
    },
  };
}

/** The null value's row after the others (groups of a partial list it after that partial's values). */
function nullLastVerb(column: string): UnaryVerb {
  return {
    name: 'null value last',
    params: column,
    schemaOver: (input) => input.schema,
    npartitionsOver: (input) => input.npartitions,
    inputColumns: () => null,
    rowPreservingExcept: null,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[]) {
      inputKeys.forEach((k, i) => builder.addTask(outKeys[i]!, 'verbs.null-key-last', [ref(k), column]));
    },
  };
}

/** Series.valueCounts over the series' one-column frame. */
export function seriesValueCounts(frame: FrameNode, name: string, options: ValueCountsOptions = {}): DataFrame {
  const where = 'valueCounts()';
  assertKnownOptions(where, options, ['normalize', 'sort', 'dropna', 'splitOut']);
  const o = options as Record<string, unknown>;
  const normalize = flag(o, 'normalize', false, where);
  const sort = flag(o, 'sort', true, where);
  const dropna = flag(o, 'dropna', true, where);
  let counted = new DataFrame(frame)
    .groupby(name, { dropna })
    ._build([{ out: 'count', column: null, fn: 'size', ddof: 0 }], { splitOut: options.splitOut }, sort ? { by: 'output-desc', column: 'count' } : { by: 'none' });
  if (!sort && !dropna) counted = new DataFrame(unaryNode(counted.node, nullLastVerb(name)));
  return normalize ? new DataFrame(unaryNode(counted.node, normalizeVerb())) : counted;
}

/** groupby(keys).col(c).valueCounts(): counts of each value of c within each group, [keys..., c, count]. */
export function groupedValueCounts(frame: FrameNode, keys: readonly string[], groupDropna: boolean, column: string, options: Omit<ValueCountsOptions, 'splitOut'> = {}): DataFrame {
  const where = 'valueCounts()';
  assertKnownOptions(where, options, ['normalize', 'sort', 'dropna']);
  const o = options as Record<string, unknown>;
  const normalize = flag(o, 'normalize', false, where);
  const sort = flag(o, 'sort', true, where);
  const dropna = flag(o, 'dropna', true, where);
  if (keys.includes(column)) throw new TypeError(`valueCounts(): '${column}' is a group key; count another column`);
  // Nulls of the keys follow the groupby's dropna, nulls of the counted column this call's.
  let node = frame;
  const notNull = (c: string) => ({ t: 'un' as const, op: 'notNull' as const, x: { t: 'col' as const, name: c } });
  if (dropna) node = filterNode(node, notNull(column));
  if (groupDropna) for (const k of keys) node = filterNode(node, notNull(k));
  const counted = new DataFrame(node).groupby([...keys, column], { dropna: false })._build([{ out: 'count', column: null, fn: 'size', ddof: 0 }], {}, { by: 'keys' });
  return new DataFrame(unaryNode(counted.node, groupedVerb(keys.length, sort, normalize)));
}
