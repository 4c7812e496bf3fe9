// Entry of a `tessera worker` thread (piscina): each call runs one BullMQ job's batch of tasks (run-job.ts).
// The body is imported dynamically so that it joins the one ESM module graph the ops and user modules load
// into, however piscina loaded this file (see ../worker/thread-worker.ts).

import type { JobRequest } from './run-job.ts';

let body: Promise<typeof import('./run-job.ts')> | null = null;

export default async function runJobThread(req: JobRequest): Promise<string> {
  body ??= import('./run-job.ts');
  return (await body).runJob(req);
}
