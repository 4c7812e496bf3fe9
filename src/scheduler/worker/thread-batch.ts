// One batch in a worker thread, shared by the source entry (thread-worker.ts) and the bundled one. The
// batch's control word (BatchRequest.control in protocol.ts) says whether the caller cancelled it while it waited
// in this thread's queue, and tells the caller which thread runs it; when the caller times tasks, each
// task's start is published through the request's shared flag.

import { threadId } from 'node:worker_threads';
import { BATCH_QUEUED, BATCH_RUNNING, BATCH_DONE, BATCH_STATE, BATCH_THREAD, type BatchRequest, type TaskResult } from './protocol.ts';

type RunBatch = (req: BatchRequest, onTaskStart?: (index: number) => void) => Promise<TaskResult[]>;

export function runPublishingStarts(runBatch: RunBatch, req: BatchRequest): Promise<TaskResult[]> {
  const control = req.control;
  if (control) {
    Atomics.store(control, BATCH_THREAD, threadId);
    // Cancelled before it started: nothing runs, and nobody waits for the (empty) answer.
    if (Atomics.compareExchange(control, BATCH_STATE, BATCH_QUEUED, BATCH_RUNNING) !== BATCH_QUEUED) return Promise.resolve([]);
  }
  const flag = req.started;
  const run = flag
    ? runBatch(req, (i) => {
        Atomics.store(flag, 0, i + 1);
        Atomics.notify(flag, 0);
      })
    : runBatch(req);
  if (!control) return run;
  const done = (): void => void Atomics.store(control, BATCH_STATE, BATCH_DONE);
  run.then(done, done);
  return run;
}
