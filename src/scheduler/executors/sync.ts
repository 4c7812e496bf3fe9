// The inline executor: every task runs in the calling thread, one at a time, in priority order.
// For debugging (breakpoints and stack traces land in your code) and as the reference for other executors.

import type { Executor } from '../executor.ts';
import type { Task } from '../graph.ts';
import { executeTask } from '../execute.ts';
import '../../ops.ts';

export class SyncExecutor implements Executor {
  readonly name = 'sync';
  /** Async ops (file reads) return Promises; allowing one in flight keeps execution strictly sequential. */
  readonly concurrency = 1;
  run(task: Task, inputs: readonly unknown[]): unknown {
    return executeTask(task, inputs);
  }
}
