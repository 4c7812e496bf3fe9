// Projection pushdown: find which columns every consumer in this compute() call needs, and make each
// source read only their union (a CSV reader then skips the other fields at byte level). All consumers
// of one source see the same pruned source, so the read stays shared.

import {
  type FrameNode,
  type SourceNode,
  assignNode,
  exprColumns,
  filterNode,
  groupAggNode,
  projectNode,
  sourceNode,
} from '../plan.ts';
import { mapExprFrames } from '../scalar-leaf.ts';

/** A consumer: a frame and the columns of it that will be read (null = all, e.g. a DataFrame output). */
export interface Consumer {
  readonly node: FrameNode;
  readonly need: ReadonlySet<string> | null;
}

export function pushDownProjections(consumers: readonly Consumer[]): (node: FrameNode) => FrameNode {
  const bySource = new Map<string, Set<string> | null>();
  const visited = new Set<string>();
  const visit = (node: FrameNode, need: ReadonlySet<string> | null): void => {
    // The same (node, need) pair reached twice adds nothing new.
    const mark = `${node.token}|${need === null ? '*' : [...need].sort().join(',')}`;
    if (visited.has(mark)) return;
    visited.add(mark);
    switch (node.kind) {
      case 'source': {
        const prev = bySource.get(node.token);
        if (need === null || prev === null) bySource.set(node.token, null);
        else bySource.set(node.token, new Set([...(prev ?? []), ...need]));
        return;
      }
      case 'project':
        return visit(node.input, need ?? new Set(node.columns));
      case 'assign': {
        if (need === null) return visit(node.input, null);
        const next = new Set<string>();
        const assigned = new Map(node.assignments.map(([n, e]) => [n, e] as const));
        for (const c of need) {
          const e = assigned.get(c);
          if (e) for (const x of exprColumns(e)) next.add(x);
          else next.add(c);
        }
        return visit(node.input, next);
      }
      case 'filter':
        return visit(node.input, need === null ? null : new Set([...need, ...exprColumns(node.predicate)]));
      case 'groupby-agg':
        return visit(node.input, new Set([...node.keys, ...node.specs.flatMap((s) => (s.column === null ? [] : [s.column]))]));
      case 'derived': {
        const needs = node.verb.inputNeeds(need, node);
        node.inputs.forEach((input, k) => visit(input, needs[k] ?? null));
        return;
      }
    }
  };
  for (const c of consumers) visit(c.node, c.need);

  const memo = new Map<string, FrameNode>();
  const rewrite = (node: FrameNode): FrameNode => {
    const hit = memo.get(node.token);
    if (hit) return hit;
    let out: FrameNode;
    switch (node.kind) {
      case 'source':
        out = pruneSource(node, bySource.get(node.token));
        break;
      case 'project': {
        // A selected column no consumer needs may have been pruned below (select(['x', 'y']).assign({x: ...})
        // replaces x): keep only what the pruned input still has.
        const input = rewrite(node.input);
        const have = new Set(input.schema.fields.map((f) => f.name));
        const columns = node.columns.filter((c) => have.has(c));
        // A select of exactly what its input yields, in order, does nothing: without it a reduction fuses with
        // the read below (read > reduce, the Parquet page decoder) instead of read > select > reduce.
        const identity = columns.length === input.schema.fields.length && columns.every((c, i) => input.schema.fields[i]!.name === c);
        out = identity ? input : projectNode(input, columns);
        break;
      }
      case 'assign':
        // Scalars inside the expressions read frames of their own: those are pruned alike.
        out = assignNode(rewrite(node.input), node.assignments.map(([n, e]) => [n, mapExprFrames(e, rewrite)] as const));
        break;
      case 'filter':
        out = filterNode(rewrite(node.input), mapExprFrames(node.predicate, rewrite));
        break;
      case 'groupby-agg':
        out = groupAggNode(rewrite(node.input), node.keys, node.specs, { dropna: node.dropna, order: node.order, splitOut: node.npartitions, splitEvery: node.splitEvery });
        break;
      case 'derived':
        out = node.verb.rebuild(node.inputs.map(rewrite));
        break;
    }
    memo.set(node.token, out);
    return out;
  };
  return rewrite;
}

function pruneSource(node: SourceNode, need: Set<string> | null | undefined): SourceNode {
  // Rebuilt even when nothing is pruned: a source's schema may have been widened since the node was made.
  if (need === undefined || need === null || node.columns !== null) return sourceNode(node.source, node.columns);
  const all = node.source.schema.fields.map((f) => f.name);
  if (need.size >= all.length) return sourceNode(node.source, null);
  // Keep the source's column order; a reduction that reads no column (count of rows) still reads one.
  const cols = all.filter((c) => need.has(c));
  return sourceNode(node.source, cols.length > 0 ? cols : all.slice(0, 1));
}
