// prepare(): the outputs of one compute() call -> ONE optimised graph. Predicate and projection pushdown see
// every output together (a shared source stays shared), reductions over one frame are fused into one pass
// per partition, then each output lowers itself and the graph is culled and chain-fused. Kind-agnostic:
// outputs come through the collection protocol (output.ts). explain() prints exactly this preparation.

import type { Config } from '../config.ts';
import { type Graph, type Key, type TaskSettings, withSettings } from '../scheduler/graph.ts';
import { cull, fuseLinearChains } from '../scheduler/optimize-graph.ts';
import { GraphBuilder } from './lower.ts';
import type { Output } from './output.ts';
import { type Consumer, pushDownProjections } from './optimize/projection-pushdown.ts';
import { predicatePushdown } from './optimize/predicate-pushdown.ts';
import { type FrameNode, type ReductionRequest, exprColumns, inputsOf } from './plan.ts';
import type { PartitionSource } from './source.ts';
import { supports } from './reductions.ts';
import { describeExpr, exprType, kindOf } from '../expr.ts';
import { embeddedRequests, mapExprFrames } from './scalar-leaf.ts';
import { effectiveBackend } from '../kernels/backend.ts';

/** A prepared computation: the optimised graph, the keys each output needs, and how to finish them. */
export interface Prepared {
  readonly graph: Graph;
  /** Every key some output needs, without repeats. */
  readonly keys: readonly Key[];
  /** The keys of output i, in the order its finish() takes them. */
  readonly outputKeys: readonly (readonly Key[])[];
  /** The outputs over the optimised plan. */
  readonly outputs: readonly Output[];
  /** The sources read: the run path asks them to resolve conflicts (a CSV column wider than sampled). */
  readonly sources: readonly PartitionSource[];
  /** Values by key -> one result per output. */
  finish(values: ReadonlyMap<Key, unknown>): unknown[];
  /** Directories the run must create before running and remove after (shuffle pieces on disk). */
  readonly spillDirs: readonly string[];
}

export function prepare(outputs: readonly Output[], cfg: Config): Prepared {
  // 0. Filters -> sources that can skip data (Parquet row groups).
  const byPredicates = predicatePushdown();
  let outs = outputs.map((o) => o.withFrames(rewriter(byPredicates, false)));
  // 1. Projection pushdown over every output together, so shared sources stay shared. It also rebuilds
  //    the plan from the sources' current schemas, so a column widened by an earlier attempt shows here.
  const consumers: Consumer[] = [];
  for (const o of outs) {
    consumers.push(...o.frames);
    for (const r of o.reductions) consumers.push({ node: r.frame, need: r.other ? new Set([...exprColumns(r.expr), ...exprColumns(r.other)]) : exprColumns(r.expr) });
    // Scalars inside expressions (x.sub(x.mean())) read their frames too.
    for (const r of embeddedRequests(o.frames.map((c) => c.node), o.reductions)) consumers.push({ node: r.frame, need: exprColumns(r.expr) });
  }
  outs = outs.map((o) => o.withFrames(rewriter(pushDownProjections(consumers), true)));

  // 2. Lower: every reduction first (fused per frame), then each output.
  const builder = new GraphBuilder(cfg.splitEvery, cfg.scheduler, cfg.shuffle);
  const embedded = embeddedRequests(outs.flatMap((o) => o.frames.map((c) => c.node)), []);
  builder.reduce([...new Set([...outs.flatMap((o) => o.reductions), ...embedded])]);
  const outputKeys = outs.map((o) => o.lower(builder));
  const keys = [...new Set(outputKeys.flat())];

  // 3. Cull and fuse linear chains (a partition's read -> filter -> partial reduce becomes one task);
  //    tasks carry the settings a worker needs to run them (which kernel backend).
  let graph = fuseLinearChains(cull(builder.graph, keys), keys);
  const backend = effectiveBackend(cfg);
  const settings: TaskSettings | null = backend === 'cpu' ? null : { backend };
  if (settings) graph = withSettings(graph, settings);

  const finish = (values: ReadonlyMap<Key, unknown>): unknown[] => outs.map((o, i) => o.finish(outputKeys[i]!.map((k) => values.get(k))));
  return { graph, keys, outputKeys, outputs: outs, sources: sourcesOf(outs), finish, spillDirs: builder.spillDirs };
}

/** Rewrites frames with `frame`, and requests over them; `check` re-validates each request's type. */
function rewriter(frame: (node: FrameNode) => FrameNode, check: boolean) {
  const requests = new Map<ReductionRequest, ReductionRequest>();
  return {
    frame,
    request(r: ReductionRequest): ReductionRequest {
      let out = requests.get(r);
      if (!out) {
        const f = frame(r.frame);
        const expr = mapExprFrames(r.expr, frame);
        if (check) {
          // A source may have widened a column since the request was written (e.g. to text): check again.
          const type = exprType(expr, f.schema);
          if (!supports(kindOf(type), r.name, type)) throw new TypeError(`${r.name}() no longer applies to ${describeExpr(r.expr)}: the data made it ${String(type)}`);
        }
        out = f === r.frame && expr === r.expr ? r : { ...r, frame: f, expr };
        requests.set(r, out);
      }
      return out;
    },
  };
}

/** Every distinct source under the outputs' frames. */
function sourcesOf(outputs: readonly Output[]): PartitionSource[] {
  const found = new Set<PartitionSource>();
  const seen = new Set<string>();
  const stack: FrameNode[] = outputs.flatMap((o) => [...o.frames.map((c) => c.node), ...o.reductions.map((r) => r.frame)]);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n.token)) continue;
    seen.add(n.token);
    if (n.kind === 'source') found.add(n.source);
    else stack.push(...inputsOf(n));
  }
  return [...found];
}
