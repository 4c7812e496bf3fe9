// The one scheduler core: a Session accepts tasks at any time (submit), hands out a promise per key
// (get), runs only what some holder needs, in priority order, at most `executor.concurrency` at once,
// and drops each result when no holder and no waiting dependent remains. cancel(reason) rejects all
// pending keys at once. compute() opens one session per attempt; futures can keep one open.
//
// State of a task: pending (not needed, or waiting for inputs) -> running -> done | failed; a done task
// whose value was dropped is `released` and runs again if something needs it later.

import { setMaxListeners } from 'node:events';
import type { Graph, Key, Task } from './graph.ts';
import type { Executor } from './executor.ts';
import { executeTask, runsInPlace } from './execute.ts';
import { order } from './order.ts';
import { AbortError, RunDeadline, type RunContext, TimeoutError } from './cancel.ts';
import { registerRun, setCurrentRun } from './nested.ts';

export interface TaskEvent {
  readonly task: Task;
  /** Tasks finished so far in this session, and the tasks needed so far (grows as work is submitted). */
  readonly done: number;
  readonly total: number;
}

export interface RunListener {
  onStart?(info: { total: number; executor: string }): void;
  onTaskStart?(task: Task): void;
  onTaskFinish?(event: TaskEvent): void;
  /** An intermediate result was dropped (its last reader ran). */
  onRelease?(key: Key): void;
  onFinish?(info: { total: number; error?: unknown }): void;
}

/** A task failed: names the task, its op and partition, and keeps the original error as `cause`. */
export class TaskError extends Error {
  readonly key: Key;
  readonly op: string;
  readonly partition: number | null;
  constructor(task: Task, cause: unknown, executor: string) {
    const partition = partitionOf(task.key);
    const original = cause instanceof Error ? cause.message : String(cause);
    super(
      `task '${task.key}' (op ${describeOp(task)}${partition === null ? '' : `, partition ${partition}`}) failed on the ` +
        `'${executor}' scheduler: ${original}`,
      { cause },
    );
    this.name = 'TaskError';
    this.key = task.key;
    this.op = task.op;
    this.partition = partition;
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

/** The session was cancelled (cancel(reason) with a reason that is not itself an Error). */
export class CancelledError extends Error {
  constructor(reason: unknown) {
    super(`the computation was cancelled${reason === undefined ? '' : `: ${String(reason)}`}`, { cause: reason });
    this.name = 'CancelledError';
  }
}

function describeOp(task: Task): string {
  if (task.op !== 'tessera.chain') return task.op;
  const steps = task.args[0] as Array<{ op: string }>;
  return `chain ${steps.map((s) => s.op).join(' > ')}`;
}

/** Keys of partition tasks end in `#<index>` (see collections/lower.ts). */
export function partitionOf(key: Key): number | null {
  const m = /#(\d+)$/.exec(key);
  return m ? Number(m[1]) : null;
}

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;
const RELEASED = 4;

interface Node {
  readonly task: Task;
  readonly prio: number;
  readonly deps: Node[];
  readonly dependents: Node[];
  state: number;
  /** Some holder needs this task's value, directly or through a dependent. */
  needed: boolean;
  /** Inputs not yet done (counted when the task became needed). */
  waiting: number;
  /** Needed dependents that have not run yet: each will read this value. */
  readers: number;
  /** get() calls not yet released. */
  holders: number;
  value: unknown;
  error: unknown;
  waiters: Array<{ resolve: (v: unknown) => void; reject: (e: unknown) => void }> | null;
  /** The run context its tasks go to the executor with: the session's, or a nested client's own (cancellable alone). */
  readonly ctx: RunContext;
}

/** Binary min-heap of nodes by priority. */
class ReadyQueue {
  private readonly items: Node[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: Node): void {
    const { items } = this;
    let i = items.length;
    items.push(n);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.prio <= n.prio) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = n;
  }
  pop(): Node {
    const { items } = this;
    const top = items[0]!;
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && items[r]!.prio < items[l]!.prio ? r : l;
        if (items[c]!.prio >= last.prio) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
  clear(): void {
    this.items.length = 0;
  }
}

export interface SessionOptions {
  readonly listeners?: readonly RunListener[];
  /**
   * Aborting it cancels the session: pending keys reject with an AbortError naming the running tasks
   * (a TimeoutError when the reason is a RunDeadline), and the executor stops those tasks' workers.
   */
  readonly signal?: AbortSignal;
  /** A time limit: `at` on the performance.now() clock, `ms` the `timeout` it came from (for messages). */
  readonly deadline?: { readonly at: number; readonly ms: number } | null;
  /** Longest one task may run (config taskTimeout); the executor enforces it. null = no limit. */
  readonly taskTimeoutMs?: number | null;
  /** What the caller calls this run in messages: 'compute()', 'head()', ... */
  readonly what?: string;
}

export class Session {
  private readonly nodes = new Map<Key, Node>();
  private readonly ready = new ReadyQueue();
  private readonly listeners: readonly RunListener[];
  private readonly controller = new AbortController();
  private readonly onAbort: (() => void) | null = null;
  private nextPrio = 0;
  private inFlight = 0;
  /** Running tasks that wait for nested work (secede): they do not count against the executor's concurrency. */
  private seceded = 0;
  private total = 0;
  private done = 0;
  private started = false;
  private pumping = false;
  private closed = false;
  /** Handed to the executor with every task: aborting it (cancel) stops this session's tasks only. */
  private readonly ctx: RunContext;
  /** Tasks handed to the executor and not yet settled, for naming what a cancellation stopped. */
  private readonly running = new Set<Node>();
  private readonly deadline: { readonly at: number; readonly ms: number } | null;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly executor: Executor,
    private readonly options: SessionOptions = {},
  ) {
    this.listeners = options.listeners ?? [];
    // Every batch in flight listens on this session's own signal (and removes its listener when it settles):
    // many batches at once is normal, not a leak, so Node's 10-listener warning would only mislead users.
    setMaxListeners(0, this.controller.signal);
    this.ctx = { signal: this.controller.signal, taskTimeoutMs: options.taskTimeoutMs ?? null };
    registerRun(this.ctx, this);
    this.deadline = options.deadline ?? null;
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.stop(outer.reason);
      else {
        this.onAbort = () => this.stop(outer.reason);
        outer.addEventListener('abort', this.onAbort, { once: true });
      }
    }
    if (this.deadline && !this.closed) {
      const left = this.deadline.at - performance.now();
      if (left <= 0) this.stop(new RunDeadline(this.deadline.ms));
      else this.deadlineTimer = setTimeout(() => this.stop(new RunDeadline(this.deadline!.ms)), left);
    }
  }

  /** Cancel because the caller's signal aborted or the deadline passed, naming the tasks that were running. */
  private stop(reason: unknown): void {
    if (this.closed) return;
    const what = this.options.what ?? 'compute()';
    const running = [...this.running].map((n) => n.task);
    this.cancel(reason instanceof RunDeadline ? TimeoutError.ofRun(what, reason.ms, running) : new AbortError(what, running, reason));
  }

  /** What this session's tasks go to the executor with (a nested client derives its own from it). */
  get context(): RunContext {
    return this.ctx;
  }

  /** Aborted when the session is cancelled: executors may listen to stop work they hold for it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Add tasks. Keys the session already knows keep their first task (equal keys are equal work by
   * construction). Every dependency must be in `graph` or already in the session. `roots` (the keys the
   * caller will ask for) set the depth-first priority of the new tasks; later submissions run after
   * earlier ones at equal readiness. Nothing runs until a key is asked for with get()/gather().
   */
  submit(graph: Graph, roots: readonly Key[] = [], ctx: RunContext = this.ctx): void {
    this.assertOpen();
    const fresh: Graph = new Map();
    for (const [k, t] of graph) if (!this.nodes.has(k)) fresh.set(k, t);
    if (fresh.size === 0) return;
    for (const t of fresh.values()) {
      for (const d of t.deps) {
        if (!fresh.has(d) && !this.nodes.has(d)) throw new Error(`task '${t.key}' depends on '${d}', which is neither in the submitted graph nor in the session`);
      }
    }
    const prio = order(fresh, roots.filter((k) => fresh.has(k)));
    const base = this.nextPrio;
    this.nextPrio += fresh.size;
    for (const t of fresh.values()) {
      this.nodes.set(t.key, {
        task: t, prio: base + prio.get(t.key)!, deps: [], dependents: [], state: PENDING, needed: false,
        waiting: 0, readers: 0, holders: 0, value: undefined, error: undefined, waiters: null, ctx,
      });
    }
    for (const t of fresh.values()) {
      const n = this.nodes.get(t.key)!;
      for (const d of t.deps) {
        const dn = this.nodes.get(d)!;
        n.deps.push(dn);
        dn.dependents.push(n);
      }
    }
  }

  /** The value of `key` (held until release(key) or close()). */
  get(key: Key): Promise<unknown> {
    // One key without gather's Promise.all: a futures client asks for keys one at a time, 100k of them.
    if (this.closed) return Promise.reject(this.cancelReason ?? new Error('the session is closed'));
    const n = this.nodes.get(key);
    if (!n) throw new Error(`key '${key}' was never submitted to this session`);
    n.holders += 1;
    this.need(n);
    const value =
      n.state === DONE ? Promise.resolve(n.value) : n.state === FAILED ? Promise.reject(n.error) : new Promise<unknown>((resolve, reject) => (n.waiters ??= []).push({ resolve, reject }));
    this.begin();
    this.pump();
    return value;
  }

  /** The values of `keys`, in order; rejects with the first failure among them. Each key is held. */
  gather(keys: readonly Key[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(this.cancelReason ?? new Error('the session is closed'));
    const nodes = keys.map((k) => {
      const n = this.nodes.get(k);
      if (!n) throw new Error(`key '${k}' was never submitted to this session`);
      return n;
    });
    const promises = nodes.map((n) => {
      n.holders += 1;
      this.need(n);
      if (n.state === DONE) return Promise.resolve(n.value);
      if (n.state === FAILED) return Promise.reject(n.error);
      return new Promise<unknown>((resolve, reject) => (n.waiters ??= []).push({ resolve, reject }));
    });
    this.begin();
    this.pump();
    const all = Promise.all(promises);
    const fetch = this.executor.fetch?.bind(this.executor);
    return fetch ? all.then((vs) => Promise.all(vs.map((v) => fetch(v, this.ctx)))) : all;
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    for (const l of this.listeners) l.onStart?.({ total: this.total, executor: this.executor.name });
  }

  /** Stop holding `key`: its value is dropped once no dependent still needs it. */
  release(key: Key): void {
    const n = this.nodes.get(key);
    if (!n || n.holders === 0) return;
    n.holders -= 1;
    this.maybeDrop(n);
  }

  /**
   * Reject every pending key with `reason` (or a CancelledError wrapping it), stop starting tasks and
   * abort `signal`: the executor drops this session's queued tasks and terminates (and replaces) the
   * workers running its tasks, so a task stuck in a loop cannot hold a worker after its run is over.
   */
  cancel(reason?: unknown): void {
    if (this.closed) return;
    const error = reason instanceof Error ? reason : new CancelledError(reason);
    this.cancelReason = error;
    this.ready.clear();
    for (const n of this.nodes.values()) {
      if (n.needed && (n.state === PENDING || n.state === RUNNING)) this.settleFailed(n, error);
    }
    this.end(error);
    this.controller.abort(error);
  }

  /**
   * Fail the given keys that are still pending or running with `reason` (their dependents too) and never
   * start them: a nested client's work when the task that submitted it is cancelled. Done keys are kept.
   */
  cancelKeys(keys: Iterable<Key>, reason: unknown): void {
    if (this.closed) return;
    for (const k of keys) {
      const n = this.nodes.get(k);
      if (n && n.needed && (n.state === PENDING || n.state === RUNNING)) this.settleFailed(n, reason);
    }
  }

  /**
   * A running task waits for work it submitted (a nested client): it stops counting against the executor's
   * concurrency and the executor may run one more task meanwhile, so tasks that wait can never take every
   * slot (Dask's secede). rejoin() undoes it when the wait is over.
   */
  secede(): void {
    if (this.closed) return;
    this.seceded += 1;
    this.executor.secede?.();
    this.pump();
  }

  rejoin(): void {
    if (this.seceded === 0) return;
    this.seceded -= 1;
    this.executor.rejoin?.();
  }

  /** Drop every value and stop; the session accepts nothing more. */
  close(): void {
    if (this.closed) return;
    for (const n of this.nodes.values()) if (n.needed && (n.state === PENDING || n.state === RUNNING)) this.settleFailed(n, new Error('the session was closed'));
    this.end(undefined);
  }

  private cancelReason: Error | null = null;

  private end(error: unknown): void {
    this.closed = true;
    for (; this.seceded > 0; this.seceded--) this.executor.rejoin?.();
    clearTimeout(this.deadlineTimer);
    for (const n of this.nodes.values()) n.value = undefined;
    if (this.onAbort) this.options.signal!.removeEventListener('abort', this.onAbort);
    this.executor.endRun?.(this.ctx);
    if (this.started) for (const l of this.listeners) l.onFinish?.(error === undefined ? { total: this.total } : { total: this.total, error });
  }

  private assertOpen(): void {
    if (this.closed) throw this.cancelReason ?? new Error('the session is closed');
  }

  /** Mark `root` and everything it still needs as needed; queue what is ready. */
  private need(root: Node): void {
    if (root.needed && root.state !== RELEASED) return;
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.state === RELEASED) n.state = PENDING; // dropped earlier, wanted again: run it again
      else if (n.needed) continue;
      n.needed = true;
      if (n.state !== PENDING) continue;
      this.total += 1;
      n.waiting = 0;
      let failedDep: Node | null = null;
      for (const d of n.deps) {
        d.readers += 1;
        if (d.state === FAILED) failedDep = d;
      }
      if (failedDep) {
        this.settleFailed(n, failedDep.error);
        continue;
      }
      for (const d of n.deps) {
        if (d.state === DONE) continue;
        n.waiting += 1;
        if (!d.needed) stack.push(d);
      }
      if (n.waiting === 0) this.ready.push(n);
    }
  }

  private maybeDrop(n: Node): void {
    if (n.state !== DONE || n.holders > 0 || n.readers > 0) return;
    this.executor.drop?.(n.value, n.ctx);
    n.value = undefined;
    n.state = RELEASED;
    n.needed = false;
    for (const l of this.listeners) l.onRelease?.(n.task.key);
  }

  private settleFailed(n: Node, error: unknown): void {
    // The failure reaches every needed dependent: none of them can run.
    const stack = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x.state === FAILED || x.state === DONE) continue;
      x.state = FAILED;
      x.error = error;
      for (const d of x.deps) {
        d.readers -= 1;
        this.maybeDrop(d);
      }
      const ws = x.waiters;
      x.waiters = null;
      if (ws) for (const w of ws) w.reject(error);
      for (const dep of x.dependents) if (dep.needed && dep.state === PENDING) stack.push(dep);
    }
  }

  private finish(n: Node, value: unknown): void {
    this.done += 1;
    n.state = DONE;
    n.value = value;
    this.executor.hold?.(value, n.ctx);
    const deps = n.deps;
    for (let j = 0; j < deps.length; j++) {
      const d = deps[j]!;
      d.readers -= 1;
      if (d.readers === 0) this.maybeDrop(d);
    }
    const ds = n.dependents;
    for (let j = 0; j < ds.length; j++) {
      const k = ds[j]!;
      if (k.needed && k.state === PENDING && --k.waiting === 0) this.ready.push(k);
    }
    const ls = this.listeners;
    if (ls.length > 0) for (const l of ls) l.onTaskFinish?.({ task: n.task, done: this.done, total: this.total });
    const ws = n.waiters;
    n.waiters = null;
    if (ws) for (const w of ws) w.resolve(value);
    this.maybeDrop(n);
  }

  private fail(n: Node, err: unknown): void {
    // A task over taskTimeout already names itself; anything else is wrapped with key, op and partition.
    const e = err instanceof TaskError || err instanceof TimeoutError ? err : new TaskError(n.task, err, this.executor.name);
    this.settleFailed(n, e);
  }

  private pump(): void {
    if (this.pumping || this.closed) return; // re-entrancy from a synchronously settled task: the running loop picks it up
    this.pumping = true;
    const { executor, ready, listeners } = this;
    try {
      const outer = this.options.signal;
      const deadline = this.deadline;
      while (!this.closed && ready.size > 0 && this.inFlight - this.seceded < executor.concurrency) {
        // Inline runs never yield to timers or abort events: check by hand between tasks.
        if (outer?.aborted) return this.stop(outer.reason);
        if (deadline && performance.now() >= deadline.at) return this.stop(new RunDeadline(deadline.ms));
        const n = ready.pop();
        if (n.state !== PENDING) continue;
        n.state = RUNNING;
        const t = n.task;
        const deps = n.deps;
        const inputs = new Array(deps.length);
        for (let j = 0; j < deps.length; j++) inputs[j] = deps[j]!.value;
        if (listeners.length > 0) for (const l of listeners) l.onTaskStart?.(t);
        let result: unknown;
        try {
          setCurrentRun(n.ctx); // a user function run here (sync) may open a nested client on this run
          result = !runsInPlace(t) ? executor.run(t, inputs, n.ctx) : executor.runInline ? executor.runInline(t, inputs, n.ctx) : executeTask(t, inputs);
        } catch (err) {
          this.fail(n, err);
          continue;
        } finally {
          setCurrentRun(null);
        }
        if (result instanceof Promise) {
          this.inFlight += 1;
          this.running.add(n);
          result.then(
            (v) => {
              this.inFlight -= 1;
              this.running.delete(n);
              if (this.closed || n.state !== RUNNING) return;
              this.finish(n, v);
              this.pump();
            },
            (err) => {
              this.inFlight -= 1;
              this.running.delete(n);
              if (this.closed || n.state !== RUNNING) return;
              this.fail(n, err);
              this.pump();
            },
          );
        } else {
          this.finish(n, result);
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
