// Entry of a piscina worker thread: each call is one batch of tasks (see run-batch.ts).
// piscina first tries require() on this file; under tsx that require compiles it to CommonJS, and a
// static import here would load run-batch and the op registry as CommonJS while ops and user modules
// arrive through import() as ESM: two registries. A dynamic import keeps every module in the one ESM
// graph the caller uses, whichever way this file itself was loaded.
// When the caller times tasks, each task's start is published through the request's shared flag.

import type { BatchRequest, TaskResult } from './protocol.ts';

let body: Promise<typeof import('./run-batch.ts')> | null = null;

export default async function runThreadBatch(req: BatchRequest): Promise<TaskResult[]> {
  body ??= import('./run-batch.ts');
  const { runBatch } = await body;
  const flag = req.started;
  if (!flag) return runBatch(req);
  return runBatch(req, (i) => {
    Atomics.store(flag, 0, i + 1);
    Atomics.notify(flag, 0);
  });
}
