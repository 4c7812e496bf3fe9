// dropDuplicates({subset, keep}) and unique(): a verb node whose partials (distinct key tuples with first
// and last position) merge in a tree of width splitEvery; the root tells each partition which rows it
// keeps, so the output keeps input order and partitioning. Memory: one entry per distinct key tuple.

import { type FrameNode, type DerivedNode } from '../plan.ts';
import { ref } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import { type UnaryVerb, unaryNode } from './unary-verb.ts';
import { kindOf, unknownColumn } from '../../expr.ts';
import { assertKnownOptions } from '../../config.ts';
import type { Keep } from '../../kernels/duplicates.ts';

export interface DropDuplicatesOptions {
  /** Columns that make two rows duplicates (default: all). */
  subset?: string | readonly string[];
  /** Which row of each set of duplicates stays: 'first' (default), 'last', or false for none of them. */
  keep?: 'first' | 'last' | false;
  /** Partials merged per task (default from config, 8). */
  splitEvery?: number;
}

function duplicatesVerb(subset: readonly string[], keep: Keep, splitEvery: number | null): UnaryVerb {
  return {
    name: `dropDuplicates subset=[${subset.join(', ')}] keep=${keep === 'none' ? 'false' : keep}`,
    params: { subset, keep, splitEvery },
    schemaOver: (input) => input.schema,
    npartitionsOver: (input) => input.npartitions,
    inputColumns: (need) => (need === null ? null : new Set([...need, ...subset])),
    rowPreservingExcept: null,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[], node: DerivedNode) {
      const width = splitEvery ?? builder.defaultSplitEvery;
      let level = inputKeys.map((k, i) => builder.addTask(`${node.token}-chunk#${i}`, 'verbs.duplicates-chunk', [ref(k), subset, i]));
      for (let depth = 0; level.length > 1; depth++) {
        const next: string[] = [];
        for (let j = 0; j < level.length; j += width) {
          const group = level.slice(j, j + width);
          next.push(group.length === 1 ? group[0]! : builder.addTask(`${node.token}-merge${width}.${depth}#${j / width}`, 'verbs.duplicates-merge', [group.map(ref)]));
        }
        level = next;
      }
      if (inputKeys.length === 0) return;
      const rows = builder.addTask(`${node.token}-rows`, 'verbs.duplicates-rows', [ref(level[0]!), inputKeys.length, keep]);
      inputKeys.forEach((k, i) => {
        const mine = builder.addTask(`${node.token}-rows#${i}`, 'reduce.pick', [ref(rows), i]);
        builder.addTask(outKeys[i]!, 'verbs.take-rows', [ref(k), ref(mine)]);
      });
    },
  };
}

export function dropDuplicatesNode(frame: FrameNode, options: DropDuplicatesOptions = {}): FrameNode {
  assertKnownOptions('dropDuplicates()', options, ['subset', 'keep', 'splitEvery']);
  const subset = options.subset === undefined ? frame.schema.fields.map((f) => f.name) : typeof options.subset === 'string' ? [options.subset] : [...options.subset];
  if (!Array.isArray(subset) || subset.length === 0) throw new TypeError('dropDuplicates(): subset must name at least one column');
  for (const c of subset) {
    const f = frame.schema.fields.find((x) => x.name === c);
    if (!f) throw unknownColumn(c, frame.schema);
    if (!['string', 'int', 'bigint', 'float', 'bool', 'null'].includes(kindOf(f.type))) {
      throw new TypeError(`dropDuplicates(): cannot compare values of '${c}' (${String(f.type)}); leave it out of subset`);
    }
  }
  const keep = options.keep === undefined ? 'first' : options.keep;
  if (keep !== 'first' && keep !== 'last' && keep !== false) throw new TypeError(`dropDuplicates(): keep must be 'first', 'last' or false; got ${String(keep)}`);
  const splitEvery = options.splitEvery ?? null;
  if (splitEvery !== null && (!Number.isInteger(splitEvery) || splitEvery < 2)) throw new TypeError(`splitEvery must be an integer >= 2; got ${String(splitEvery)}`);
  return unaryNode(frame, duplicatesVerb(subset, keep === false ? 'none' : keep, splitEvery));
}
