// compute(a, b, ...): the public driver. Each collection argument gives its Output (collection protocol,
// output.ts); all of them go through the one run path (run-path.ts) as ONE optimised graph, and come back
// in argument order. head() and persist() are the same run path with their own way to drive the session.

import type { RecordBatch, Table } from 'apache-arrow';
import { sliceBatch } from '../kernels/take.ts';
import { isPlainObject } from '../scheduler/graph.ts';
import type { Progress } from '../scheduler/progress.ts';
import { type Output, frameOutput, isCollection, outputOf, tableOf } from './output.ts';
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
 * Compute any number of collections in one graph; other arguments are returned as given. The last
 * argument is options when it is a plain object (never a collection): compute(a, b, {scheduler: 'sync'}).
 * Unknown option keys throw a TypeError naming them, so a typo never runs silently with defaults.
 */
export async function compute<const A extends readonly unknown[]>(...given: A): Promise<ComputeResults<A>> {
  const args: unknown[] = [...given];
  const last = args[args.length - 1];
  const options = args.length > 0 && isPlainObject(last) && !isCollection(last) ? (args.pop() as ComputeOptions) : {};
  const settings = runSettings(options);
  const slots: Array<number | null> = [];
  const outputs: Output[] = [];
  for (const a of args) {
    if (isCollection(a)) {
      slots.push(outputs.length);
      outputs.push(outputOf(a));
    } else slots.push(null);
  }
  const results = outputs.length > 0 ? await runOutputs(outputs, settings) : [];
  return args.map((a, i) => (slots[i] === null ? a : results[slots[i]!])) as ComputeResults<A>;
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
  lines.push(...describeKernelChoice(cfg, prepared.graph));
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
