// Argument parsing for every command: node's util.parseArgs with the options each command declares plus
// the shared ones, turned into UsageErrors that say what was wrong and where to look.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { SchedulerName } from '../config.ts';
import { UsageError } from './errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  scheduler: { type: 'string' },
  workers: { type: 'string' },
} as const satisfies OptionSpec;

export const COMMON_HELP = `Common options:
  --scheduler <name>   threads (default), sync or processes
  --workers <n>        worker threads/processes (default: one per core)
  -q, --quiet          no progress bar
  --debug              print the stack trace of an error
  -h, --help           this help`;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(command: string, argv: readonly string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    // parseArgs' messages are long and mention its own API ("To specify a positional argument ..."): keep the first sentence.
    const msg = err instanceof Error ? err.message.split('. ')[0]!.replace(/\.$/, '') : String(err);
    throw new UsageError(`${msg}; see 'tessera ${command} --help'`, command);
  }
}

/** A positive integer flag, or the default. */
export function intFlag(command: string, name: string, value: string | boolean | undefined, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} needs an integer >= ${min}; got '${String(value)}'`, command);
  }
  return n;
}

/** compute() options from the shared flags. */
export function computeOptions(command: string, values: Parsed['values']): { scheduler?: SchedulerName; numWorkers?: number; progress: boolean } {
  const out: { scheduler?: SchedulerName; numWorkers?: number; progress: boolean } = { progress: values.quiet !== true };
  if (values.scheduler !== undefined) {
    const s = String(values.scheduler);
    if (s !== 'sync' && s !== 'threads' && s !== 'processes') throw new UsageError(`--scheduler must be threads, sync or processes; got '${s}'`, command);
    out.scheduler = s;
  }
  if (values.workers !== undefined) out.numWorkers = intFlag(command, 'workers', values.workers, 0);
  return out;
}
