// The 'processes' executor: a pool of child processes, for isolation from crashes and native leaks.
// Processes share no memory, so Arrow data is COPIED both ways, as Arrow IPC streams (transport.ts
// 'ipc' mode) over Node's IPC channel with V8 serialisation. Prefer 'threads' unless you need isolation.

import { fork, type ChildProcess } from 'node:child_process';
import { type BatchControl, PooledExecutor, type WorkerPool } from './pooled.ts';
import { loaderExecArgv, withoutTsx, workerFile } from './worker-file.ts';
import { CALLER_RUNS_TSX_ENV, callerRunsTsx } from '../typescript-in-workers.ts';
import type { BatchRequest, ProcessMessage, TaskResult } from '../worker/protocol.ts';
import { handleNested, isNestedMessage } from '../nested.ts';

/** Processes the pool may add while tasks wait for nested work (secede); more waiting tasks than this queue. */
export const MAX_SECEDED_PROCESSES = 64;
/** How long a process started for a waiting task stays idle before it is stopped. */
const SURPLUS_IDLE_MS = 10_000;

export interface ProcessesOptions {
  readonly numWorkers: number;
  readonly chunksize: number | null;
  readonly modules?: readonly string[];
  /** --max-old-space-size of each worker process. */
  readonly memoryLimitMb?: number | null;
}

interface Job {
  readonly req: BatchRequest;
  readonly control: BatchControl;
  readonly resolve: (r: TaskResult[]) => void;
  readonly reject: (e: unknown) => void;
}

interface Worker {
  readonly child: ChildProcess;
  job: Job | null;
  /** Last bytes the process wrote to stderr: the reason it died, when it dies (e.g. V8's OOM report). */
  stderrTail: string;
}

const STDERR_TAIL = 2000;

export class ProcessPool implements WorkerPool {
  readonly kind = 'process';
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  /** Running tasks that wait for nested work: the pool may run that many more processes meanwhile. */
  private seceded = 0;
  closed = false;

  constructor(
    readonly size: number,
    private readonly memoryLimitMb: number | null,
  ) {}

  send(req: BatchRequest, control: BatchControl): Promise<TaskResult[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the worker process pool was closed'));
      if (control.signal.aborted) return reject(control.signal.reason);
      const onAbort = (): void => this.abort(job);
      const job: Job = {
        req: control.onTaskStart ? { ...req, reportStarts: true } : req,
        control,
        resolve: (r) => {
          control.signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          control.signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      control.signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  secede(): void {
    this.seceded += 1;
    this.pump();
  }

  rejoin(): void {
    if (this.seceded > 0) this.seceded -= 1;
  }

  /** How many processes may run batches now. */
  private get slots(): number {
    return this.size + Math.min(this.seceded, MAX_SECEDED_PROCESSES);
  }

  /** Stop one batch: drop it from the queue, or kill the process running it (a loop cannot be interrupted otherwise). */
  private abort(job: Job): void {
    const reason = job.control.signal.reason;
    const q = this.queue.indexOf(job);
    if (q >= 0) {
      this.queue.splice(q, 1);
      job.reject(reason);
      return;
    }
    for (const w of this.workers) if (w.job === job) return this.fail(w, reason);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the worker process pool was closed'));
    const exits = [...this.workers].map((w) => new Promise<void>((r) => (w.child.exitCode !== null ? r() : w.child.once('exit', () => r()))));
    for (const w of this.workers) {
      holdProcessOpen(w.child, true); // wait for the exits: an unref'd child would let the caller's process end first
      w.child.kill();
    }
    await Promise.all(exits);
  }

  private pump(): void {
    // Start the whole pool at once (start-up under tsx is ~0.5 s): a process started only when a second
    // task is ready would add that delay in the middle of a compute.
    while (this.queue.length > 0 && this.workers.size < this.slots) this.idle.push(this.spawn());
    // Processes started for waiting tasks stay a while after the wait (the next nested wait reuses them),
    // but never run more batches at once than there are slots.
    while (this.queue.length > 0 && this.workers.size - this.idle.length < this.slots) {
      const w = this.idle.pop();
      if (!w) return;
      const job = this.queue.shift()!;
      w.job = job;
      holdProcessOpen(w.child, true);
      try {
        w.child.send({ id: this.nextId++, req: job.req }, (err) => {
          if (err && w.job === job) this.fail(w, err);
        });
      } catch (err) {
        // Unserialisable arguments (DataCloneError): the batch's fault, not the process's; keep it.
        w.job = null;
        holdProcessOpen(w.child, false);
        this.idle.push(w);
        // V8's serializer throws a plain Error; name it as a thread's postMessage would.
        const e = err as Error;
        if (/could not be cloned/.test(e.message)) e.name = 'DataCloneError';
        job.reject(e);
      }
    }
  }

  private spawn(): Worker {
    const file = workerFile('process-worker');
    // Same module loading as this process, so workers load the same module graph; but a bundle (plain
    // JavaScript) starts without tsx's flags, and the worker registers tsx when a .ts module needs it.
    const loading = file.bundled ? withoutTsx(loaderExecArgv()) : loaderExecArgv();
    const child = fork(file.url, [], {
      serialization: 'advanced', // V8 serialisation: typed arrays and bigints survive, no JSON
      execArgv: [...loading, ...(this.memoryLimitMb ? [`--max-old-space-size=${this.memoryLimitMb}`] : [])],
      ...(file.bundled && callerRunsTsx() ? { env: { ...process.env, [CALLER_RUNS_TSX_ENV]: '1' } } : {}),
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const w: Worker = { child, job: null, stderrTail: '' };
    this.workers.add(w);
    holdProcessOpen(child, false);
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      w.stderrTail = (w.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    child.on('message', (msg: ProcessMessage) => {
      if (isNestedMessage(msg)) return handleNested(msg, (r) => void (child.connected && child.send(r as object)), 'ipc');
      const job = w.job;
      if (!job) return;
      if ('started' in msg) return job.control.onTaskStart?.(msg.started);
      w.job = null;
      holdProcessOpen(child, false);
      job.resolve(msg.results);
      this.idle.push(w);
      // A process started while a task waited for nested work retires when it stays idle and unneeded.
      if (this.workers.size > this.size) setTimeout(() => this.retireSurplus(), SURPLUS_IDLE_MS).unref();
      this.pump();
    });
    child.on('error', (err) => this.fail(w, err));
    child.on('exit', (code, signal) => {
      const how = signal ? `was killed by signal ${signal}` : `exited with code ${code}`;
      const tail = w.stderrTail.trim().split('\n').slice(-3).join(' | ');
      this.fail(w, new Error(`worker process ${how}${tail ? `: ${tail}` : ''}`));
    });
    return w;
  }

  private retireSurplus(): void {
    while (this.workers.size > this.slots && this.idle.length > 0) {
      const w = this.idle.shift()!;
      this.workers.delete(w);
      w.child.kill();
    }
  }

  /** The process is gone or unusable: drop it, fail its batch (the executor retries), start a replacement on demand. */
  private fail(w: Worker, err: unknown): void {
    if (!this.workers.delete(w)) return;
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    const job = w.job;
    w.job = null;
    if (job) job.reject(err);
    if (!this.closed) this.pump();
  }
}

/** Busy processes keep the parent's event loop alive; idle ones must not, or test runs and scripts never exit. */
function holdProcessOpen(child: ChildProcess, busy: boolean): void {
  const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
  if (busy) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

export class ProcessesExecutor extends PooledExecutor {
  constructor(options: ProcessesOptions, pool: WorkerPool = new ProcessPool(options.numWorkers, options.memoryLimitMb ?? null)) {
    super('processes', pool, 'ipc', { chunksize: options.chunksize, modules: options.modules ?? [] });
  }
}
