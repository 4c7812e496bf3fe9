// The contract between the scheduler core (run-graph.ts) and the places tasks run: inline, worker
// threads, child processes, a distributed queue. The core decides order and memory; an executor only runs.

import type { Task } from './graph.ts';
import type { RunContext } from './cancel.ts';

export interface Executor {
  /** 'sync', 'threads', 'processes', ... (shown in errors and progress). */
  readonly name: string;
  /** How many tasks the core keeps in flight at once (1 for inline execution). */
  readonly concurrency: number;
  /**
   * Run `task` with `inputs[i]` the value of `task.deps[i]`. An inline executor returns the value itself
   * (no Promise, so a 100k-task graph pays no microtask per task); remote ones return a Promise.
   * `ctx` is the run the task belongs to: when its signal aborts, the executor stops that run's tasks
   * (terminating their workers if they are running) and never touches other runs'; it also enforces
   * `ctx.taskTimeoutMs` per task, rejecting with a TimeoutError.
   */
  run(task: Task, inputs: readonly unknown[], ctx?: RunContext | null): unknown;
  /**
   * A running task now waits for tasks it submitted (nested work): allow one more task to run at once until
   * rejoin(), e.g. by starting one more worker. Without it, tasks that wait could hold every worker.
   */
  secede?(): void;
  rejoin?(): void;
  /** Release pools, processes, connections. Executors may be reused across compute() calls until closed. */
  close?(): Promise<void>;
}
