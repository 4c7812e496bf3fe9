// Entry of the one-file thread-worker bundle (executors/worker-bundle.ts); thread-worker.ts is the entry
// when workers run from the sources.

import './bundled-ops.ts';
import { runBatch } from './run-batch.ts';
import { runPublishingStarts } from './thread-batch.ts';
import type { BatchRequest, TaskResult } from './protocol.ts';

export default function runBundledThreadBatch(req: BatchRequest): Promise<TaskResult[]> {
  return runPublishingStarts(runBatch, req);
}
