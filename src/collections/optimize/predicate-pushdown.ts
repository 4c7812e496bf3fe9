// Predicate pushdown: the conjuncts `column op literal` of a filter are offered to the source below it
// (through selects, other filters, and assigns that leave the column alone), so a Parquet reader can skip
// row groups whose statistics rule them out. The filter itself stays (statistics only prune, rows are
// still checked exactly), unless it is nothing but such conjuncts directly over the source and the source
// proves from its statistics that every row it yields passes them (allRowsMatch): then it filters nothing and
// goes, so a reduction reads the source directly. Pure: returns the same node object when nothing changes
// (tokens stay stable).

import type { ColExpr, ComparisonOp, Literal } from '../../expr.ts';
import { COMPARISON } from '../../expr.ts';
import { type FrameNode, assignNode, filterNode, projectNode, sourceNode } from '../plan.ts';
import type { SourceFilter } from '../source.ts';

const FLIP: Record<ComparisonOp, ComparisonOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', eq: 'eq', ne: 'ne' };

/** Split an AND tree into its conjuncts and keep those of the form column-op-literal (either way round). */
export function filterConjuncts(e: ColExpr, out: SourceFilter[] = []): SourceFilter[] {
  if (e.t !== 'bin') return out;
  if (e.op === 'and') {
    filterConjuncts(e.l, out);
    filterConjuncts(e.r, out);
    return out;
  }
  if (!(COMPARISON as readonly string[]).includes(e.op)) return out;
  const op = e.op as ComparisonOp;
  if (e.l.t === 'col' && e.r.t === 'lit') out.push({ column: e.l.name, op, value: e.r.value as Literal });
  else if (e.l.t === 'lit' && e.r.t === 'col') out.push({ column: e.r.name, op: FLIP[op], value: e.l.value as Literal });
  return out;
}

/** The conjuncts of a predicate that is only an AND of column-op-literal comparisons; null otherwise. */
function onlyConjuncts(e: ColExpr): SourceFilter[] | null {
  if (e.t === 'bin' && e.op === 'and') {
    const l = onlyConjuncts(e.l);
    const r = l && onlyConjuncts(e.r);
    return l && r ? [...l, ...r] : null;
  }
  const one = filterConjuncts(e);
  return one.length === 1 ? one : null;
}

/** The source under `node` through projections only (they pass values through unchanged), or null. */
function sourceBelow(node: FrameNode): FrameNode & { kind: 'source' } | null {
  let n = node;
  while (n.kind === 'project') n = n.input;
  return n.kind === 'source' ? n : null;
}

/** A rewriter that pushes filters down in any number of frames, sharing work between them. */
export function predicatePushdown(): (node: FrameNode) => FrameNode {
  const memo = new Map<string, FrameNode>();
  const key = (f: SourceFilter) => `${f.column}\u0000${f.op}\u0000${typeof f.value}:${String(f.value)}`;
  const visit = (node: FrameNode, pending: readonly SourceFilter[]): FrameNode => {
    const mark = `${node.token}|${pending.map(key).sort().join('|')}`;
    const hit = memo.get(mark);
    if (hit) return hit;
    let out: FrameNode = node;
    switch (node.kind) {
      case 'source': {
        const narrowed = pending.length > 0 && node.source.withFilters ? node.source.withFilters(pending) : null;
        if (narrowed) out = sourceNode(narrowed, node.columns);
        break;
      }
      case 'filter': {
        const mine = filterConjuncts(node.predicate).filter((f) => !pending.some((p) => key(p) === key(f)));
        const input = visit(node.input, [...pending, ...mine]);
        const own = onlyConjuncts(node.predicate);
        const source = own ? sourceBelow(input) : null;
        if (own && source?.source.allRowsMatch?.(own)) out = input;
        else if (input !== node.input) out = filterNode(input, node.predicate);
        break;
      }
      case 'project': {
        const input = visit(node.input, pending);
        if (input !== node.input) out = projectNode(input, node.columns);
        break;
      }
      case 'assign': {
        // A filter on a column this assign (re)defines says nothing about the column below it.
        const assigned = new Set(node.assignments.map(([n]) => n));
        const input = visit(node.input, pending.filter((f) => !assigned.has(f.column)));
        if (input !== node.input) out = assignNode(input, node.assignments);
        break;
      }
      case 'derived': {
        // Filters above a verb (merge, sort, ...) stay above it; filters inside each input still go down.
        const inputs = node.inputs.map((i) => visit(i, []));
        if (inputs.some((x, k) => x !== node.inputs[k])) out = node.verb.rebuild(inputs);
        break;
      }
    }
    memo.set(mark, out);
    return out;
  };
  return (node) => visit(node, []);
}

/** Push filters down under each plan's frame, sharing work between them; unchanged plans come back as the same objects. */
export function pushDownPredicates<P extends { readonly node: FrameNode }>(plans: readonly P[]): P[] {
  const rewrite = predicatePushdown();
  return plans.map((p) => {
    const node = rewrite(p.node);
    return node === p.node ? p : { ...p, node };
  });
}
