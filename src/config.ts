// Configuration in one place: *what* to parallelise is in the user's code, *how and where* is here.
// Global settings (config.set), scoped ones (withConfig) and per-call options to compute() resolve in that order.

export type SchedulerName = 'sync' | 'threads' | 'processes';

export interface Config {
  scheduler: SchedulerName;
  /** Worker count for 'threads' and 'processes'; defaults to the available cores. */
  numWorkers: number | null;
  /** Tasks handed to a worker at once: >1 static batches, 1 dynamic; null picks automatically. */
  chunksize: number | null;
  /** Width of tree reductions: how many partials each combine task merges. */
  splitEvery: number;
  /** Show a terminal progress bar for long computes (TTY only). */
  progress: boolean;
}

const SCHEDULERS: readonly SchedulerName[] = ['sync', 'threads', 'processes'];

const defaults: Config = { scheduler: 'sync', numWorkers: null, chunksize: null, splitEvery: 8, progress: true };
let global: Config = { ...defaults };
const scopes: Partial<Config>[] = [];

export function validateConfig(options: Partial<Config>): void {
  for (const [k, v] of Object.entries(options)) {
    switch (k) {
      case 'scheduler':
        if (!SCHEDULERS.includes(v as SchedulerName)) {
          throw new TypeError(`scheduler must be one of ${SCHEDULERS.map((s) => `'${s}'`).join(', ')}; got ${JSON.stringify(v)}`);
        }
        break;
      case 'numWorkers':
      case 'chunksize':
        if (v !== null && !(Number.isInteger(v) && (v as number) >= 1)) throw new TypeError(`${k} must be a positive integer or null; got ${String(v)}`);
        break;
      case 'splitEvery':
        if (!(Number.isInteger(v) && (v as number) >= 2)) throw new TypeError(`splitEvery must be an integer >= 2; got ${String(v)}`);
        break;
      case 'progress':
        if (typeof v !== 'boolean') throw new TypeError(`progress must be true or false; got ${String(v)}`);
        break;
      default:
        throw new TypeError(`unknown config option '${k}'; known options: ${Object.keys(defaults).join(', ')}`);
    }
  }
}

export const config = {
  set(options: Partial<Config>): void {
    validateConfig(options);
    global = { ...global, ...options };
  },
  get(): Readonly<Config> {
    return resolveConfig({});
  },
  reset(): void {
    global = { ...defaults };
  },
};

/** Run `fn` with `options` in force (also across its awaits: scopes nest, innermost wins). */
export async function withConfig<T>(options: Partial<Config>, fn: () => T | Promise<T>): Promise<T> {
  validateConfig(options);
  scopes.push(options);
  try {
    return await fn();
  } finally {
    scopes.splice(scopes.lastIndexOf(options), 1);
  }
}

/** The settings for one call: global, then scopes, then the call's own options. */
export function resolveConfig(perCall: Partial<Config>): Config {
  validateConfig(perCall);
  let c = global;
  for (const s of scopes) c = { ...c, ...s };
  return { ...c, ...perCall };
}
