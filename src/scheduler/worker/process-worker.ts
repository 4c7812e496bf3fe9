// Entry of a worker process (the 'processes' scheduler): receives batches over the IPC channel,
// answers with one result per task. Arrow data arrives and leaves as Arrow IPC bytes (a copy).

import { runBatch } from './run-batch.ts';
import type { BatchRequest, TaskResult } from './protocol.ts';
import { serializeError } from '../remote-errors.ts';

interface Incoming {
  readonly id: number;
  readonly req: BatchRequest;
}

process.on('message', async (msg: Incoming) => {
  const results = await runBatch(msg.req);
  try {
    process.send!({ id: msg.id, results });
  } catch (err) {
    // A result V8 cannot serialise (a function, a class with private state): report it per task.
    const error = serializeError(new TypeError(`a task result cannot be sent back from a worker process: ${(err as Error).message}`));
    const failed: TaskResult[] = results.map((r) => (r.ok ? { ok: false, error, ms: r.ms } : r));
    process.send!({ id: msg.id, results: failed });
  }
});

// The parent went away (crashed or closed the pool): nothing left to do.
process.on('disconnect', () => process.exit(0));
