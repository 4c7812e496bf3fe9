// sortValues(by, {ascending, nullsFirst}): a sampled range partitioning. Each partition sends evenly spaced
// sample rows; one small task turns all samples into boundaries; each partition is cut by them and output
// partition j concatenates piece j of every input and sorts it locally. No task ever holds all the rows
// (unless the output is one partition), and ties are broken by input position, so heavy repeats still spread.

import { Type } from 'apache-arrow';
import { ref } from '../../scheduler/graph.ts';
import { emptyBatch } from '../../kernels/arrow-build.ts';
import { type SortSpec, sortableType } from '../../kernels/sort.ts';
import { assertKnownOptions } from '../../config.ts';
import { unknownColumn } from '../../expr.ts';
import { type DerivedNode, type FrameNode, derivedNode } from '../plan.ts';

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

export function sortNode(input: FrameNode, spec: SortSpec, nout: number): DerivedNode {
  const strings = spec.by.map((c) => {
    const t = input.schema.fields.find((f) => f.name === c)!.type.typeId;
    return t === Type.Utf8 || t === Type.Dictionary;
  });
  return derivedNode('sort', [input], {
    describe: () => `sort by [${spec.by.map((c, i) => `${c}${spec.ascending[i] ? '' : ' desc'}`).join(', ')}]${spec.nullsFirst ? ' nulls first' : ''}`,
    inputNeeds: (need) => [need === null ? null : new Set([...need, ...spec.by])],
    rebuild: ([i]) => sortNode(i!, spec, nout),
    lower: (builder, node) => {
      const like = emptyBatch(node.schema);
      const parts = builder.frame(input);
      const t = node.token;
      if (parts.length === 0) return Array.from({ length: nout }, (_, j) => builder.addTask(`${t}#${j}`, 'frame.from-memory', [like, null]));
      if (nout === 1) return [builder.addTask(`${t}#0`, 'sort.pieces', [parts.map(ref), like, spec])];
      const size = Math.min(2000, 32 * nout + 32);
      const samples = parts.map((p, i) => builder.addTask(`${t}-sample#${i}`, 'sort.sample', [ref(p), spec, i, size]));
      const bounds = builder.addTask(`${t}-boundaries`, 'sort.boundaries', [samples.map(ref), spec, strings, nout]);
      const splits = parts.map((p, i) => builder.addTask(`${t}-split#${i}`, 'sort.split', [ref(p), spec, strings, ref(bounds), i, nout]));
      return Array.from({ length: nout }, (_, j) => {
        const pieces = splits.map((s, i) => ref(builder.addTask(`${t}-piece${j}#${i}`, 'reduce.pick', [ref(s), j])));
        return builder.addTask(`${t}#${j}`, 'sort.pieces', [pieces, like, spec]);
      });
    },
  }, input.schema, nout, [spec, nout]);
}
