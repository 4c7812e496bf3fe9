// What the threads and processes executors share: tasks handed over by the scheduler core are grouped
// into batches (chunksize), encoded for the wire, sent to a pool of workers, and resent once if the
// worker running them died. The pools themselves (piscina, child processes) only move batches.

import type { Executor } from '../executor.ts';
import type { Task } from '../graph.ts';
import { sharedBytes, toWire, fromWire, type WireMode } from '../transport.ts';
import { noteReleased } from '../worker/shared-gc.ts';
import type { BatchRequest, TaskResult, WireTask } from '../worker/protocol.ts';
import { deserializeError } from '../remote-errors.ts';
import { type RunContext, PoolClosedError, TimeoutError } from '../cancel.ts';
import { runIdOf } from '../nested.ts';

/** How the executor steers one batch on a pool: stop it, and hear when each of its tasks starts. */
export interface BatchControl {
  /** Aborting it removes the batch from the queue, or terminates (and replaces) the worker running it. */
  readonly signal: AbortSignal;
  /** Called when task `index` of the batch starts on a worker (only when given: it costs a message per task). */
  readonly onTaskStart?: (index: number) => void;
}

/** Something that runs a batch on one worker. Rejects only when that worker died, the batch was aborted, or the pool was closed. */
export interface WorkerPool {
  /** 'thread' or 'process', for messages. */
  readonly kind: string;
  readonly size: number;
  /** True once close() was called: a rejection then means "closed", not "died". */
  readonly closed: boolean;
  /** True when its workers share memory with this thread, so copies of one batch can share its tasks (BatchRequest.claims). */
  readonly sharesTasks?: boolean;
  send(req: BatchRequest, control: BatchControl): Promise<TaskResult[]>;
  /** One more (secede) or one fewer (rejoin) batch may run at once: a running task waits for nested work. */
  secede(): void;
  rejoin(): void;
  close(): Promise<void>;
}

export interface PooledOptions {
  /** Tasks per batch: 1 = dynamic (one task per free worker), > 1 = static batches; null = adapt to task duration. */
  readonly chunksize: number | null;
  /** Modules every worker imports before running tasks (extra op registrations). */
  readonly modules: readonly string[];
}

/** A worker died twice while running a task (crash, process.exit, out of memory). */
export class WorkerDiedError extends Error {
  constructor(kind: string, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    const oom = /out of memory|heap limit|ERR_WORKER_OUT_OF_MEMORY|SIGABRT/i.test(`${msg} ${(cause as { code?: string })?.code ?? ''}`);
    super(
      `the worker ${kind} running it died (${msg}), and died again when the task was retried once on a fresh worker` +
        (oom ? '; it ran out of memory: raise workerMemoryLimitMb or use smaller partitions' : ''),
      { cause },
    );
    this.name = 'WorkerDiedError';
  }
}

interface Pending {
  readonly task: Task;
  readonly inputs: readonly unknown[];
  /** The run it belongs to; null when called without one (a bare executor.run). */
  readonly ctx: RunContext | null;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  retried: boolean;
}

/** A run context for tasks given without one: never aborted, no time limit. */
const NO_CONTEXT: RunContext = { signal: new AbortController().signal, taskTimeoutMs: null };

// Automatic chunksize: batch tasks until a batch holds about this much worker time, so per-message
// overhead (~50-80 us) stays small, but never batch tasks that are slow enough to need load balancing.
const TARGET_BATCH_MS = 1;
/** Tasks slower than this (mean worker ms) are not shared by copies of one batch (sharing()). */
const SHARED_MAX_MS = 25;
const MAX_AUTO_CHUNK = 128;
/** Shared bytes the main thread drops before it collects: fewer than workers do, its heap is larger. A shuffle's pieces are counted twice (the split's value, then each piece), so this is ~64 MB of pieces. */
const MAIN_RELEASED = 128 * 1024 * 1024;
/** ...and not more often than this: a main-thread collection takes tens of ms. */
const MAIN_MIN_INTERVAL_MS = 200;

export class PooledExecutor implements Executor {
  private queue: Pending[] = [];
  /** Tasks sent to workers and not yet answered. */
  private inFlight = 0;
  /** Moving average of worker time per task; NaN until the first results. */
  private avgMs = Number.NaN;

  constructor(
    readonly name: string,
    private readonly pool: WorkerPool,
    private readonly mode: WireMode,
    private readonly options: PooledOptions,
  ) {}

  /**
   * Two batches per worker in flight: one running, one waiting, so no worker idles during a round trip.
   * Slow tasks shared by copies of one batch (dispatchShared): four per worker, so that a wave of them goes out
   * as one batch instead of two, with a round trip between.
   */
  get concurrency(): number {
    return this.pool.size * this.chunk() * (this.sharing() ? 4 : 2);
  }

  /**
   * Slow tasks handed over together are shared by copies of one batch (automatic chunksize on threads only),
   * once tasks are known to take between TARGET_BATCH_MS and SHARED_MAX_MS: a copy answers only when no task
   * is left, so the consumers of its first results wait for its last. Slower tasks gain little from fewer
   * round trips and lose that overlap (x.T @ x: ten 300 ms Gram tasks whose sums feed a tree of adds took
   * 2.3 -> 3.0-3.5 s when shared).
   */
  private sharing(): boolean {
    return this.pool.sharesTasks === true && this.options.chunksize === null && this.avgMs >= TARGET_BATCH_MS && this.avgMs <= SHARED_MAX_MS;
  }

  get numWorkers(): number {
    return this.pool.size;
  }

  run(task: Task, inputs: readonly unknown[], ctx: RunContext | null = null): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // Everything the core hands over in one synchronous pass is batched together in a microtask.
      if (this.queue.push({ task, inputs, ctx, resolve, reject, retried: false }) === 1) queueMicrotask(() => this.flush());
    });
  }

  secede(): void {
    this.pool.secede();
  }

  rejoin(): void {
    this.pool.rejoin();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * The core dropped `value`. Threads share its buffers: they are freed only once this thread has collected
   * its handles too, and the main thread allocates too little for V8 to collect on its own while workers run.
   * Array chunks count as well as Arrow data: counting only Arrow left every array intermediate held here until
   * some unrelated collection (x.T @ x then Cholesky, 20000 x 2000: +310 MB resident per compute, and the
   * fresh pages each new one needed tripled the system time).
   */
  drop(value: unknown): void {
    if (this.mode === 'shared') noteReleased(sharedBytes(value), MAIN_RELEASED, MAIN_MIN_INTERVAL_MS);
  }

  private chunk(): number {
    if (this.options.chunksize !== null) return this.options.chunksize;
    if (!(this.avgMs < TARGET_BATCH_MS)) return 1; // unknown yet, or slow tasks: dynamic
    return Math.min(MAX_AUTO_CHUNK, Math.max(1, Math.floor(TARGET_BATCH_MS / Math.max(this.avgMs, 1e-3))));
  }

  private flush(): void {
    const all = this.queue;
    this.queue = [];
    // A batch holds tasks of one run only, so cancelling a run stops no other run's work.
    const byRun = new Map<RunContext | null, Pending[]>();
    for (const p of all) {
      if (p.ctx?.signal.aborted) {
        p.reject(p.ctx.signal.reason);
        continue;
      }
      const list = byRun.get(p.ctx);
      if (list) list.push(p);
      else byRun.set(p.ctx, [p]);
    }
    for (const items of byRun.values()) this.flushRun(items);
  }

  private flushRun(items: Pending[]): void {
    if (this.options.chunksize !== null) {
      // Static: consecutive tasks go together, exactly as many as asked.
      const size = this.options.chunksize;
      for (let i = 0; i < items.length; i += size) this.dispatch(items.slice(i, i + size));
      return;
    }
    // Automatic: never more per batch than a fair share of all outstanding work, so that a burst of tasks
    // (or slow tasks after a run of tiny ones) is spread over every worker. The share counts tasks still
    // in flight too; counting only this flush would halve batches on every round trip.
    if (items.length > 1 && this.sharing()) return this.dispatchShared(items);
    const share = Math.ceil((items.length + this.inFlight) / this.pool.size);
    const size = Math.max(1, Math.min(this.chunk(), share));
    const n = Math.ceil(items.length / size);
    if (n === 1) return this.dispatch(items);
    // Deal round-robin rather than in runs: neighbouring tasks are often alike (the big partitions of one
    // file), and dealing spreads them; each batch still starts with the most urgent of its tasks.
    for (let b = 0; b < n; b++) {
      const batch: Pending[] = [];
      for (let i = b; i < items.length; i += n) batch.push(items[i]!);
      this.dispatch(batch);
    }
  }

  /** The tasks encoded for the wire; a task whose args cannot be encoded is rejected and left out. */
  private encode(items: Pending[]): { sent: Pending[]; tasks: WireTask[] } {
    const sent: Pending[] = [];
    const tasks: WireTask[] = [];
    for (const p of items) {
      try {
        const t = p.task;
        const args = t.args.length === 0 ? t.args : (toWire(t.args, this.mode) as unknown[]);
        // The whole task travels (its settings too: which kernel backend runs it), with encoded args.
        tasks.push({ task: { ...t, args }, inputs: p.inputs.map((x) => toWire(x, this.mode)) });
        sent.push(p);
      } catch (err) {
        p.reject(err);
      }
    }
    return { sent, tasks };
  }

  /**
   * Tasks of 1-25 ms (sharing()) handed over together go out as one batch of which every worker (up to one per task) gets a
   * copy: each copy takes the next task no other copy has taken (a shared counter) until none is left. A
   * worker that finishes early takes more, as with one task per batch, but without a round trip through this
   * thread per task: while the workers keep every core busy, each round trip took 0.3-2 ms of a worker's core
   * (the worker that posts its result is the one this thread preempts), and the cache misses of this thread's
   * work among the workers' streams made it slow. A copy answers with the results of the tasks it took, when
   * none is left. A copy that dies or is stopped loses the results it held: those tasks go again (uncounted),
   * and only the task it was running counts as dying or timing out.
   */
  private dispatchShared(items: Pending[]): void {
    const { sent, tasks } = this.encode(items);
    if (sent.length === 0) return;
    const n = sent.length;
    this.inFlight += n;
    const ctx = sent[0]!.ctx ?? NO_CONTEXT;
    // claims[0]: the next task to take; claims[1 + i]: the number + 1 of the copy that took task i
    const claims = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
    const answered = new Uint8Array(n);
    const copies = Math.min(n, this.pool.size);
    const controls: AbortController[] = [];
    const onRunAbort = (): void => {
      for (const c of controls) c.abort(ctx.signal.reason);
    };
    ctx.signal.addEventListener('abort', onRunAbort, { once: true });
    /** Why each copy that did not answer failed: its abort reason (and the task that timed out), or its death. */
    const failures = new Map<number, { aborted: boolean; reason: unknown; timedOut: Pending | null }>();
    let open = copies;
    const finish = (): void => {
      if (--open > 0) return;
      ctx.signal.removeEventListener('abort', onRunAbort);
      this.settleShared(sent, answered, claims, failures);
    };
    const limit = ctx.taskTimeoutMs;
    for (let c = 0; c < copies; c++) {
      const control = new AbortController();
      controls.push(control);
      const clock = this.taskClock(sent, limit, control);
      const req: BatchRequest = { mode: this.mode, modules: this.options.modules, tasks, run: runIdOf(ctx), claims, copy: c };
      this.pool.send(req, { signal: control.signal, onTaskStart: clock.onTaskStart }).then(
        (results) => {
          clock.stop();
          for (const r of results) {
            const i = r.index!;
            answered[i] = 1;
            this.inFlight -= 1;
            this.answer(sent[i]!, r);
          }
          this.noteTimes(results);
          finish();
        },
        (err) => {
          clock.stop();
          failures.set(c, control.signal.aborted ? { aborted: true, reason: control.signal.reason, timedOut: clock.timedOut } : { aborted: false, reason: err, timedOut: null });
          finish();
        },
      );
    }
  }

  /**
   * Every copy of a shared batch has ended. Tasks nobody answered were held by a copy that failed: the one it
   * was running (the last it took) timed out or died with it, and is treated as such; the ones it had finished,
   * and any that no copy took, go again.
   */
  private settleShared(sent: Pending[], answered: Uint8Array, claims: Int32Array, failures: Map<number, { aborted: boolean; reason: unknown; timedOut: Pending | null }>): void {
    const lastTaken = new Map<number, number>();
    const again: Pending[] = [];
    for (let i = 0; i < sent.length; i++) {
      if (answered[i]) continue;
      const copy = Atomics.load(claims, 1 + i) - 1;
      if (copy >= 0 && failures.has(copy)) lastTaken.set(copy, Math.max(lastTaken.get(copy) ?? -1, i));
    }
    for (let i = 0; i < sent.length; i++) {
      if (answered[i]) continue;
      const p = sent[i]!;
      const copy = Atomics.load(claims, 1 + i) - 1;
      const failure = copy >= 0 ? failures.get(copy) : undefined;
      if (!failure || lastTaken.get(copy) !== i) {
        again.push(p);
        continue;
      }
      if (failure.aborted) this.onAbort([p], failure.reason, failure.timedOut);
      else this.onDeath([p], failure.reason);
    }
    if (again.length === 0) return;
    this.inFlight -= again.length;
    const ctx = again[0]!.ctx;
    if (ctx?.signal.aborted) {
      for (const p of again) p.reject(ctx.signal.reason);
      return;
    }
    if (this.pool.closed) {
      const e = new PoolClosedError(this.pool.kind);
      for (const p of again) p.reject(e);
      return;
    }
    for (const p of again) this.dispatch([p]);
  }

  /**
   * A batch's per-task time limit: each task's start (reported by the worker) restarts the clock, and a task
   * that outlives `limit` ms aborts `control` with its TimeoutError and is remembered as `timedOut`.
   */
  private taskClock(sent: readonly Pending[], limit: number | null, control: AbortController): { onTaskStart?: (index: number) => void; stop(): void; readonly timedOut: Pending | null } {
    let timer: NodeJS.Timeout | undefined;
    let timedOut: Pending | null = null;
    const onTaskStart =
      limit === null
        ? undefined
        : (index: number): void => {
            clearTimeout(timer);
            const p = sent[index]!;
            timer = setTimeout(() => {
              timedOut = p;
              control.abort(TimeoutError.ofTask(p.task, limit, this.name));
            }, limit);
          };
    return { onTaskStart, stop: () => clearTimeout(timer), get timedOut() { return timedOut; } };
  }

  private dispatch(items: Pending[]): void {
    const { sent, tasks } = this.encode(items);
    if (sent.length === 0) return;
    this.inFlight += sent.length;
    const ctx = sent[0]!.ctx ?? NO_CONTEXT;
    // Each batch has its own switch: the run's cancellation flips it, and so does one task's time limit.
    const batch = new AbortController();
    const onRunAbort = (): void => batch.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onRunAbort, { once: true });
    const clock = this.taskClock(sent, ctx.taskTimeoutMs, batch);
    const done = (): void => {
      clock.stop();
      ctx.signal.removeEventListener('abort', onRunAbort);
    };
    // `run` names the run in a task's nested requests (getClient() inside a task).
    this.pool.send({ mode: this.mode, modules: this.options.modules, tasks, run: runIdOf(ctx) }, { signal: batch.signal, onTaskStart: clock.onTaskStart }).then(
      (results) => {
        done();
        this.settle(sent, results);
      },
      (err) => {
        done();
        if (batch.signal.aborted) this.onAbort(sent, batch.signal.reason, clock.timedOut);
        else this.onDeath(sent, err);
      },
    );
  }

  /**
   * The batch was stopped on purpose. A timed-out task fails with its TimeoutError; the others of a
   * timed-out batch lost nothing of their own and are sent again; when the whole run was cancelled, every
   * task rejects with the run's reason (the core has already settled the run and ignores them).
   */
  private onAbort(items: Pending[], reason: unknown, timedOut: Pending | null): void {
    this.inFlight -= items.length;
    if (timedOut === null) {
      for (const p of items) p.reject(reason);
      return;
    }
    timedOut.reject(reason);
    const others = items.filter((p) => p !== timedOut);
    if (others.length > 0) this.dispatch(others);
  }

  private settle(items: Pending[], results: TaskResult[]): void {
    this.inFlight -= items.length;
    for (let i = 0; i < items.length; i++) this.answer(items[i]!, results[i]!);
    this.noteTimes(results);
  }

  /** A batch's mean worker time per task feeds the automatic chunksize. */
  private noteTimes(results: readonly TaskResult[]): void {
    if (results.length === 0) return;
    const per = results.reduce((ms, r) => ms + r.ms, 0) / results.length;
    this.avgMs = Number.isNaN(this.avgMs) ? per : 0.8 * this.avgMs + 0.2 * per;
  }

  /** One task's result reaches its caller. */
  private answer(p: Pending, r: TaskResult): void {
    if (r.warnings) for (const w of r.warnings) process.emitWarning(w.message, { type: w.type, code: w.code });
    if (r.ok) {
      try {
        p.resolve(fromWire(r.value));
      } catch (err) {
        p.reject(err);
      }
    } else {
      p.reject(deserializeError(r.error));
    }
  }

  private onDeath(items: Pending[], err: unknown): void {
    this.inFlight -= items.length;
    if ((err as Error)?.name === 'DataCloneError') {
      const e = new TypeError(
        `task arguments cannot be sent to a worker ${this.pool.kind} (${(err as Error).message}); functions and class ` +
          'instances do not cross threads: register an op and pass plain data',
        { cause: err },
      );
      for (const p of items) p.reject(e);
      return;
    }
    if (this.pool.closed) {
      // closeExecutors() ended the pool under this batch: say so, rather than retry into a closed pool.
      const e = new PoolClosedError(this.pool.kind);
      for (const p of items) p.reject(e);
      return;
    }
    // The batch died with its worker; results it had computed were never returned, so every task in it is
    // resent, alone, once. Results already delivered to the core are untouched.
    for (const p of items) {
      if (p.retried) {
        p.reject(new WorkerDiedError(this.pool.kind, err));
      } else {
        p.retried = true;
        this.dispatch([p]);
      }
    }
  }
}
