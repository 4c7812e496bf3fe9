// sortValues(by, {ascending, nullsFirst}): a sampled range partitioning. Each partition sends evenly spaced
// sample rows; one small task turns all samples into boundaries; each partition is cut by them and output
// partition j concatenates piece j of every input and sorts it locally. No task ever holds all the rows
// (unless the output is one partition), and ties are broken by input position, so heavy repeats still spread.

import { Type } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { type PartitionSample, type SortPoint, type SortSpec, sortableType } from '../../kernels/sort.ts';
import type { KeyValue } from '../../kernels/groupby/group-ids.ts';
import { tokenize } from '../../scheduler/tokenize.ts';
import { type Output, frameOutput } from '../output.ts';
import { type ComputeOptions, runOutputs, runSettings } from '../run-path.ts';
import { assertKnownOptions } from '../../config.ts';
import { unknownColumn } from '../../expr.ts';
import { type DerivedNode, type FrameNode, derivedNode, projectNode } from '../plan.ts';

export interface SortOptions {
  /** One for all columns or one per column; default true. */
  ascending?: boolean | readonly boolean[];
  /** Nulls before every value (default false: after), whatever the direction. */
  nullsFirst?: boolean;
  /** Output partitions (default: as many as the input). */
  npartitions?: number;
}

export function sortSpecOf(input: FrameNode, by: string | readonly string[], options: SortOptions): SortSpec {
  if (typeof options !== 'object' || options === null) throw new TypeError('sortValues(by, options): options must be an object');
  assertKnownOptions('sortValues()', options, ['ascending', 'nullsFirst', 'npartitions']);
  const cols = typeof by === 'string' ? [by] : Array.isArray(by) ? [...by] : null;
  if (cols === null || cols.length === 0 || cols.some((c) => typeof c !== 'string')) throw new TypeError('sortValues(by): by must be a column name or a non-empty array of names');
  if (new Set(cols).size !== cols.length) throw new TypeError(`sortValues(by): a column appears twice in [${cols.join(', ')}]`);
  for (const c of cols) {
    const f = input.schema.fields.find((x) => x.name === c);
    if (!f) throw unknownColumn(c, input.schema);
    if (!sortableType(f.type.typeId)) throw new TypeError(`sortValues(): column '${c}' is ${String(f.type)}, which has no order; sort by numbers, strings, booleans, dates or timestamps`);
  }
  const asc = options.ascending ?? true;
  const ascending = typeof asc === 'boolean' ? cols.map(() => asc) : Array.isArray(asc) ? [...asc] : null;
  if (ascending === null || ascending.length !== cols.length || ascending.some((a) => typeof a !== 'boolean')) {
    throw new TypeError(`sortValues(): ascending must be a boolean or one boolean per column (${cols.length}); got ${JSON.stringify(asc)}`);
  }
  const nullsFirst = options.nullsFirst ?? false;
  if (typeof nullsFirst !== 'boolean') throw new TypeError('sortValues(): nullsFirst must be true or false');
  const n = options.npartitions;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new TypeError(`sortValues(): npartitions must be a positive integer; got ${String(n)}`);
  return { by: cols, ascending, nullsFirst };
}

export function sortNode(input: FrameNode, spec: SortSpec, nout: number, index?: string): DerivedNode {
  const strings = spec.by.map((c) => {
    const t = input.schema.fields.find((f) => f.name === c)!.type.typeId;
    return t === Type.Utf8 || t === Type.Dictionary;
  });
  return derivedNode(index === undefined ? 'sort' : 'set-index', [input], {
    index,
    describe: () => (index !== undefined ? `setIndex ${index}` : `sort by [${spec.by.map((c, i) => `${c}${spec.ascending[i] ? '' : ' desc'}`).join(', ')}]${spec.nullsFirst ? ' nulls first' : ''}`),
    inputNeeds: (need) => [need === null ? null : new Set([...need, ...spec.by])],
    rebuild: ([i]) => (index !== undefined && !i!.schema.fields.some((f) => f.name === index) ? i! : sortNode(i!, spec, nout, index)),
    lower: (builder, node) => {
      const like = emptyBatch(node.schema);
      const parts = builder.frame(input);
      const t = node.token;
      if (parts.length === 0) return Array.from({ length: nout }, (_, j) => builder.addTask(`${t}#${j}`, 'frame.from-memory', [like, null]));
      if (nout === 1) return [builder.addTask(`${t}#0`, 'sort.pieces', [parts.map(ref), like, spec])];
      const size = Math.min(2000, 32 * nout + 32);
      let samples: string[];
      let inputs = parts;
      if (builder.spillTarget(t) === null) samples = parts.map((p, i) => builder.addTask(`${t}-sample#${i}`, 'sort.sample', [ref(p), spec, i, size]));
      else {
        // shuffle: 'disk': each partition goes to disk as it is sampled, so memory holds no input partition
        // while the boundaries wait for the last sample; its split reads it back.
        const both = parts.map((p, i) => builder.addTask(`${t}-sample-spill#${i}`, 'sort.sample-spill', [ref(p), spec, i, size, builder.spillTarget(`${t}-whole#${i}`)]));
        samples = both.map((b, i) => builder.addTask(`${t}-sample#${i}`, 'reduce.pick', [ref(b), 0]));
        inputs = both.map((b, i) => builder.addTask(`${t}-whole#${i}`, 'reduce.pick', [ref(b), 1]));
      }
      const bounds = builder.addTask(`${t}-boundaries`, 'sort.boundaries', [samples.map(ref), spec, strings, nout]);
      const splits = inputs.map((p, i) => builder.addTask(`${t}-split#${i}`, 'sort.split', [ref(p), spec, strings, ref(bounds), i, nout, builder.spillTarget(`${t}-split#${i}`)]));
      return Array.from({ length: nout }, (_, j) => {
        const pieces = splits.map((s, i) => ref(builder.addTask(`${t}-piece${j}#${i}`, 'reduce.pick', [ref(s), j])));
        return builder.addTask(`${t}#${j}`, 'sort.pieces', [pieces, like, spec]);
      });
    },
  }, input.schema, nout, [spec, nout, index ?? null]);
}

/**
 * setIndex(col): rows sorted by col (nulls last) with every value of col in one partition and partitions in
 * order: known divisions, which a merge on col with another indexed frame uses to join partition by
 * partition. Input already in that order (checked per partition while sampling, never assumed) stays where
 * it is: no row moves and no partition is re-sorted.
 */
export function setIndexNode(input: FrameNode, column: string): DerivedNode {
  if (typeof column !== 'string') throw new TypeError('setIndex(column) takes one column name');
  const spec = sortSpecOf(input, column, {});
  return sortNode(input, { ...spec, spreadTies: false }, input.npartitions, column);
}

/**
 * The column a frame is indexed by, looking through what keeps order and divisions (select keeping the
 * column, filter, assign not replacing it); null when the frame has no index.
 */
export function indexOf(node: FrameNode): string | null {
  let cur = node;
  for (;;) {
    if (cur.kind === 'derived') return cur.verb.index ?? null;
    if (cur.kind === 'filter') cur = cur.input;
    else if (cur.kind === 'project') {
      const idx = indexOf(cur.input);
      return idx !== null && cur.columns.includes(idx) ? idx : null;
    } else if (cur.kind === 'assign') {
      const idx = indexOf(cur.input);
      return idx !== null && !cur.assignments.some(([n]) => n === idx) ? idx : null;
    } else return null;
  }
}

/**
 * divisions(): where each partition of an indexed frame starts, and where the last one ends (npartitions + 1
 * values, Dask's divisions); an empty partition's start is null. Reads every partition once.
 */
export async function divisionsOf(node: FrameNode, options: ComputeOptions = {}): Promise<Array<KeyValue | null>> {
  const idx = indexOf(node);
  if (idx === null) throw new Error('divisions(): the frame has no index; setIndex(column) makes one');
  const spec = { by: [idx], ascending: [true], nullsFirst: false, spreadTies: false };
  const ranges = (n: FrameNode): Output<PartitionSample[]> => ({
    ...frameOutput(n, () => []),
    withFrames: (rw) => ranges(rw.frame(n)),
    lower: (builder) => builder.frame(n).map((k, i) => builder.addTask(tokenize('divisions', k), 'sort.sample', [ref(k), spec, i, 0])),
    finish: (values) => values as PartitionSample[],
  });
  const [samples] = (await runOutputs([ranges(node)], runSettings(options, 'divisions()'))) as [PartitionSample[]];
  const value = (p: SortPoint | null) => (p === null || p.cls[0] !== 0 ? null : (p.values[0] as KeyValue));
  const out = samples.map((s) => value(s.first));
  const last = [...samples].reverse().find((s) => s.last !== null);
  out.push(last ? value(last.last) : null);
  return out;
}

/** resetIndex(): the same rows without the index (drop: without the index column too). */
export function resetIndexNode(input: FrameNode, options: { drop?: boolean }): FrameNode {
  assertKnownOptions('resetIndex()', options, ['drop']);
  const idx = indexOf(input);
  if (idx === null) throw new Error('resetIndex(): the frame has no index; setIndex(column) makes one');
  if (options.drop === true) return projectNode(input, input.schema.fields.map((f) => f.name).filter((n) => n !== idx));
  return unindexed(input);
}

function unindexed(input: FrameNode): DerivedNode {
  return derivedNode('reset-index', [input], {
    describe: () => 'resetIndex',
    inputNeeds: (need) => [need],
    rebuild: ([i]) => unindexed(i!),
    lower: (builder) => builder.frame(input),
  }, input.schema, input.npartitions, null);
}
