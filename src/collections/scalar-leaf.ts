// A lazy Scalar inside a column expression (x.sub(x.mean()).div(x.std())): the leaf carries the scalar's
// plan until lowering, which computes the scalar once and hands its value to every partition's task.

import type { ColExpr } from '../expr.ts';
import { exprType, kindOf } from '../expr.ts';
import { typeTag } from '../kernels/type-tags.ts';
import { tokenize } from '../scheduler/tokenize.ts';
import { type FrameNode, type ReductionRequest, type ScalarNode, inputsOf } from './plan.ts';

/** What a scalar leaf holds before lowering; `__token` makes task tokens name the scalar, not its whole plan. */
export interface ScalarSlot {
  readonly __token: string;
  readonly node: ScalarNode;
}

export function isScalarSlot(x: unknown): x is ScalarSlot {
  return typeof x === 'object' && x !== null && typeof (x as ScalarSlot).__token === 'string' && typeof (x as ScalarSlot).node === 'object';
}

export function scalarToken(node: ScalarNode): string {
  if (node.kind === 'reduce') {
    const r = node.request;
    return tokenize('scalar-reduce', r.frame.token, r.expr, r.name, r.ddof, r.splitEvery);
  }
  const side = (x: ScalarNode | number) => (typeof x === 'number' ? x : scalarToken(x));
  return tokenize('scalar-binary', node.op, side(node.l), side(node.r));
}

/**
 * The Arrow type a scalar takes inside an expression, known before computing (docs/TYPES.md): counts and
 * integer sums are int64, min/max keep an integer column's type, any/all are booleans, the rest float64.
 */
export function scalarTypeTag(node: ScalarNode): string {
  if (node.kind === 'binary') {
    if (node.op === 'div' || node.op === 'pow') return 'float64';
    const intSide = (x: ScalarNode | number) => (typeof x === 'number' ? Number.isSafeInteger(x) : ['int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32'].includes(scalarTypeTag(x)));
    return intSide(node.l) && intSide(node.r) ? 'int64' : 'float64';
  }
  const { frame, expr, name } = node.request;
  const t = exprType(expr, frame.schema);
  const k = kindOf(t);
  switch (name) {
    case 'count':
      return 'int64';
    case 'any':
    case 'all':
      return 'bool';
    case 'sum':
      return k === 'int' || k === 'bigint' || k === 'bool' ? 'int64' : 'float64';
    case 'min':
    case 'max':
      return k === 'int' || k === 'bigint' ? typeTag(t) : 'float64';
    default:
      return 'float64';
  }
}

export function scalarLeaf(node: ScalarNode): ColExpr {
  return { t: 'scalar', type: scalarTypeTag(node), slot: { __token: scalarToken(node), node } satisfies ScalarSlot };
}

/** True when the expression holds a scalar leaf or an element-wise call that must be prepared at lowering. */
export function hasScalarLeaf(e: ColExpr): boolean {
  switch (e.t) {
    case 'scalar':
      return true;
    case 'bin':
      return hasScalarLeaf(e.l) || hasScalarLeaf(e.r);
    case 'un':
      return hasScalarLeaf(e.x);
    case 'call':
      return e.args.some(hasScalarLeaf);
    default:
      return false;
  }
}

/** The expression with every scalar leaf replaced by `f(leaf)` (returns `e` itself when it has none). */
export function mapScalarLeaves(e: ColExpr, f: (leaf: ColExpr & { t: 'scalar' }) => ColExpr): ColExpr {
  if (!hasScalarLeaf(e)) return e;
  switch (e.t) {
    case 'scalar':
      return f(e);
    case 'bin':
      return { ...e, l: mapScalarLeaves(e.l, f), r: mapScalarLeaves(e.r, f) };
    case 'un':
      return { ...e, x: mapScalarLeaves(e.x, f) };
    case 'call':
      return { ...e, args: e.args.map((a) => mapScalarLeaves(a, f)) };
    default:
      return e;
  }
}

/** The same scalar with the frames of its reductions rewritten (by the optimiser passes). */
export function mapScalarFrames(node: ScalarNode, frame: (n: FrameNode) => FrameNode): ScalarNode {
  if (node.kind === 'reduce') {
    const r = node.request;
    const f = frame(r.frame);
    const expr = mapExprFrames(r.expr, frame);
    return f === r.frame && expr === r.expr ? node : { kind: 'reduce', request: { ...r, frame: f, expr } };
  }
  const side = (x: ScalarNode | number) => (typeof x === 'number' ? x : mapScalarFrames(x, frame));
  const l = side(node.l);
  const r = side(node.r);
  return l === node.l && r === node.r ? node : { ...node, l, r };
}

/** An expression whose scalar leaves read rewritten frames. */
export function mapExprFrames(e: ColExpr, frame: (n: FrameNode) => FrameNode): ColExpr {
  return mapScalarLeaves(e, (leaf) => {
    const slot = leaf.slot as ScalarSlot;
    const node = mapScalarFrames(slot.node, frame);
    return node === slot.node ? leaf : { ...leaf, slot: { __token: scalarToken(node), node } };
  });
}

/** Reduction requests of a scalar plan. */
function requestsOfScalar(node: ScalarNode, out: ReductionRequest[]): void {
  if (node.kind === 'reduce') out.push(node.request);
  else {
    if (typeof node.l !== 'number') requestsOfScalar(node.l, out);
    if (typeof node.r !== 'number') requestsOfScalar(node.r, out);
  }
}

/** Requests of the scalar leaves directly inside an expression. */
export function leafRequests(e: ColExpr, out: ReductionRequest[] = []): ReductionRequest[] {
  mapScalarLeaves(e, (leaf) => {
    requestsOfScalar((leaf.slot as ScalarSlot).node, out);
    return leaf;
  });
  return out;
}

/** Requests of scalar leaves in the expressions of a frame plan (assign and filter nodes), all the way down. */
export function frameLeafRequests(node: FrameNode, out: ReductionRequest[] = []): ReductionRequest[] {
  const seen = new Set<string>();
  const stack: FrameNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n.token)) continue;
    seen.add(n.token);
    if (n.kind === 'assign') for (const [, e] of n.assignments) leafRequests(e, out);
    else if (n.kind === 'filter') leafRequests(n.predicate, out);
    stack.push(...inputsOf(n));
  }
  return out;
}

/**
 * Every request a scalar leaf under these frames and requests needs, transitively (a scalar's own frame
 * may hold leaves: df.filter(x.gt(x.mean())).col('y').sum()).
 */
export function embeddedRequests(frames: readonly FrameNode[], requests: readonly ReductionRequest[]): ReductionRequest[] {
  const out: ReductionRequest[] = [];
  const seen = new Set<ReductionRequest>();
  const stack: ReductionRequest[] = [];
  for (const f of frames) stack.push(...frameLeafRequests(f));
  for (const r of requests) stack.push(...leafRequests(r.expr), ...frameLeafRequests(r.frame));
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r)) continue;
    seen.add(r);
    out.push(r);
    stack.push(...leafRequests(r.expr), ...frameLeafRequests(r.frame));
  }
  return out;
}

/** How many rounds of reductions must finish before this request can run (0: none of its inputs is a scalar). */
export function requestDepth(r: ReductionRequest, memo: Map<ReductionRequest, number> = new Map()): number {
  const hit = memo.get(r);
  if (hit !== undefined) return hit;
  let d = 0;
  for (const inner of [...leafRequests(r.expr), ...frameLeafRequests(r.frame)]) d = Math.max(d, requestDepth(inner, memo) + 1);
  memo.set(r, d);
  return d;
}

/**
 * The expression as a task carries it: each scalar leaf's slot becomes `scalarRef(node)` (a Ref to the
 * scalar's value) and each user function of a `map` call is shipped by `ship`. Unchanged when it has neither.
 */
export function bindLeaves(e: ColExpr, scalarRef: (node: ScalarNode) => unknown, ship: (fn: unknown, where: string) => unknown): ColExpr {
  switch (e.t) {
    case 'scalar':
      return { ...e, slot: scalarRef((e.slot as ScalarSlot).node) };
    case 'bin': {
      const l = bindLeaves(e.l, scalarRef, ship);
      const r = bindLeaves(e.r, scalarRef, ship);
      return l === e.l && r === e.r ? e : { ...e, l, r };
    }
    case 'un': {
      const x = bindLeaves(e.x, scalarRef, ship);
      return x === e.x ? e : { ...e, x };
    }
    case 'call': {
      const args = e.args.map((a) => bindLeaves(a, scalarRef, ship));
      const changed = args.some((a, i) => a !== e.args[i]);
      if (e.fn === 'map') {
        const o = e.opts as { fn: { __token: string; fn: unknown } };
        return { ...e, args, opts: { ...o, fn: ship(o.fn.fn, 'Series.map') } };
      }
      return changed ? { ...e, args } : e;
    }
    default:
      return e;
  }
}

/** True when a bound expression calls a function shipped as a module reference (its import is async). */
export function usesModuleUdf(e: ColExpr): boolean {
  switch (e.t) {
    case 'bin':
      return usesModuleUdf(e.l) || usesModuleUdf(e.r);
    case 'un':
      return usesModuleUdf(e.x);
    case 'call':
      return (e.fn === 'map' && (e.opts as { fn: { kind?: string } }).fn.kind === 'module') || e.args.some(usesModuleUdf);
    default:
      return false;
  }
}
