// Progress of a running graph, as scheduler listeners: a programmatic onProgress callback (tasks done /
// total, bytes read where the reading op says how many) and a terminal bar (cli-progress) that appears
// only for computes lasting longer than ~0.5 s, only on a TTY, never in CI, and never when turned off.

import type cliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import type { Task } from './graph.ts';
import type { RunListener } from './run-graph.ts';
import { CHAIN_OP, type ChainStep } from './execute.ts';

export interface Progress {
  readonly done: number;
  readonly total: number;
  /** Bytes of input read by finished tasks, summed over ops that declare it (see registerBytesRead); null if none do. */
  readonly bytesRead: number | null;
  readonly elapsedMs: number;
}

export type ProgressCallback = (p: Progress) => void;

// ---- bytes read --------------------------------------------------------------------------------------

const bytesEstimators = new Map<string, (args: readonly unknown[]) => number | null>();

/**
 * Declare how many input bytes a task of `op` reads, from its args (e.g. a CSV byte range: end - start).
 * Readers register this next to their op; progress then reports bytes read and the bar shows MB.
 */
export function registerBytesRead(op: string, estimate: (args: readonly unknown[]) => number | null): void {
  bytesEstimators.set(op, estimate);
}

/** Bytes `task` reads, including the steps of a fused chain; null if no op in it declares any. */
export function bytesReadBy(task: Task): number | null {
  if (bytesEstimators.size === 0) return null;
  const steps: ReadonlyArray<{ op: string; args: readonly unknown[] }> = task.op === CHAIN_OP ? (task.args[0] as ChainStep[]) : [task];
  let total: number | null = null;
  for (const s of steps) {
    const est = bytesEstimators.get(s.op);
    const n = est ? est(s.args) : null;
    if (typeof n === 'number' && Number.isFinite(n)) total = (total ?? 0) + n;
  }
  return total;
}

/** Tracks done/total/bytes for one run; shared by the callback and the bar. */
class Tally {
  done = 0;
  total = 0;
  bytes: number | null = null;
  private t0 = 0;
  start(total: number): void {
    this.total = total;
    this.done = 0;
    this.bytes = null;
    this.t0 = performance.now();
  }
  finish(task: Task, done: number, total: number): void {
    this.done = done;
    this.total = Math.max(this.total, total); // a session may be handed more work while it runs (head, futures)
    const b = bytesReadBy(task);
    if (b !== null) this.bytes = (this.bytes ?? 0) + b;
  }
  snapshot(): Progress {
    return { done: this.done, total: this.total, bytesRead: this.bytes, elapsedMs: performance.now() - this.t0 };
  }
}

/** Calls `cb` after every finished task. A throwing callback is reported once and then ignored, never failing the compute. */
export function progressCallback(cb: ProgressCallback): RunListener {
  if (typeof cb !== 'function') throw new TypeError(`onProgress must be a function; got ${typeof cb}`);
  const tally = new Tally();
  let broken = false;
  return {
    onStart: ({ total }) => tally.start(total),
    onTaskFinish: ({ task, done, total }) => {
      tally.finish(task, done, total);
      if (broken) return;
      try {
        cb(tally.snapshot());
      } catch (err) {
        broken = true;
        process.emitWarning(`onProgress threw and will not be called again in this compute: ${(err as Error)?.message ?? err}`);
      }
    },
  };
}

// ---- terminal bar ------------------------------------------------------------------------------------

/** The part of a tty.WriteStream the bar needs (tests pass a fake). */
export interface BarStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): boolean;
}

export interface BarOptions {
  /** Where the bar is drawn; default process.stderr (stdout stays clean for results). */
  readonly stream?: BarStream;
  /** The stream whose TTY-ness decides, as the issue asks: default process.stdout. */
  readonly stdout?: { readonly isTTY?: boolean };
  /** Show the bar only for computes still running after this long; default 500 ms. */
  readonly delayMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

const isCI = (env: NodeJS.ProcessEnv): boolean => {
  const v = env.CI ?? env.CONTINUOUS_INTEGRATION ?? env.GITHUB_ACTIONS ?? env.BUILDKITE ?? env.TF_BUILD;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
};

/** Whether a bar would be drawn: interactive terminal, not CI, not TERM=dumb. */
export function barAllowed(options: BarOptions = {}): boolean {
  const env = options.env ?? process.env;
  const stream = options.stream ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  return Boolean(stream.isTTY && stdout.isTTY) && !isCI(env) && env.TERM !== 'dumb';
}

// Loaded when a bar is first drawn: every worker imports this module (through the op registrations), and
// cli-progress with its dependencies cost each worker's start-up ~10-40 ms for a bar it never draws.
let barModule: typeof cliProgress | null = null;
const loadCliProgress = (): typeof cliProgress => (barModule ??= createRequire(import.meta.url)('cli-progress') as typeof cliProgress);

const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e8 ? 1 : 0)} MB`;

/** A terminal progress bar drawn from `delayMs` after the start until the run finishes or fails. */
export function progressBar(options: BarOptions = {}): RunListener {
  const delayMs = options.delayMs ?? 500;
  const tally = new Tally();
  let timer: NodeJS.Timeout | null = null;
  let bar: cliProgress.SingleBar | null = null;
  const payload = () => ({ bytes: tally.bytes === null ? '' : ` | ${mb(tally.bytes)} read` });
  const stop = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (bar) {
      bar.update(tally.done, payload());
      bar.stop();
      bar = null;
    }
  };
  return {
    onStart: ({ total, executor }) => {
      tally.start(total);
      stop();
      if (!barAllowed(options)) return;
      timer = setTimeout(() => {
        timer = null;
        const { SingleBar, Presets } = loadCliProgress();
        bar = new SingleBar(
          {
            stream: (options.stream ?? process.stderr) as NodeJS.WritableStream,
            format: `tessera [${executor}] {bar} {percentage}% | {value}/{total} tasks{bytes} | {duration_formatted} | eta {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
            fps: 10,
          },
          Presets.shades_classic,
        );
        bar.start(tally.total, tally.done, payload());
      }, delayMs);
      timer.unref(); // a pending bar must never keep a process alive
    },
    onTaskFinish: ({ task, done, total }) => {
      tally.finish(task, done, total);
      if (bar) {
        if (bar.getTotal() !== tally.total) bar.setTotal(tally.total);
        bar.update(done, payload());
      }
    },
    onFinish: stop,
  };
}

export interface ProgressSettings {
  /** config.progress: whether a terminal bar may appear at all. */
  readonly progress: boolean;
  readonly onProgress?: ProgressCallback | null;
}

/** The listeners compute() adds for a run: the bar (when allowed) and the user's callback (when given). */
export function progressListeners(settings: ProgressSettings, bar: BarOptions = {}): RunListener[] {
  const out: RunListener[] = [];
  if (settings.progress && barAllowed(bar)) out.push(progressBar(bar));
  if (settings.onProgress) out.push(progressCallback(settings.onProgress));
  return out;
}
