// The one scheduler core. Given a graph, the keys wanted and an executor, it runs tasks in priority
// order as their inputs become ready, keeps at most `executor.concurrency` in flight, releases each
// intermediate result once its last reader has run, and tells listeners about every task.
// Inline executors return values synchronously and the loop runs without a microtask per task.

import type { Graph, Key, Task } from './graph.ts';
import type { Executor } from './executor.ts';
import { cull } from './optimize-graph.ts';
import { isInlineOp } from './registry.ts';
import { executeTask } from './execute.ts';
import { order } from './order.ts';
import { AbortError, type RunContext, TimeoutError, isCancellation } from './cancel.ts';

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

/** Binary min-heap of task indices by priority. */
class ReadyQueue {
  private readonly items: number[] = [];
  constructor(private readonly prio: Int32Array) {}
  get size(): number {
    return this.items.length;
  }
  push(t: number): void {
    const { items, prio } = this;
    const p = prio[t]!;
    let i = items.length;
    items.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (prio[items[parent]!]! <= p) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = t;
  }
  pop(): number {
    const { items, prio } = this;
    const top = items[0]!;
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      const p = prio[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && prio[items[r]!]! < prio[items[l]!]! ? r : l;
        if (prio[items[c]!]! >= p) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

export interface RunOptions {
  readonly listeners?: readonly RunListener[];
  /** Skip culling when the caller already culled (compute() does). */
  readonly culled?: boolean;
  /** Cancels the run: its running tasks are stopped (their workers terminated) and it rejects with AbortError. */
  readonly signal?: AbortSignal | null;
  /** A time limit for the run: `at` on the performance.now() clock, `ms` the `timeout` it came from (for messages). */
  readonly deadline?: { readonly at: number; readonly ms: number } | null;
  /** Longest one task may run (config taskTimeout); null = no limit. */
  readonly taskTimeoutMs?: number | null;
  /** What the caller calls this run in messages: 'compute()', 'head()', ... */
  readonly what?: string;
}

/**
 * After a task fails, the run's other tasks still running get this long to finish before their workers
 * are stopped: a fast task is not worth a worker restart, a stuck one must not hold a worker forever.
 */
const FAILED_RUN_GRACE_MS = 2000;

/**
 * Run `graph` and resolve to the values of `outputs`. Rejects with TaskError on the first failure, with
 * AbortError when `signal` aborts and TimeoutError past `deadline` or `taskTimeoutMs` (naming what ran).
 */
export function runGraph(graph: Graph, outputs: readonly Key[], executor: Executor, options: RunOptions = {}): Promise<Map<Key, unknown>> {
  const g = options.culled ? graph : cull(graph, outputs);
  const listeners = options.listeners ?? [];
  const priorityByKey = order(g, outputs);
  // Work on dense integer ids: string-keyed maps in the hot loop cost more than the tasks themselves.
  const tasks: Task[] = [...g.values()];
  const total = tasks.length;
  const id = new Map<Key, number>();
  tasks.forEach((t, i) => id.set(t.key, i));
  const prio = new Int32Array(total);
  const waiting = new Int32Array(total);
  const readers = new Int32Array(total);
  const deps: Int32Array[] = new Array(total);
  const dependents: number[][] = Array.from({ length: total }, () => []);
  const wanted = new Uint8Array(total);
  for (const k of outputs) wanted[id.get(k)!] = 1;
  const ready = new ReadyQueue(prio);
  for (let i = 0; i < total; i++) {
    const t = tasks[i]!;
    prio[i] = priorityByKey.get(t.key)!;
    const d = new Int32Array(t.deps.length);
    for (let j = 0; j < d.length; j++) {
      const di = id.get(t.deps[j]!)!;
      d[j] = di;
      readers[di]! += 1;
      dependents[di]!.push(i);
    }
    deps[i] = d;
    waiting[i] = d.length;
  }
  for (let i = 0; i < total; i++) if (waiting[i] === 0) ready.push(i);
  const values: unknown[] = new Array(total);
  for (const l of listeners) l.onStart?.({ total, executor: executor.name });

  return new Promise<Map<Key, unknown>>((resolve, reject) => {
    let inFlight = 0;
    let done = 0;
    let failed = false;
    let pumping = false;
    // The run's own switch, handed to the executor with every task: aborting it stops this run's tasks only.
    const stopRun = new AbortController();
    const ctx: RunContext = { signal: stopRun.signal, taskTimeoutMs: options.taskTimeoutMs ?? null };
    const running = new Set<number>();
    const what = options.what ?? 'compute()';
    const external = options.signal ?? null;
    const deadline = options.deadline ?? null;
    let deadlineTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const runningTasks = (): Task[] => [...running].map((i) => tasks[i]!);

    const settleFailure = (e: Error): void => {
      failed = true;
      cleanup();
      for (const l of listeners) l.onFinish?.({ total, error: e });
      if (isCancellation(e)) stopRun.abort(e);
      else if (inFlight > 0) graceTimer = setTimeout(() => stopRun.abort(e), FAILED_RUN_GRACE_MS).unref();
      reject(e);
    };
    const fail = (t: Task, err: unknown): void => {
      if (failed) return;
      settleFailure(err instanceof TaskError || err instanceof TimeoutError ? err : new TaskError(t, err, executor.name));
    };
    const onAbort = (): void => {
      if (!failed) settleFailure(new AbortError(what, runningTasks(), external!.reason));
    };
    const onDeadline = (): void => {
      if (!failed) settleFailure(TimeoutError.ofRun(what, deadline!.ms, runningTasks()));
    };
    const cleanup = (): void => {
      external?.removeEventListener('abort', onAbort);
      clearTimeout(deadlineTimer);
    };
    if (external?.aborted) return onAbort();
    if (deadline && performance.now() >= deadline.at) return onDeadline();
    external?.addEventListener('abort', onAbort, { once: true });
    if (deadline) deadlineTimer = setTimeout(onDeadline, Math.max(0, deadline.at - performance.now()));

    const finish = (i: number, value: unknown): void => {
      done += 1;
      values[i] = value;
      const d = deps[i]!;
      for (let j = 0; j < d.length; j++) {
        const di = d[j]!;
        if (--readers[di]! === 0 && wanted[di] === 0) {
          values[di] = undefined;
          if (listeners.length > 0) for (const l of listeners) l.onRelease?.(tasks[di]!.key);
        }
      }
      const ds = dependents[i]!;
      for (let j = 0; j < ds.length; j++) {
        const k = ds[j]!;
        if (--waiting[k]! === 0) ready.push(k);
      }
      if (listeners.length > 0) for (const l of listeners) l.onTaskFinish?.({ task: tasks[i]!, done, total });
    };

    const pump = (): void => {
      if (pumping) return; // re-entrancy from a synchronously settled task: the running loop picks it up
      pumping = true;
      try {
        while (!failed && ready.size > 0 && inFlight < executor.concurrency) {
          // Inline runs never yield to timers or abort events: check by hand between tasks.
          if (external?.aborted) return onAbort();
          if (deadline && performance.now() >= deadline.at) return onDeadline();
          const i = ready.pop();
          const t = tasks[i]!;
          const d = deps[i]!;
          const inputs = new Array(d.length);
          for (let j = 0; j < d.length; j++) inputs[j] = values[d[j]!];
          if (listeners.length > 0) for (const l of listeners) l.onTaskStart?.(t);
          let result: unknown;
          try {
            result = isInlineOp(t.op) ? executeTask(t, inputs) : executor.run(t, inputs, ctx);
          } catch (err) {
            fail(t, err);
            return;
          }
          if (result instanceof Promise) {
            inFlight += 1;
            running.add(i);
            const settled = (): void => {
              inFlight -= 1;
              running.delete(i);
              if (failed && inFlight === 0) clearTimeout(graceTimer);
            };
            result.then(
              (v) => {
                settled();
                if (failed) return;
                finish(i, v);
                pump();
              },
              (err) => {
                settled();
                fail(t, err);
              },
            );
          } else {
            finish(i, result);
          }
        }
      } finally {
        pumping = false;
      }
      if (!failed && done === total) {
        cleanup();
        for (const l of listeners) l.onFinish?.({ total });
        const out = new Map<Key, unknown>();
        for (const k of outputs) out.set(k, values[id.get(k)!]);
        resolve(out);
      } else if (!failed && inFlight === 0 && ready.size === 0) {
        fail(tasks[0]!, new Error(`scheduler stalled with ${total - done} tasks not run (missing dependency?)`));
      }
    };
    pump();
  });
}
