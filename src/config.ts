// Configuration in one place: *what* to parallelise is in the user's code, *how and where* is here.
// Defaults, then config.set, then withConfig scopes (innermost wins), then a call's own options.
// Scopes live in AsyncLocalStorage, so concurrent async computes each see their own scope.

import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';

export type SchedulerName = 'sync' | 'threads' | 'processes' | 'distributed';
/** Which hardware runs the kernels: the CPU, the GPU (WebGPU), or the GPU where a measured cost model predicts a gain. */
export type KernelsChoice = 'auto' | 'cpu' | 'gpu';

export interface Config {
  /** Where tasks run: inline ('sync', for debugging), worker threads (default), worker processes, or BullMQ workers on other hosts ('distributed'). */
  scheduler: SchedulerName;
  /** Workers for 'threads' and 'processes'; defaults to os.availableParallelism(). */
  numWorkers: number;
  /** Tasks handed to a worker at once: 1 = dynamic (load balance), > 1 = static batches, null = automatic. */
  chunksize: number | null;
  /** Width of tree reductions: how many partials each combine task merges. */
  splitEvery: number;
  /** Show a terminal progress bar for computes longer than ~0.5 s (only when stdout is a TTY and not in CI). */
  progress: boolean;
  /** Modules every worker imports before running tasks: files that register user ops (URLs or absolute paths). */
  workerModules: readonly string[];
  /** Heap limit per worker in MB; a worker that exceeds it dies and its task is retried once. null = V8's default. */
  workerMemoryLimitMb: number | null;
  /**
   * Kernel backend whose kernels run the tasks ('cpu', the default; others are registered with
   * registerKernelBackend, in every worker through workerModules). Chosen per task in executeTask.
   */
  backend: string;
  /**
   * GPU kernels (docs/GPU.md): 'cpu' (the default), 'gpu' (every kernel the GPU has runs there; fails at once
   * when no adapter exists), or 'auto' (the GPU only where its measured cost model predicts it is faster).
   * A lost device or GPU error falls back to the CPU kernels for the rest of the run.
   */
  kernels: KernelsChoice;
  /**
   * Longest one task may run, in ms; a task over it fails with a TimeoutError and its worker is terminated
   * and replaced. null = no limit. On 'sync' only asynchronous work (reads) can be stopped.
   */
  taskTimeout: number | null;
  /** 'distributed' only: the Redis that carries task descriptors (redis://[:password@]host:port, rediss:// for TLS). */
  redis: string | null;
  /** 'distributed' only: a file:// URL of a directory every worker host reaches (a shared filesystem) where partitions travel. */
  storage: string | null;
  /** 'distributed' only: the BullMQ queue name; workers started with the same --queue take the tasks. */
  queue: string;
  /** 'distributed' only: times a task that threw is run again before compute() fails with its error. */
  retries: number;
  /** 'distributed' only: ms to wait for a worker to connect while work is queued, before failing clearly. */
  workerTimeout: number;
  /** 'distributed' only: ms a lost Redis connection is retried before the run fails. */
  redisTimeout: number;
  /**
   * Where shuffle pieces (merge by hash, sortValues, setIndex) wait between the task that cuts a partition
   * and the tasks that take them: 'memory' (default), or 'disk': Arrow IPC files in a directory under the
   * OS temp dir that the compute creates and removes.
   */
  shuffle: 'memory' | 'disk';
}

/** What config.set / withConfig / compute accept: any subset; numWorkers: null restores the default. */
export type ConfigOptions = Partial<Omit<Config, 'numWorkers'>> & { numWorkers?: number | null };

const SCHEDULERS: readonly SchedulerName[] = ['sync', 'threads', 'processes', 'distributed'];
const KERNELS: readonly KernelsChoice[] = ['auto', 'cpu', 'gpu'];

function defaults(): Config {
  return {
    scheduler: 'threads',
    numWorkers: availableParallelism(),
    chunksize: null,
    splitEvery: 8,
    progress: true,
    workerModules: [],
    workerMemoryLimitMb: null,
    backend: 'cpu',
    kernels: 'cpu',
    taskTimeout: null,
    redis: null,
    storage: null,
    queue: 'tessera',
    retries: 2,
    workerTimeout: 60_000,
    redisTimeout: 30_000,
    shuffle: 'memory',
  };
}

const KNOWN = Object.keys(defaults());

/**
 * Throws a TypeError naming an unknown key of an options object and the known ones: a misspelt option
 * must never run silently with its default. `where` names the call ('valueCounts()').
 */
export function assertKnownOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${where}: options must be an object; got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`${where}: unknown option '${k}'; known options: ${known.join(', ')}`);
  }
}

/** Names of every config option. */
export function configKeys(): readonly string[] {
  return KNOWN;
}

const positiveIntOrNull = (k: string, v: unknown): void => {
  if (v !== null && !(Number.isInteger(v) && (v as number) >= 1)) {
    throw new TypeError(`${k} must be a positive integer or null; got ${JSON.stringify(v)}`);
  }
};

/** Throws a TypeError naming the option, what was expected and what was given. */
export function validateConfig(options: ConfigOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`config options must be an object; got ${String(options)}`);
  for (const [k, v] of Object.entries(options)) {
    switch (k) {
      case 'scheduler':
        if (!SCHEDULERS.includes(v as SchedulerName)) {
          throw new TypeError(`scheduler must be one of ${SCHEDULERS.map((s) => `'${s}'`).join(', ')}; got ${JSON.stringify(v)}`);
        }
        break;
      case 'numWorkers':
      case 'chunksize':
      case 'workerMemoryLimitMb':
        positiveIntOrNull(k, v);
        break;
      case 'taskTimeout':
        if (v !== null && !(typeof v === 'number' && v > 0 && v <= 2 ** 31 - 1)) {
          throw new TypeError(`taskTimeout must be a number of milliseconds > 0 (at most 2^31 - 1) or null; got ${JSON.stringify(v)}`);
        }
        break;
      case 'redis':
        if (v !== null && !(typeof v === 'string' && /^rediss?:\/\/[^/?#]/i.test(v))) {
          throw new TypeError(`redis must be a URL like 'redis://host:6379' (or 'redis://:password@host:6379', 'rediss://' for TLS) or null; got ${typeof v === 'string' ? `'${v.replace(/\/\/[^@/]*@/, '//***@')}'` : JSON.stringify(v)}`);
        }
        break;
      case 'storage':
        if (v !== null && !(typeof v === 'string' && v.startsWith('file:///'))) {
          throw new TypeError(`storage must be a file:/// URL of a directory every worker host can reach (e.g. 'file:///shared/scratch/tessera') or null; got ${JSON.stringify(v)}`);
        }
        break;
      case 'queue':
        if (!(typeof v === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(v))) throw new TypeError(`queue must be a name of letters, digits, '_', '.' or '-' (at most 100); got ${JSON.stringify(v)}`);
        break;
      case 'retries':
        if (!(Number.isInteger(v) && (v as number) >= 0)) throw new TypeError(`retries must be an integer >= 0; got ${JSON.stringify(v)}`);
        break;
      case 'workerTimeout':
      case 'redisTimeout':
        if (!(typeof v === 'number' && v > 0 && v <= 2 ** 31 - 1)) throw new TypeError(`${k} must be a number of milliseconds > 0 (at most 2^31 - 1); got ${JSON.stringify(v)}`);
        break;
      case 'shuffle':
        if (v !== 'memory' && v !== 'disk') throw new TypeError(`shuffle must be 'memory' or 'disk'; got ${JSON.stringify(v)}`);
        break;
      case 'splitEvery':
        if (!(Number.isInteger(v) && (v as number) >= 2)) throw new TypeError(`splitEvery must be an integer >= 2; got ${JSON.stringify(v)}`);
        break;
      case 'progress':
        if (typeof v !== 'boolean') throw new TypeError(`progress must be true or false; got ${JSON.stringify(v)}`);
        break;
      case 'backend':
        if (typeof v !== 'string' || v.length === 0) throw new TypeError(`backend must be the name of a kernel backend (a string such as 'cpu'); got ${JSON.stringify(v)}`);
        break;
      case 'kernels':
        if (!KERNELS.includes(v as KernelsChoice)) throw new TypeError(`kernels must be one of ${KERNELS.map((s) => `'${s}'`).join(', ')}; got ${JSON.stringify(v)}`);
        break;
      case 'workerModules':
        if (!Array.isArray(v) || !v.every((m) => typeof m === 'string' && m.length > 0)) {
          throw new TypeError('workerModules must be an array of module URLs or absolute paths (strings)');
        }
        break;
      default:
        throw new TypeError(`unknown config option '${k}'; known options: ${KNOWN.join(', ')}`);
    }
  }
}

function apply(base: Config, options: ConfigOptions): Config {
  const out = { ...base, ...options } as Config;
  if (options.numWorkers === null) out.numWorkers = availableParallelism();
  return out;
}

/**
 * TESSERA_SCHEDULER / TESSERA_NUM_WORKERS / TESSERA_KERNELS (and TESSERA_REDIS_URL / TESSERA_STORAGE /
 * TESSERA_QUEUE) let a whole test suite run under another scheduler or on the GPU unchanged.
 */
function fromEnvironment(): ConfigOptions {
  const out: ConfigOptions = {};
  const s = process.env.TESSERA_SCHEDULER;
  if (s) out.scheduler = s as SchedulerName;
  const n = process.env.TESSERA_NUM_WORKERS;
  if (n) out.numWorkers = Number(n);
  // The distributed scheduler's place, so a script or a test suite can run on a cluster unchanged (and a
  // Redis password stays out of source files).
  if (process.env.TESSERA_REDIS_URL) out.redis = process.env.TESSERA_REDIS_URL;
  if (process.env.TESSERA_STORAGE) out.storage = process.env.TESSERA_STORAGE;
  if (process.env.TESSERA_QUEUE) out.queue = process.env.TESSERA_QUEUE;
  const k = process.env.TESSERA_KERNELS;
  if (k) out.kernels = k as KernelsChoice;
  try {
    validateConfig(out);
  } catch (err) {
    throw new TypeError(`bad TESSERA_* environment variable: ${(err as Error).message}`);
  }
  return out;
}

let global: Config = apply(defaults(), fromEnvironment());
// The options of each enclosing withConfig, outermost first; applied over `global` when read, so a
// config.set inside a scope still shows through where the scope does not override it.
const scope = new AsyncLocalStorage<readonly ConfigOptions[]>();

export const config = {
  /** Change settings for everything that follows (validated first: a bad value changes nothing). */
  set(options: ConfigOptions): void {
    validateConfig(options);
    global = apply(global, options);
  },
  /** The settings in force here (inside withConfig: the scoped ones). */
  get(): Readonly<Config> {
    return resolveConfig({});
  },
  /** Back to the defaults (and the TESSERA_* environment). */
  reset(): void {
    global = apply(defaults(), fromEnvironment());
  },
};

/**
 * Run `fn` with `options` in force for everything it does, including after its awaits; scopes nest and
 * concurrent calls do not see each other's scope. Returns what `fn` returns (a Promise if it is async).
 */
export function withConfig<T>(options: ConfigOptions, fn: () => T): T {
  validateConfig(options);
  if (typeof fn !== 'function') throw new TypeError('withConfig(options, fn): fn must be a function');
  return scope.run([...(scope.getStore() ?? []), options], fn);
}

/** The settings for one call: global, then the enclosing scopes, then the call's own options. */
export function resolveConfig(perCall: ConfigOptions = {}): Config {
  validateConfig(perCall);
  let c = global;
  for (const s of scope.getStore() ?? []) c = apply(c, s);
  return apply(c, perCall);
}
