// Entry of a piscina worker thread: each call is one batch of tasks (see run-batch.ts).
// When the caller times tasks, each task's start is published through the request's shared flag.

import { runBatch } from './run-batch.ts';
import type { BatchRequest, TaskResult } from './protocol.ts';

export default function runThreadBatch(req: BatchRequest): Promise<TaskResult[]> {
  const flag = req.started;
  if (!flag) return runBatch(req);
  return runBatch(req, (i) => {
    Atomics.store(flag, 0, i + 1);
    Atomics.notify(flag, 0);
  });
}
