// compute(a, b, ...): the public driver. Each collection argument gives its Output (collection protocol,
// output.ts); all of them go through the one run path (run-path.ts) as ONE optimised graph, and come back
// in argument order. head() and persist() are the same run path with their own way to drive the session.

import type { RecordBatch, Table } from 'apache-arrow';
import { sliceBatch } from '../kernels/take.ts';
import { isPlainObject } from '../scheduler/graph.ts';
import { setOwn } from '../kernels/name-records.ts';
import type { Progress } from '../scheduler/progress.ts';
import { type Collection, type Output, frameOutput, isCollection, outputOf, tableOf } from './output.ts';
import { prepare } from './prepare.ts';
import { describeKernelChoice } from '../kernels/gpu/explain.ts';
import { type ComputeOptions, runOutputs, runSettings } from './run-path.ts';
import type { FrameNode } from './plan.ts';
import type { ComputeResults } from './result-types.ts';

export { COLLECTION, type Collection, type Output, isCollection } from './output.ts';
export { type Prepared, prepare } from './prepare.ts';
export { type ComputeOptions, runOutputs } from './run-path.ts';

export type ProgressInfo = Progress;

/**
 * Compute any number of collections in one graph; other arguments are returned as given. Collections inside
 * arrays and plain objects are found too, and come back in the same structure (as dask.compute):
 * compute(d1, [d2, d3], {a: d4}) -> [r1, [r2, r3], {a: r4}]. The last argument is options when it is a plain
 * object with no collection inside (compute(a, b, {scheduler: 'sync'})). Unknown option keys throw a
 * TypeError naming them, so a typo never runs silently with defaults.
 */
export async function compute<const A extends readonly unknown[]>(...given: A): Promise<ComputeResults<A>> {
  const args: unknown[] = [...given];
  const last = args[args.length - 1];
  const options = args.length > 0 && isPlainObject(last) && !isCollection(last) && !holdsCollection(last) ? (args.pop() as ComputeOptions) : {};
  const settings = runSettings(options);
  // Each distinct collection is one output, wherever and however often it appears.
  const index = new Map<unknown, number>();
  const outputs: Output[] = [];
  walk(args, (c) => {
    if (!index.has(c)) {
      index.set(c, outputs.length);
      outputs.push(outputOf(c as Collection));
    }
  });
  const results = outputs.length > 0 ? await runOutputs(outputs, settings) : [];
  return rebuild(args, (c) => results[index.get(c)!]) as ComputeResults<A>;
}

/** Visit every collection inside arrays and plain objects (not inside class instances or collections). */
function walk(x: unknown, visit: (c: unknown) => void, seen = new Set<unknown>()): void {
  if (isCollection(x)) return visit(x);
  if (typeof x !== 'object' || x === null || seen.has(x)) return;
  seen.add(x);
  if (Array.isArray(x)) for (const y of x) walk(y, visit, seen);
  else if (isPlainObject(x)) for (const y of Object.values(x)) walk(y, visit, seen);
}

function holdsCollection(x: unknown): boolean {
  let found = false;
  walk(x, () => (found = true));
  return found;
}

/** The same structure with collections replaced by their results; containers without one are returned as given. */
function rebuild(x: unknown, result: (c: unknown) => unknown): unknown {
  if (isCollection(x)) return result(x);
  if (!holdsCollection(x)) return x;
  if (Array.isArray(x)) return x.map((y) => rebuild(y, result));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x as object)) setOwn(out, k, rebuild((x as Record<string, unknown>)[k], result));
  return out;
}

/** Compute one output (what each collection's compute() calls). */
export async function computeOne<T>(output: Output<T>, options: ComputeOptions = {}): Promise<T> {
  return (await runOutputs([output], options))[0] as T;
}

/** The optimised plan of some outputs and the size of the graph that would run. */
export function explainOutputs(outputs: readonly Output[], options: ComputeOptions = {}): string {
  const cfg = runSettings(options, 'explain()').cfg;
  const prepared = prepare(outputs, cfg);
  const lines: string[] = [];
  prepared.outputs.forEach((o, i) => {
    if (outputs.length > 1) lines.push(`output ${i}:`);
    lines.push(o.explain());
  });
  const ops = new Map<string, number>();
  for (const t of prepared.graph.values()) ops.set(t.op, (ops.get(t.op) ?? 0) + 1);
  lines.push(`tasks: ${prepared.graph.size} (${[...ops].map(([op, n]) => `${n} ${op}`).join(', ')})`);
  // The reduced expressions (and a filter right below), so explain() can say which compile for the GPU.
  const reduced = prepared.outputs.flatMap((o) => o.reductions.map((r) => ({ expr: r.expr, schema: r.frame.schema, ...(r.frame.kind === 'filter' ? { filter: r.frame.predicate, schema: r.frame.input.schema } : {}) })));
  lines.push(...describeKernelChoice(cfg, prepared.graph, reduced));
  return lines.join('\n');
}

const batchesOf = (node: FrameNode): Output<RecordBatch[]> => frameOutput(node, (batches) => batches);

/** The partitions of a frame as batches, in order (persist() keeps them). */
export async function computeBatches(node: FrameNode, options: ComputeOptions = {}): Promise<RecordBatch[]> {
  return (await runOutputs([batchesOf(node)], runSettings(options, 'persist()')))[0] as RecordBatch[];
}

/** First n rows, reading partitions one after another only until n rows are found (like Dask's head, eager). */
export function headOf(node: FrameNode, n: number, options: ComputeOptions = {}): Promise<Table> {
  return runOutputs([batchesOf(node)], runSettings(options, 'head()'), async (prepared, session) => {
    const keys = prepared.outputKeys[0]!;
    session.submit(prepared.graph, keys);
    const batches: RecordBatch[] = [];
    let remaining = n;
    for (const key of keys) {
      if (remaining <= 0) break;
      const batch = (await session.get(key)) as RecordBatch;
      session.release(key);
      const taken = batch.numRows <= remaining ? batch : sliceBatch(batch, 0, remaining);
      remaining -= taken.numRows;
      if (taken.numRows > 0) batches.push(taken);
    }
    return tableOf(batches, prepared.outputs[0]!.frames[0]!.node);
  });
}
