// The one scheduler core. Given a graph, the keys wanted and an executor, it runs tasks in priority
// order as their inputs become ready, keeps at most `executor.concurrency` in flight, releases each
// intermediate result once its last reader has run, and tells listeners about every task.
// Inline executors return values synchronously and the loop runs without a microtask per task.

import type { Graph, Key, Task } from './graph.ts';
import type { Executor } from './executor.ts';
import { cull, dependentCounts } from './optimize-graph.ts';
import { order } from './order.ts';

export interface TaskEvent {
  readonly task: Task;
  /** Ordinal among this run's tasks, and the total, for progress reporting. */
  readonly done: number;
  readonly total: number;
}

export interface RunListener {
  onStart?(info: { total: number; executor: string }): void;
  onTaskStart?(task: Task): void;
  onTaskFinish?(event: TaskEvent): void;
  /** An intermediate result was dropped (its last reader ran). */
  onRelease?(key: Key): void;
  onFinish?(info: { total: number; error?: unknown }): void;
}

/** A task failed: names the task, its op and partition, and keeps the original error as `cause`. */
export class TaskError extends Error {
  readonly key: Key;
  readonly op: string;
  readonly partition: number | null;
  constructor(task: Task, cause: unknown, executor: string) {
    const partition = partitionOf(task.key);
    const original = cause instanceof Error ? cause.message : String(cause);
    super(
      `task '${task.key}' (op ${describeOp(task)}${partition === null ? '' : `, partition ${partition}`}) failed on the ` +
        `'${executor}' scheduler: ${original}`,
      { cause },
    );
    this.name = 'TaskError';
    this.key = task.key;
    this.op = task.op;
    this.partition = partition;
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

function describeOp(task: Task): string {
  if (task.op !== 'tessera.chain') return task.op;
  const steps = task.args[0] as Array<{ op: string }>;
  return `chain ${steps.map((s) => s.op).join(' > ')}`;
}

/** Keys of partition tasks end in `#<index>` (see collections/lower.ts). */
export function partitionOf(key: Key): number | null {
  const m = /#(\d+)$/.exec(key);
  return m ? Number(m[1]) : null;
}

/** Binary min-heap of keys by priority. */
class ReadyQueue {
  private readonly keys: Key[] = [];
  private readonly prios: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: Key, prio: number): void {
    const { keys, prios } = this;
    let i = keys.length;
    keys.push(key);
    prios.push(prio);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (prios[p]! <= prio) break;
      keys[i] = keys[p]!;
      prios[i] = prios[p]!;
      i = p;
    }
    keys[i] = key;
    prios[i] = prio;
  }
  pop(): Key {
    const { keys, prios } = this;
    const top = keys[0]!;
    const lastKey = keys.pop()!;
    const lastPrio = prios.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && prios[r]! < prios[l]! ? r : l;
        if (prios[c]! >= lastPrio) break;
        keys[i] = keys[c]!;
        prios[i] = prios[c]!;
        i = c;
      }
      keys[i] = lastKey;
      prios[i] = lastPrio;
    }
    return top;
  }
}

export interface RunOptions {
  readonly listeners?: readonly RunListener[];
  /** Skip culling when the caller already culled (compute() does). */
  readonly culled?: boolean;
}

/** Run `graph` and resolve to the values of `outputs`. Rejects with TaskError on the first failure. */
export function runGraph(graph: Graph, outputs: readonly Key[], executor: Executor, options: RunOptions = {}): Promise<Map<Key, unknown>> {
  const g = options.culled ? graph : cull(graph, outputs);
  const listeners = options.listeners ?? [];
  const priority = order(g, outputs);
  const total = g.size;
  const wanted = new Set(outputs);
  const readers = dependentCounts(g);
  const waiting = new Map<Key, number>();
  const dependents = new Map<Key, Key[]>();
  const ready = new ReadyQueue();
  for (const t of g.values()) {
    waiting.set(t.key, t.deps.length);
    if (t.deps.length === 0) ready.push(t.key, priority.get(t.key)!);
    for (const d of t.deps) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(t.key);
    }
  }
  const values = new Map<Key, unknown>();
  for (const l of listeners) l.onStart?.({ total, executor: executor.name });

  return new Promise<Map<Key, unknown>>((resolve, reject) => {
    let inFlight = 0;
    let done = 0;
    let failed = false;
    let pumping = false;

    const fail = (t: Task, err: unknown): void => {
      if (failed) return;
      failed = true;
      const e = err instanceof TaskError ? err : new TaskError(t, err, executor.name);
      for (const l of listeners) l.onFinish?.({ total, error: e });
      reject(e);
    };

    const finish = (t: Task, value: unknown): void => {
      done += 1;
      values.set(t.key, value);
      for (const d of t.deps) {
        const left = readers.get(d)! - 1;
        readers.set(d, left);
        if (left === 0 && !wanted.has(d)) {
          values.delete(d);
          for (const l of listeners) l.onRelease?.(d);
        }
      }
      const ds = dependents.get(t.key);
      if (ds) {
        for (const k of ds) {
          const w = waiting.get(k)! - 1;
          waiting.set(k, w);
          if (w === 0) ready.push(k, priority.get(k)!);
        }
      }
      if (listeners.length > 0) for (const l of listeners) l.onTaskFinish?.({ task: t, done, total });
    };

    const pump = (): void => {
      if (pumping) return; // re-entrancy from a synchronously settled task: the running loop picks it up
      pumping = true;
      try {
        while (!failed && ready.size > 0 && inFlight < executor.concurrency) {
          const t = g.get(ready.pop())!;
          const inputs = t.deps.map((d) => values.get(d));
          if (listeners.length > 0) for (const l of listeners) l.onTaskStart?.(t);
          let result: unknown;
          try {
            result = executor.run(t, inputs);
          } catch (err) {
            fail(t, err);
            return;
          }
          if (result instanceof Promise) {
            inFlight += 1;
            result.then(
              (v) => {
                inFlight -= 1;
                if (failed) return;
                finish(t, v);
                pump();
              },
              (err) => {
                inFlight -= 1;
                fail(t, err);
              },
            );
          } else {
            finish(t, result);
          }
        }
      } finally {
        pumping = false;
      }
      if (!failed && done === total) {
        for (const l of listeners) l.onFinish?.({ total });
        const out = new Map<Key, unknown>();
        for (const k of outputs) out.set(k, values.get(k));
        resolve(out);
      } else if (!failed && inFlight === 0 && ready.size === 0) {
        fail(g.values().next().value as Task, new Error(`scheduler stalled with ${total - done} tasks not run (missing dependency?)`));
      }
    };
    pump();
  });
}
