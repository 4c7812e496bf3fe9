// Entry of a worker process (the 'processes' scheduler): receives batches over the IPC channel,
// answers with one result per task. Arrow data arrives and leaves as Arrow IPC bytes (a copy).

import { Worker } from 'node:worker_threads';
import { runBatch } from './run-batch.ts';
import type { BatchRequest, ProcessMessage, TaskResult } from './protocol.ts';
import { serializeError } from '../remote-errors.ts';

interface Incoming {
  readonly id: number;
  readonly req: BatchRequest;
}

process.on('message', async (msg: Incoming) => {
  if (typeof msg?.id !== 'number' || msg.req === undefined) return; // answers to a task's nested client (futures/worker-link.ts)
  const onTaskStart = msg.req.reportStarts ? (i: number) => process.send!({ id: msg.id, started: i } satisfies ProcessMessage) : undefined;
  const results = await runBatch(msg.req, onTaskStart);
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

// 'disconnect' needs this process's event loop, which a task stuck in a loop never gives back; a
// SIGKILLed parent would leave it spinning forever. A watchdog thread therefore checks every 250 ms
// whether this process was re-parented (its parent died) and then kills the whole process.
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 250);`,
  // No loader flags: the check is plain JavaScript, and tsx inherited from this process would cost its start-up.
  { eval: true, workerData: process.ppid, execArgv: [] },
);
watchdog.unref();
