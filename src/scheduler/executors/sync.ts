// The inline executor: every task runs in the calling thread, one at a time, in priority order.
// For debugging (breakpoints and stack traces land in your code) and as the reference for other executors.

import type { Executor } from '../executor.ts';
import type { Task } from '../graph.ts';
import { executeTask } from '../execute.ts';
import '../../ops.ts';
import { collectIfGrown } from '../worker/shared-gc.ts';
import { type RunContext, TimeoutError } from '../cancel.ts';

export class SyncExecutor implements Executor {
  readonly name = 'sync';
  /** Async ops (file reads) return Promises; allowing one in flight keeps execution strictly sequential. */
  readonly concurrency = 1;
  private lastCheck = 0;
  run(task: Task, inputs: readonly unknown[], ctx: RunContext | null = null): unknown {
    // Dropped partitions live in SharedArrayBuffers, which V8's GC heuristics ignore: look at resident
    // memory now and then (a time check costs ~50 ns; tiny tasks must stay cheap) and collect if it grew.
    const now = performance.now();
    if (now - this.lastCheck > 25) {
      this.lastCheck = now;
      collectIfGrown();
    }
    const result = executeTask(task, inputs);
    // In the calling thread only asynchronous work can be timed out: a synchronous loop holds the thread
    // (that is what the threads and processes schedulers are for).
    const limit = ctx?.taskTimeoutMs ?? null;
    if (limit === null || !(result instanceof Promise)) return result;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(TimeoutError.ofTask(task, limit, 'sync')), limit);
      result.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}
