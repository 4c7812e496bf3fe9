// Maps the configured scheduler name to an executor. The analysis code never changes; only this choice does.

import type { Config } from '../config.ts';
import type { Executor } from './executor.ts';
import { SyncExecutor } from './executors/sync.ts';

const sync = new SyncExecutor();

export function getExecutor(cfg: Config): Executor {
  switch (cfg.scheduler) {
    case 'sync':
      return sync;
    default:
      throw new Error(`scheduler '${cfg.scheduler}' is not available yet`);
  }
}
