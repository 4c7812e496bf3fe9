// The 'threads' executor: a piscina pool of worker threads in this process. Partitions cross as
// SharedArrayBuffer descriptors (transport.ts 'shared' mode): no column data is copied either way.

import { Piscina } from 'piscina';
import { PooledExecutor, type WorkerPool } from './pooled.ts';
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

  send(req: BatchRequest): Promise<TaskResult[]> {
    return this.piscina.run(req);
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}

export class ThreadsExecutor extends PooledExecutor {
  constructor(options: ThreadsOptions, pool: WorkerPool = new ThreadPool(options.numWorkers, options.memoryLimitMb ?? null)) {
    super('threads', pool, 'shared', {
      chunksize: options.chunksize,
      modules: options.modules ?? [],
    });
  }
}
