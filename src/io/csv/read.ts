// The public CSV reader: readCsv is synchronous and lazy (only headers and samples are read here).
// Writing (toCsv) is in write.ts.

import { DataFrame } from '../../collections/dataframe.ts';
import { resolveConfig } from '../../config.ts';
import { getExecutor } from '../../scheduler/get-executor.ts';
import { isTesseraWorker } from '../../scheduler/worker-guard.ts';
import type { CsvOptions } from './options.ts';
import { csvSource } from './scan.ts';

/** A lazy DataFrame over CSV files: a path, a directory, a glob ('data/*.csv', '**\/*.csv.gz') or a list of them. */
export function readCsv(input: string | readonly string[], options: CsvOptions = {}): DataFrame {
  startPoolEarly();
  return DataFrame.fromSource(csvSource(input, options));
}

/**
 * Sampling and type inference (csvSource) take 0.1-0.5 s of this thread; a thread pool started first boots
 * its workers meanwhile, and the compute that follows finds it running. Only under the threads scheduler
 * in force here, never inside a worker; idle workers do not keep the process alive.
 */
function startPoolEarly(): void {
  if (isTesseraWorker()) return;
  const cfg = resolveConfig({});
  if (cfg.scheduler === 'threads') getExecutor(cfg);
}
