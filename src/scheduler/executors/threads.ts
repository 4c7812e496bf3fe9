// The 'threads' executor: a piscina pool of worker threads in this process. Partitions cross as
// SharedArrayBuffer descriptors (transport.ts 'shared' mode): no column data is copied either way.

import { Piscina } from 'piscina';
import { type BatchControl, PooledExecutor, type WorkerPool } from './pooled.ts';
import { workerFile } from './worker-file.ts';
import type { BatchRequest, TaskResult } from '../worker/protocol.ts';

export interface ThreadsOptions {
  readonly numWorkers: number;
  readonly chunksize: number | null;
  /** Extra modules each worker imports (URLs or absolute specifiers), e.g. user op registrations. */
  readonly modules?: readonly string[];
  /** V8 old-generation limit per worker; a worker exceeding it dies and its task is retried once. */
  readonly memoryLimitMb?: number | null;
}

export class ThreadPool implements WorkerPool {
  readonly kind = 'thread';
  private readonly piscina: Piscina;
  closed = false;

  constructor(readonly size: number, memoryLimitMb: number | null) {
    this.piscina = new Piscina({
      filename: workerFile('thread-worker').url.href,
      minThreads: size,
      maxThreads: size,
      // Plain message passing: the worker's event loop stays free between tasks (Atomics.wait would block
      // timers an async op left behind), and measured no slower here.
      atomics: 'disabled',
      idleTimeout: 30_000,
      ...(memoryLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb } } : {}),
    });
    // A worker that dies with no task on it is reported here; piscina replaces it, nothing else to do.
    this.piscina.on('error', () => {});
  }

  /** An aborted batch is dropped from piscina's queue, or its thread is terminated and replaced (piscina does both). */
  send(req: BatchRequest, control: BatchControl): Promise<TaskResult[]> {
    if (!control.onTaskStart) return this.piscina.run(req, { signal: control.signal });
    const started = new Int32Array(new SharedArrayBuffer(4));
    const stop = watchStarts(started, control.onTaskStart);
    const result = this.piscina.run({ ...req, started }, { signal: control.signal });
    result.then(stop, stop);
    return result;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.piscina.destroy();
  }
}

/**
 * Call `onTaskStart(i)` whenever the worker stores i + 1 in `flag` (run-batch's start reports), waking on
 * Atomics.notify rather than polling. Returns the function that stops watching.
 */
// Atomics.waitAsync is in Node 20 (V8) but typed only from lib es2024.
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

function watchStarts(flag: Int32Array, onTaskStart: (index: number) => void): () => void {
  let seen = 0;
  let stopped = false;
  const wait = (): void => {
    if (stopped) return;
    const v = Atomics.load(flag, 0);
    if (v !== seen && v > 0) {
      seen = v;
      onTaskStart(v - 1);
    }
    const w = waitAsync(flag, 0, seen);
    if (w.async) void (w.value as Promise<unknown>).then(wait);
    else queueMicrotask(wait);
  };
  wait();
  return () => {
    stopped = true;
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0); // release the pending waitAsync
  };
}

export class ThreadsExecutor extends PooledExecutor {
  constructor(options: ThreadsOptions, pool: WorkerPool = new ThreadPool(options.numWorkers, options.memoryLimitMb ?? null)) {
    super('threads', pool, 'shared', {
      chunksize: options.chunksize,
      modules: options.modules ?? [],
    });
  }
}
