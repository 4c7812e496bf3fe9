// Entry of a piscina worker thread: each call is one batch of tasks (see run-batch.ts).
// piscina first tries require() on this file; under tsx that require compiles it to CommonJS, and a
// static import here would load run-batch and the op registry as CommonJS while ops and user modules
// arrive through import() as ESM: two registries. A dynamic import keeps every module in the one ESM
// graph the caller uses, whichever way this file itself was loaded.
// (thread-batch.ts holds no state and registers nothing, so loading it as CommonJS is harmless.)

import type { BatchRequest, TaskResult } from './protocol.ts';
import { runPublishingStarts } from './thread-batch.ts';

let body: Promise<typeof import('./run-batch.ts')> | null = null;

export default async function runThreadBatch(req: BatchRequest): Promise<TaskResult[]> {
  body ??= import('./run-batch.ts');
  const { runBatch } = await body;
  return runPublishingStarts(runBatch, req);
}
