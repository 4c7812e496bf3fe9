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

/**
 * Stop every worker pool. Idle workers never keep a process alive, so calling this is optional; it frees
 * their memory now. Later computes start fresh pools.
 */
export async function closeExecutors(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  executors.clear();
  await Promise.all(all.map((p) => p.close()));
}
