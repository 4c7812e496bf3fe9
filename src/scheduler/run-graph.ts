// Run one finished graph to the end: a Session (session.ts, the scheduler core) opened for these tasks,
// asked for `outputs`, and closed. Fails fast: the first failing task cancels everything else.

import type { Graph, Key } from './graph.ts';
import type { Executor } from './executor.ts';
import { cull } from './optimize-graph.ts';
import { type RunListener, Session } from './session.ts';

export { type RunListener, type TaskEvent, TaskError, partitionOf } from './session.ts';

export interface RunOptions {
  readonly listeners?: readonly RunListener[];
  /** Skip culling when the caller already culled (compute() does). */
  readonly culled?: boolean;
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
}

/** Run `graph` and resolve to the values of `outputs`. Rejects with TaskError on the first failure. */
export async function runGraph(graph: Graph, outputs: readonly Key[], executor: Executor, options: RunOptions = {}): Promise<Map<Key, unknown>> {
  const session = new Session(executor, { listeners: options.listeners, signal: options.signal });
  try {
    session.submit(options.culled ? graph : cull(graph, outputs), outputs);
    const values = await session.gather(outputs);
    session.close();
    return new Map(outputs.map((k, i) => [k, values[i]]));
  } catch (e) {
    session.cancel(e);
    throw e;
  }
}
