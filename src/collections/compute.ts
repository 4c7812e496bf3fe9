// compute(a, b, ...): several collections -> ONE optimised graph -> one run -> results in argument order.
// Shared sub-plans share keys, projections are pushed into sources, sibling reductions over one frame
// are fused into one pass per partition, then the graph is culled, chain-fused and handed to the
// configured scheduler. The same preparation backs explain(), so what it prints is what runs.

import { Table, type RecordBatch, type Vector } from 'apache-arrow';
import { type Config, type ConfigOptions, resolveConfig } from '../config.ts';
import { type Progress, progressListeners } from '../scheduler/progress.ts';
import { type Graph, type Key, ref, task } from '../scheduler/graph.ts';
import { tokenize } from '../scheduler/tokenize.ts';
import { cull, fuseLinearChains } from '../scheduler/optimize-graph.ts';
import { type RunListener, runGraph } from '../scheduler/run-graph.ts';
import { getExecutor } from '../scheduler/get-executor.ts';
import { emptyBatch } from '../kernels/arrow-build.ts';
import { sliceBatch } from '../kernels/take.ts';
import { GraphBuilder, requestsOf } from './lower.ts';
import { type Consumer, pushDownProjections } from './optimize/projection-pushdown.ts';
import { pushDownPredicates } from './optimize/predicate-pushdown.ts';
import { type ApplyNode, type FrameNode, type RecordNode, type ReductionRequest, type ScalarNode, describePlan, exprColumns } from './plan.ts';
import { assembleApplied } from './apply-result.ts';
import { withSchemaRetry } from './schema-conflicts.ts';
import { supports } from './reductions.ts';
import { describeExpr, exprType, kindOf } from './expr.ts';
import type { ComputeResults } from './result-types.ts';

/** Brand shared by every lazy collection (Symbol.for: survives duplicate copies of the library). */
export const COLLECTION = Symbol.for('tessera.collection');

export type OutputPlan =
  | { readonly kind: 'frame'; readonly node: FrameNode }
  | { readonly kind: 'series'; readonly node: FrameNode; readonly name: string }
  | { readonly kind: 'scalar'; readonly node: ScalarNode }
  | { readonly kind: 'record'; readonly node: RecordNode }
  | { readonly kind: 'applied'; readonly node: ApplyNode };

export interface Collection {
  readonly [COLLECTION]: true;
  /** The plan of this collection's result (internal). */
  _output(): OutputPlan;
}

export function isCollection(x: unknown): x is Collection {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[COLLECTION] === true;
}

export type ProgressInfo = Progress;

/** Options accepted by compute() and by each collection's compute()/toArrow(). */
export interface ComputeOptions extends ConfigOptions {
  /** Called after every finished task with tasks done / total, bytes read where known, elapsed time. */
  onProgress?: (p: Progress) => void;
  /** Extra scheduler listeners (tests, tracing). */
  listeners?: readonly RunListener[];
}

const OPTION_KEYS = new Set(['scheduler', 'numWorkers', 'chunksize', 'splitEvery', 'progress', 'workerModules', 'workerMemoryLimitMb', 'onProgress', 'listeners']);

function isOptions(x: unknown): x is ComputeOptions {
  if (typeof x !== 'object' || x === null || isCollection(x) || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return (proto === Object.prototype || proto === null) && Object.keys(x).every((k) => OPTION_KEYS.has(k));
}

/** A prepared computation: the optimised graph, the keys to run, and how to turn values into results. */
export interface Prepared {
  readonly graph: Graph;
  readonly keys: readonly Key[];
  readonly plans: readonly OutputPlan[];
  finish(values: ReadonlyMap<Key, unknown>): unknown[];
}

export function prepare(plans: readonly OutputPlan[], cfg: Config): Prepared {
  plans = pushDownPredicates(plans); // 0. filters -> sources that can skip data (optimize/predicate-pushdown.ts)
  // 1. Projection pushdown over every output together, so shared sources stay shared.
  const consumers: Consumer[] = [];
  const requests: ReductionRequest[] = [];
  for (const p of plans) {
    if (p.kind === 'frame' || p.kind === 'series') consumers.push({ node: p.node, need: null });
    else if (p.kind === 'applied') consumers.push({ node: p.node.input, need: null });
    else requests.push(...(p.kind === 'scalar' ? requestsOf(p.node) : p.node.requests));
  }
  for (const r of requests) consumers.push({ node: r.frame, need: exprColumns(r.expr) });
  const rewrite = pushDownProjections(consumers);
  const rewritten = new Map<ReductionRequest, ReductionRequest>();
  for (const r of requests) {
    if (rewritten.has(r)) continue;
    const frame = rewrite(r.frame);
    // A source may have widened a column since the request was written (e.g. to text): check again.
    const type = exprType(r.expr, frame.schema);
    if (!supports(kindOf(type), r.name)) throw new TypeError(`${r.name}() no longer applies to ${describeExpr(r.expr)}: the data made it ${String(type)}`);
    rewritten.set(r, { ...r, frame });
  }
  const rewriteScalar = (n: ScalarNode): ScalarNode =>
    n.kind === 'reduce'
      ? { kind: 'reduce', request: rewritten.get(n.request)! }
      : { ...n, l: typeof n.l === 'number' ? n.l : rewriteScalar(n.l), r: typeof n.r === 'number' ? n.r : rewriteScalar(n.r) };
  const optimised: OutputPlan[] = plans.map((p) => {
    switch (p.kind) {
      case 'frame':
        return { kind: 'frame', node: rewrite(p.node) };
      case 'series':
        return { kind: 'series', node: rewrite(p.node), name: p.name };
      case 'scalar':
        return { kind: 'scalar', node: rewriteScalar(p.node) };
      case 'record':
        return { kind: 'record', node: { names: p.node.names, requests: p.node.requests.map((r) => rewritten.get(r)!) } };
      case 'applied':
        return { kind: 'applied', node: { ...p.node, input: rewrite(p.node.input) } };
    }
  });

  // 2. Lower to tasks: all reductions first (fused per frame), then outputs.
  const builder = new GraphBuilder(cfg.splitEvery, cfg.scheduler);
  builder.reduce([...rewritten.values()]);
  const outputKeys: Array<Key[]> = optimised.map((p) => {
    switch (p.kind) {
      case 'frame':
      case 'series':
        return builder.frame(p.node);
      case 'scalar':
        return [builder.scalar(p.node)];
      case 'record':
        return [builder.record(p.node)];
      case 'applied':
        return builder.applied(p.node);
    }
  });
  const keys = [...new Set(outputKeys.flat())];

  // 3. Cull and fuse linear chains (a partition's read -> filter -> partial reduce becomes one task).
  const graph = fuseLinearChains(cull(builder.graph, keys), keys);

  const finish = (values: ReadonlyMap<Key, unknown>): unknown[] =>
    optimised.map((p, i) => {
      const ks = outputKeys[i]!;
      switch (p.kind) {
        case 'frame':
          return toTable(p.node, ks.map((k) => values.get(k) as RecordBatch));
        case 'series':
          return toTable(p.node, ks.map((k) => values.get(k) as RecordBatch)).getChild(p.name) as Vector;
        case 'applied':
          return assembleApplied(ks.map((k) => values.get(k) as RecordBatch | null), p.node);
        default:
          return values.get(ks[0]!);
      }
    });
  return { graph, keys, plans: optimised, finish };
}

function toTable(node: FrameNode, batches: RecordBatch[]): Table {
  return new Table(batches.length > 0 ? batches : [emptyBatch(node.schema)]);
}

/** The settings of one call, and the listeners it asked for (progress bar, onProgress, extras). */
function callSettings(options: ComputeOptions): { cfg: Config; listeners: RunListener[] } {
  const { onProgress, listeners = [], ...configOptions } = options;
  const cfg = resolveConfig(configOptions);
  return { cfg, listeners: [...listeners, ...progressListeners({ progress: cfg.progress, onProgress })] };
}

/** Run prepared work on the configured scheduler. */
export async function run(plans: readonly OutputPlan[], options: ComputeOptions = {}): Promise<unknown[]> {
  const { cfg, listeners } = callSettings(options);
  // A source may widen a column's type mid-run (see schema-conflicts.ts): prepare again and restart.
  return withSchemaRetry(async () => {
    const prepared = prepare(plans, cfg);
    const values = await runGraph(prepared.graph, prepared.keys, getExecutor(cfg), { listeners, culled: true });
    return prepared.finish(values);
  });
}

/**
 * Compute any number of collections in one graph. Non-collection arguments are returned as given.
 * A plain options object may come last: compute(a, b, {scheduler: 'sync'}).
 */
export async function compute<const A extends readonly unknown[]>(...given: A): Promise<ComputeResults<A>> {
  const args: unknown[] = [...given];
  const options = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as ComputeOptions) : {};
  const slots: Array<number | null> = [];
  const plans: OutputPlan[] = [];
  for (const a of args) {
    if (isCollection(a)) {
      slots.push(plans.length);
      plans.push(a._output());
    } else slots.push(null);
  }
  const results = plans.length > 0 ? await run(plans, options) : [];
  return args.map((a, i) => (slots[i] === null ? a : results[slots[i]!])) as ComputeResults<A>;
}

/** The optimised plan of some outputs and the size of the graph that would run. */
export function explainPlans(plans: readonly OutputPlan[], options: ComputeOptions = {}): string {
  const prepared = prepare(plans, callSettings(options).cfg);
  const lines: string[] = [];
  prepared.plans.forEach((p, i) => {
    if (plans.length > 1) lines.push(`output ${i}:`);
    switch (p.kind) {
      case 'frame':
        lines.push(describePlan(p.node));
        break;
      case 'series':
        lines.push(`series '${p.name}'`, describePlan(p.node, '  '));
        break;
      case 'applied':
        lines.push(`groupby [${p.node.keys.join(', ')}] ${p.node.mode} ${typeof p.node.fn === 'function' ? p.node.fn.name || 'function' : 'module function'} over ${p.node.nbuckets} shuffle buckets`, describePlan(p.node.input, '  '));
        break;
      case 'scalar':
      case 'record': {
        const reqs = p.kind === 'scalar' ? requestsOf(p.node) : p.node.requests;
        const frames = new Map(reqs.map((r) => [r.frame.token, r.frame]));
        lines.push(`reduce ${reqs.map((r) => `${r.name}(${describeExpr(r.expr)})`).join(', ')}`);
        for (const f of frames.values()) lines.push(describePlan(f, '  '));
        break;
      }
    }
  });
  const ops = new Map<string, number>();
  for (const t of prepared.graph.values()) ops.set(t.op, (ops.get(t.op) ?? 0) + 1);
  lines.push(`tasks: ${prepared.graph.size} (${[...ops].map(([op, n]) => `${n} ${op}`).join(', ')})`);
  return lines.join('\n');
}

/** The partitions of a frame as batches, in order (persist() keeps them). */
export async function computeBatches(node: FrameNode, options: ComputeOptions = {}): Promise<RecordBatch[]> {
  const { cfg, listeners } = callSettings(options);
  return withSchemaRetry(async () => {
    const prepared = prepare([{ kind: 'frame', node }], cfg);
    const values = await runGraph(prepared.graph, prepared.keys, getExecutor(cfg), { listeners, culled: true });
    return prepared.keys.map((k) => values.get(k) as RecordBatch);
  });
}

/** First n rows, reading partitions one after another only until n rows are found (like Dask's head, eager). */
export async function headOf(node: FrameNode, n: number, options: ComputeOptions = {}): Promise<Table> {
  const { cfg, listeners } = callSettings(options);
  return withSchemaRetry(() => headOnce(node, n, cfg, listeners));
}

async function headOnce(node: FrameNode, n: number, cfg: Config, listeners: RunListener[]): Promise<Table> {
  const prepared = prepare([{ kind: 'frame', node }], cfg);
  const executor = getExecutor(cfg);
  const batches: RecordBatch[] = [];
  let remaining = n;
  for (const key of prepared.keys) {
    if (remaining <= 0) break;
    const values = await runGraph(cull(prepared.graph, [key]), [key], executor, { listeners, culled: true });
    const batch = values.get(key) as RecordBatch;
    const taken = batch.numRows <= remaining ? batch : sliceBatch(batch, 0, remaining);
    remaining -= taken.numRows;
    batches.push(taken);
  }
  return new Table(concatNonEmpty(node, batches));
}

function concatNonEmpty(node: FrameNode, batches: RecordBatch[]): RecordBatch[] {
  const nonEmpty = batches.filter((b) => b.numRows > 0);
  return nonEmpty.length > 0 ? nonEmpty : [emptyBatch(node.schema)];
}

/**
 * Run `op` on every partition of a frame inside the graph (writers: each partition is written by the task
 * that computed it, in parallel, and released right after). Resolves to each task's value, in order.
 */
export async function mapPartitions(node: FrameNode, op: string, extraArgs: (i: number) => unknown[], options: ComputeOptions = {}): Promise<unknown[]> {
  const { cfg, listeners } = callSettings(options);
  return withSchemaRetry(() => mapPartitionsOnce(node, op, extraArgs, cfg, listeners));
}

async function mapPartitionsOnce(node: FrameNode, op: string, extraArgs: (i: number) => unknown[], cfg: Config, listeners: RunListener[]): Promise<unknown[]> {
  const prepared = prepare([{ kind: 'frame', node }], cfg);
  const graph = new Map(prepared.graph);
  const sinks = prepared.keys.map((k, i) => {
    const args = extraArgs(i);
    const key = `${tokenize(`sink-${op}`, k, args)}#${i}`;
    graph.set(key, task(key, op, [ref(k), ...args]));
    return key;
  });
  const values = await runGraph(fuseLinearChains(graph, sinks), sinks, getExecutor(cfg), { listeners, culled: true });
  return sinks.map((k) => values.get(k));
}
