// Maps the resolved configuration to an executor. The analysis code never changes; only this choice does.
// Worker pools are expensive to start (~50 ms for threads, ~0.5 s for processes under tsx), so they are
// created on first use, kept for later computes, and shared by executors that differ only in batching.

import type { Config } from '../config.ts';
import type { Executor } from './executor.ts';
import type { WorkerPool } from './executors/pooled.ts';
import { SyncExecutor } from './executors/sync.ts';
import { ThreadPool, ThreadsExecutor } from './executors/threads.ts';
import { ProcessPool, ProcessesExecutor } from './executors/processes.ts';
import { assertMayCompute } from './worker-guard.ts';
import { DistributedExecutor } from './distributed/executor.ts';

const sync = new SyncExecutor();
const pools = new Map<string, WorkerPool>();
const executors = new Map<string, Executor>();

function poolFor(kind: 'threads' | 'processes', cfg: Config): WorkerPool {
  const key = `${kind}/${cfg.numWorkers}/${cfg.workerMemoryLimitMb}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = kind === 'threads' ? new ThreadPool(cfg.numWorkers, cfg.workerMemoryLimitMb) : new ProcessPool(cfg.numWorkers, cfg.workerMemoryLimitMb);
    pools.set(key, pool);
  }
  return pool;
}

export function getExecutor(cfg: Config): Executor {
  assertMayCompute(cfg.scheduler); // inside a worker: refused when it would re-run an analysis or start a pool
  if (cfg.scheduler === 'sync') return sync;
  if (cfg.scheduler === 'distributed') return distributed(cfg);
  const kind = cfg.scheduler;
  const key = `${kind}/${cfg.numWorkers}/${cfg.workerMemoryLimitMb}/${cfg.chunksize}/${cfg.workerModules.join('\n')}`;
  let ex = executors.get(key);
  if (!ex) {
    const options = { numWorkers: cfg.numWorkers, chunksize: cfg.chunksize, modules: cfg.workerModules, memoryLimitMb: cfg.workerMemoryLimitMb };
    ex = kind === 'threads' ? new ThreadsExecutor(options, poolFor(kind, cfg)) : new ProcessesExecutor(options, poolFor(kind, cfg));
    executors.set(key, ex);
  }
  return ex;
}

/** One executor per Redis, storage, queue and task settings; it connects when a run needs it. */
function distributed(cfg: Config): Executor {
  if (cfg.redis === null || cfg.storage === null) {
    throw new TypeError(
      `the 'distributed' scheduler needs the ${cfg.redis === null ? 'redis' : 'storage'} option: config.set({scheduler: 'distributed', ` +
        `redis: 'redis://host:6379', storage: 'file:///shared/scratch/tessera'}) (see docs/DISTRIBUTED.md)`,
    );
  }
  const key = ['distributed', cfg.redis, cfg.storage, cfg.queue, cfg.retries, cfg.workerTimeout, cfg.redisTimeout, cfg.chunksize, ...cfg.workerModules].join('\n');
  let ex = executors.get(key);
  if (!ex) {
    ex = new DistributedExecutor({
      redis: cfg.redis, storage: cfg.storage, queue: cfg.queue, retries: cfg.retries, workerTimeoutMs: cfg.workerTimeout,
      redisTimeoutMs: cfg.redisTimeout, modules: cfg.workerModules, chunksize: cfg.chunksize,
    });
    executors.set(key, ex);
  }
  return ex;
}

/**
 * Stop every worker pool. Idle workers never keep a process alive, so calling this is optional; it frees
 * their memory now. Later computes start fresh pools.
 */
export async function closeExecutors(): Promise<void> {
  const all = [...pools.values()];
  const distributedOnes = [...executors.values()].filter((e) => e instanceof DistributedExecutor);
  pools.clear();
  executors.clear();
  await Promise.all([...all.map((p) => p.close()), ...distributedOnes.map((e) => e.close!())]);
}
