// The collection protocol: what compute() needs from any lazy value. A collection has one branded method,
// [COLLECTION](), returning an Output; compute.ts, prepare.ts and run-path.ts drive Outputs without knowing
// which kind of collection made them, so a new kind (an array, a delayed value) touches only its own files.

import { type RecordBatch, Table } from 'apache-arrow';
import type { Key } from '../scheduler/graph.ts';
import { emptyBatch } from '../kernels/arrow-build.ts';
import { relabelBatch } from '../kernels/dictionary-ids.ts';
import type { GraphBuilder } from './lower.ts';
import type { Consumer } from './optimize/projection-pushdown.ts';
import { type FrameNode, type ReductionRequest, describePlan } from './plan.ts';
import { describeExpr } from '../expr.ts';

/** Brand of every lazy collection. Symbol.for, so two copies of tessera in one process recognise each other's. */
export const COLLECTION = Symbol.for('tessera.collection');

/** Anything compute() accepts: `value[COLLECTION]()` describes what to compute and how to finish it. */
export interface Collection {
  [COLLECTION](): Output;
}

export function isCollection(x: unknown): x is Collection {
  return typeof x === 'object' && x !== null && typeof (x as Record<symbol, unknown>)[COLLECTION] === 'function';
}

/** How an output's plan is rewritten by the optimiser: every frame and every reduction request it holds. */
export interface FrameRewrite {
  frame(node: FrameNode): FrameNode;
  request(r: ReductionRequest): ReductionRequest;
}

/**
 * One result of a compute() call. prepare() sees every output of the call together:
 * 1. `frames` and `reductions` tell the optimiser passes what is read (projection and predicate pushdown
 *    work across outputs, so a source shared by two outputs is read once);
 * 2. `withFrames` returns the output over the rewritten plan;
 * 3. reductions of all outputs are lowered first, fused per frame; then `lower` emits this output's tasks
 *    (the builder shares identical work by key) and returns the keys it needs;
 * 4. `finish` turns the values of those keys, in order, into the user's result.
 */
export interface Output<T = unknown> {
  /** Frames read directly, with the columns needed (null = all). Frames of `reductions` are implied. */
  readonly frames: readonly Consumer[];
  /** Column reductions to lower fused with every other output's over the same frame (one scan per partition). */
  readonly reductions: readonly ReductionRequest[];
  withFrames(rewrite: FrameRewrite): Output<T>;
  lower(builder: GraphBuilder): Key[];
  finish(values: readonly unknown[]): T;
  /** Lines for explain(). */
  explain(): string;
}

/** The Output of a collection. */
export function outputOf(c: Collection): Output {
  return c[COLLECTION]();
}

/** An output that is a frame's partitions, finished by `finish` (a Table, one column, the batches...). */
export function frameOutput<T>(node: FrameNode, finish: (batches: RecordBatch[], node: FrameNode) => T, explain: (node: FrameNode) => string = (n) => describePlan(n)): Output<T> {
  return {
    frames: [{ node, need: null }],
    reductions: [],
    withFrames: (rw) => frameOutput(rw.frame(node), finish, explain),
    lower: (builder) => builder.frame(node),
    finish: (values) => finish(values as RecordBatch[], node),
    explain: () => explain(node),
  };
}

/** A frame's partitions as one Table (an empty one of the right schema when there are none). */
export function tableOf(batches: readonly RecordBatch[], node: FrameNode): Table {
  if (batches.length === 0) return new Table([emptyBatch(node.schema)]);
  // Partitions of different origins may number their dictionary types differently (dictionary-ids.ts).
  const schema = batches[0]!.schema;
  return new Table(batches.map((b) => relabelBatch(b, schema)));
}

/** explain() lines of some reductions: what is reduced, then each distinct frame. */
export function describeReductions(requests: readonly ReductionRequest[]): string {
  const frames = new Map(requests.map((r) => [r.frame.token, r.frame]));
  return [`reduce ${requests.map((r) => `${r.name}(${describeExpr(r.expr)})`).join(', ')}`, ...[...frames.values()].map((f) => describePlan(f, '  '))].join('\n');
}
