// One batch in a worker thread, shared by the source entry (thread-worker.ts) and the bundled one: when
// the caller times tasks, each task's start is published through the request's shared flag.

import type { BatchRequest, TaskResult } from './protocol.ts';

type RunBatch = (req: BatchRequest, onTaskStart?: (index: number) => void) => Promise<TaskResult[]>;

export function runPublishingStarts(runBatch: RunBatch, req: BatchRequest): Promise<TaskResult[]> {
  const flag = req.started;
  if (!flag) return runBatch(req);
  return runBatch(req, (i) => {
    Atomics.store(flag, 0, i + 1);
    Atomics.notify(flag, 0);
  });
}
