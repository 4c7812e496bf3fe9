// The 'threads' executor: a piscina pool of worker threads in this process. Partitions cross as
// SharedArrayBuffer descriptors (transport.ts 'shared' mode): no column data is copied either way.

import { Piscina } from 'piscina';
import type { MessagePort, Worker } from 'node:worker_threads';
import { type BatchControl, PooledExecutor, type WorkerPool } from './pooled.ts';
import { threadExecArgv, workerFile } from './worker-file.ts';
import { CALLER_RUNS_TSX, callerRunsTsx } from '../typescript-in-workers.ts';
import { BATCH_CANCELLED, BATCH_QUEUED, BATCH_RUNNING, BATCH_STATE, BATCH_THREAD, type BatchRequest, type TaskResult } from '../worker/protocol.ts';
import { handleNested, isNestedMessage } from '../nested.ts';
import { releaseSlotsOf } from '../../kernels/array/wasm-chunks.ts';

export interface ThreadsOptions {
  readonly numWorkers: number;
  readonly chunksize: number | null;
  /** Extra modules each worker imports (URLs or absolute specifiers), e.g. user op registrations. */
  readonly modules?: readonly string[];
  /** V8 old-generation limit per worker; a worker exceeding it dies and its task is retried once. */
  readonly memoryLimitMb?: number | null;
}

/** Threads the pool may add while tasks wait for nested work (secede); more waiting tasks than this queue. */
export const MAX_SECEDED_THREADS = 64;

/**
 * Batches a thread of the main pool holds at once: the one it runs and the next, already in its message
 * queue, so it starts that one the moment the first ends. Handing each batch over only once a thread was
 * free cost a round trip through this thread per batch, 0.5-3 ms while the workers kept both cores busy
 * (sum(axis=0) of 8 x 100 MB chunks: 29 -> 25.5 ms).
 */
export const BATCHES_PER_THREAD = 2;
/** Times a batch goes again, uncounted, because the thread holding it stopped before it began. */
const MAX_RESENDS = 3;

interface Queued {
  readonly req: BatchRequest;
  readonly control: BatchControl;
  /** Times it went again because its thread stopped before it began (start()). */
  readonly resent: number;
  readonly resolve: (r: TaskResult[]) => void;
  readonly reject: (e: unknown) => void;
  readonly onAbort: () => void;
}

const watchedThreads = new WeakSet<Worker>();
function freeSlotsOnExit(worker: Worker): void {
  if (watchedThreads.has(worker)) return;
  watchedThreads.add(worker);
  const id = worker.threadId; // -1 once it has exited
  worker.once('exit', () => releaseSlotsOf(id));
}

export class ThreadPool implements WorkerPool {
  readonly kind = 'thread';
  readonly sharesTasks = true;
  private readonly piscina: Piscina;
  /**
   * Threads for tasks that wait for nested work, started on demand and stopped after 10 s idle. A pool of
   * its own: piscina's main pool keeps exactly `size` threads (a maxThreads above minThreads would let it
   * start extra threads whenever a batch meets a thread being replaced, and keep them for 30 s).
   */
  private overflow: Piscina | null = null;
  closed = false;
  /** Batches running on the main pool (at most size) and on the overflow pool (at most seceded). */
  private running = 0;
  private runningOverflow = 0;
  /** Running tasks that wait for nested work: that many batches may run on the overflow pool. */
  private seceded = 0;
  private readonly queue: Queued[] = [];

  /** The entry each task names (piscina loads it on a thread's first task). */
  private readonly filename: string;

  constructor(
    readonly size: number,
    private readonly memoryLimitMb: number | null,
  ) {
    // The threads start first and boot (~50-100 ms each) while this thread finds their entry: in a source
    // checkout that hashes every source file to name the bundle (workerFile), ~10-50 ms that used to come
    // before any thread started.
    this.piscina = this.makePiscina(size, size, 30_000, BATCHES_PER_THREAD);
    try {
      this.filename = workerFile('thread-worker').url.href;
    } catch (e) {
      void this.piscina.destroy();
      throw e;
    }
  }

  private makePiscina(min: number, max: number, idleTimeout: number, perThread: number): Piscina {
    const piscina = new Piscina({
      minThreads: min,
      maxThreads: max,
      // Batches carry no AbortSignal for piscina: it would not queue one behind another on a thread. This
      // pool cancels them itself (start()).
      concurrentTasksPerWorker: perThread,
      // Plain message passing: the worker's event loop stays free between tasks (Atomics.wait would block
      // timers an async op left behind), and measured no slower here.
      atomics: 'disabled',
      idleTimeout,
      // Without tsx's flags (they do nothing in a thread but cost its start-up); a thread that must import
      // a .ts module registers tsx itself, if the caller runs it.
      execArgv: threadExecArgv(),
      workerData: { [CALLER_RUNS_TSX]: callerRunsTsx() },
      ...(this.memoryLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb } } : {}),
    });
    // A worker that dies with no task on it is reported here; piscina replaces it, nothing else to do.
    piscina.on('error', () => {});
    // A thread that dies inside a kernel (terminated by an abort or a timeout, out of memory) cannot give back
    // the scratch slots of shared memories it held: they are freed once it has exited (not at piscina's
    // 'workerDestroy', which comes before the thread has stopped).
    piscina.on('workerCreate', () => {
      for (const worker of piscina.threads) freeSlotsOnExit(worker);
    });
    // A task's nested client sends its port here once per thread; its requests and our answers use it.
    piscina.on('message', (msg: unknown) => {
      const port = (msg as { tessera?: string; port?: MessagePort })?.tessera === 'nested-port' ? (msg as { port: MessagePort }).port : null;
      if (!port) return;
      port.on('message', (m: unknown) => {
        if (isNestedMessage(m)) handleNested(m, (r) => port.postMessage(r), 'shared');
      });
      port.unref(); // an idle thread's port must not keep this process alive
    });
    return piscina;
  }

  /** Threads this pool terminated to stop a batch: other batches they held died with them and are sent again. */
  private readonly stopped = new Set<number>();

  private get hasRoom(): boolean {
    return this.running < this.size * BATCHES_PER_THREAD || this.runningOverflow < Math.min(this.seceded, MAX_SECEDED_THREADS);
  }

  /** An aborted batch is dropped from the queue (this pool's or its thread's), or its thread is terminated (start(); piscina replaces it). */
  send(req: BatchRequest, control: BatchControl, resent = 0): Promise<TaskResult[]> {
    if (this.hasRoom || this.closed) return this.start(req, control, resent);
    return new Promise((resolve, reject) => {
      if (control.signal.aborted) return reject(control.signal.reason);
      const item: Queued = {
        req, control, resent, resolve, reject,
        onAbort: () => {
          const i = this.queue.indexOf(item);
          if (i >= 0) this.queue.splice(i, 1);
          reject(control.signal.reason);
        },
      };
      control.signal.addEventListener('abort', item.onAbort, { once: true });
      this.queue.push(item);
    });
  }

  secede(): void {
    this.seceded += 1;
    this.drain();
  }

  rejoin(): void {
    if (this.seceded > 0) this.seceded -= 1;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.hasRoom) {
      const item = this.queue.shift()!;
      item.control.signal.removeEventListener('abort', item.onAbort);
      this.start(item.req, item.control, item.resent).then(item.resolve, item.reject);
    }
  }

  private start(req: BatchRequest, control: BatchControl, resent = 0): Promise<TaskResult[]> {
    const main = this.running < this.size * BATCHES_PER_THREAD || this.closed;
    const piscina = main ? this.piscina : (this.overflow ??= this.makePiscina(0, MAX_SECEDED_THREADS, 10_000, 1));
    if (main) this.running += 1;
    else this.runningOverflow += 1;
    const word = new Int32Array(new SharedArrayBuffer(8));
    const filename = this.filename;
    let result: Promise<TaskResult[]>;
    if (!control.onTaskStart) result = piscina.run({ ...req, control: word }, { filename });
    else {
      const started = new Int32Array(new SharedArrayBuffer(4));
      const stop = watchStarts(started, control.onTaskStart);
      result = piscina.run({ ...req, control: word, started }, { filename });
      result.then(stop, stop);
    }
    const done = (): void => {
      if (main) this.running -= 1;
      else this.runningOverflow -= 1;
      this.drain();
    };
    result.then(done, done);
    return new Promise((resolve, reject) => {
      let answered = false;
      const answer = (f: () => void): void => {
        if (answered) return;
        answered = true;
        control.signal.removeEventListener('abort', onAbort);
        f();
      };
      const onAbort = (): void => {
        // Still in a thread's queue: it will skip the batch. Running: stop its thread (piscina replaces it).
        if (Atomics.compareExchange(word, BATCH_STATE, BATCH_QUEUED, BATCH_CANCELLED) === BATCH_QUEUED) {
          answer(() => reject(control.signal.reason));
        } else if (Atomics.load(word, BATCH_STATE) === BATCH_RUNNING) {
          this.stopThread(piscina, Atomics.load(word, BATCH_THREAD));
        }
      };
      control.signal.addEventListener('abort', onAbort, { once: true });
      if (control.signal.aborted) onAbort();
      result.then(
        (results) => answer(() => resolve(results)),
        (err) => answer(() => {
          if (control.signal.aborted) return reject(control.signal.reason);
          // Its thread was stopped for another batch, or died before this one began: nothing of it ran or
          // was lost, so it goes again without counting as a death (a few times: threads that die while
          // starting up fail every batch).
          const victim = Atomics.load(word, BATCH_STATE) === BATCH_QUEUED || this.stopped.has(Atomics.load(word, BATCH_THREAD));
          if (victim && !this.closed && resent < MAX_RESENDS) this.send(req, control, resent + 1).then(resolve, reject);
          else reject(err);
        }),
      );
    });
  }

  private stopThread(piscina: Piscina, threadId: number): void {
    const thread = piscina.threads.find((t) => t.threadId === threadId);
    if (!thread) return; // already gone: its batches are being rejected
    this.stopped.add(threadId);
    void thread.terminate();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const item of this.queue.splice(0)) {
      item.control.signal.removeEventListener('abort', item.onAbort);
      item.reject(new Error('the worker thread pool was closed'));
    }
    return Promise.all([this.piscina.destroy(), this.overflow?.destroy()]).then(() => {});
  }
}

/**
 * Call `onTaskStart(i)` whenever the worker stores i + 1 in `flag` (run-batch's start reports), waking on
 * Atomics.notify rather than polling. Returns the function that stops watching.
 */
// Atomics.waitAsync is in Node 20 (V8) but typed only from lib es2024.
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

function watchStarts(flag: Int32Array, onTaskStart: (index: number) => void): () => void {
  let seen = 0;
  let stopped = false;
  const wait = (): void => {
    if (stopped) return;
    const v = Atomics.load(flag, 0);
    if (v !== seen && v > 0) {
      seen = v;
      onTaskStart(v - 1);
    }
    const w = waitAsync(flag, 0, seen);
    if (w.async) void (w.value as Promise<unknown>).then(wait);
    else queueMicrotask(wait);
  };
  wait();
  return () => {
    stopped = true;
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0); // release the pending waitAsync
  };
}

export class ThreadsExecutor extends PooledExecutor {
  constructor(options: ThreadsOptions, pool: WorkerPool = new ThreadPool(options.numWorkers, options.memoryLimitMb ?? null)) {
    super('threads', pool, 'shared', {
      chunksize: options.chunksize,
      modules: options.modules ?? [],
    });
  }
}
