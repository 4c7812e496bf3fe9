// nlargest / nsmallest: a verb node with one output partition: top n rows of each input partition, then
// merged in a tree of width splitEvery (partials concatenated in partition order: ties keep the first row).

import { type FrameNode, type DerivedNode } from '../plan.ts';
import { ref } from '../../scheduler/graph.ts';
import type { GraphBuilder } from '../lower.ts';
import { type UnaryVerb, unaryNode } from './unary-verb.ts';
import { kindOf, unknownColumn } from '../../expr.ts';

function topVerb(columns: readonly string[], n: number, largest: boolean): UnaryVerb {
  return {
    name: `${largest ? 'nlargest' : 'nsmallest'}(${n}) by [${columns.join(', ')}]`,
    params: { columns, n, largest },
    schemaOver: (input) => input.schema,
    npartitionsOver: (input) => (input.npartitions === 0 ? 0 : 1),
    inputColumns: (need) => (need === null ? null : new Set([...need, ...columns])),
    rowPreservingExcept: null,
    lower(builder: GraphBuilder, inputKeys: readonly string[], outKeys: readonly string[], node: DerivedNode) {
      if (inputKeys.length === 0) return;
      const width = builder.defaultSplitEvery;
      let level = inputKeys.map((k, i) => builder.addTask(`${node.token}-top#${i}`, 'verbs.top-n', [ref(k), columns, n, largest]));
      for (let depth = 0; level.length > width; depth++) {
        const next: string[] = [];
        for (let j = 0; j < level.length; j += width) {
          const group = level.slice(j, j + width);
          next.push(group.length === 1 ? group[0]! : builder.addTask(`${node.token}-merge${width}.${depth}#${j / width}`, 'verbs.top-n-merge', [group.map(ref), columns, n, largest]));
        }
        level = next;
      }
      builder.addTask(outKeys[0]!, 'verbs.top-n-merge', [level.map(ref), columns, n, largest]);
    },
  };
}

export function topNode(frame: FrameNode, n: number, columns: string | readonly string[] | undefined, largest: boolean, where: string): FrameNode {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${where}: n must be a non-negative integer; got ${String(n)}`);
  const cols = columns === undefined ? null : typeof columns === 'string' ? [columns] : [...columns];
  if (cols === null || cols.length === 0) throw new TypeError(`${where}: name the column(s) to rank by, e.g. ${where.replace('()', '')}(5, 'delay')`);
  for (const c of cols) {
    const f = frame.schema.fields.find((x) => x.name === c);
    if (!f) throw unknownColumn(c, frame.schema);
    if (!['int', 'bigint', 'float', 'bool', 'null'].includes(kindOf(f.type))) throw new TypeError(`${where}: '${c}' is ${String(f.type)}; rank by numeric columns`);
  }
  return unaryNode(frame, topVerb(cols, n, largest));
}
