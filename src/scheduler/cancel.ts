// Cancellation: the errors a stopped run rejects with, and what an executor is told about the run a
// task belongs to (its AbortSignal and per-task time limit), so it can stop exactly that run's workers.

import type { Task } from './graph.ts';

/** What the scheduler core hands an executor with every task of one run (one object per run). */
export interface RunContext {
  /** Aborted when the run is cancelled, timed out or failed: the executor stops that run's tasks. */
  readonly signal: AbortSignal;
  /** Longest a single task may run, in ms (config `taskTimeout`); null = no limit. */
  readonly taskTimeoutMs: number | null;
}

/** How a task is named in messages: key, op, partition. */
export function describeTask(task: Task): string {
  const m = /#(\d+)$/.exec(task.key);
  const op = task.op === 'tessera.chain' ? `chain ${(task.args[0] as Array<{ op: string }>).map((s) => s.op).join(' > ')}` : task.op;
  return `task '${task.key}' (op ${op}${m ? `, partition ${m[1]}` : ''})`;
}

function describeRunning(running: readonly Task[]): string {
  if (running.length === 0) return 'before any task had started';
  const shown = running.slice(0, 3).map(describeTask).join(', ');
  return `while running ${shown}${running.length > 3 ? ` and ${running.length - 3} more` : ''}`;
}

/** compute() (or head/persist/a writer) was cancelled through its AbortSignal. Nothing partial is returned. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  /** The tasks that were running when it stopped (their workers were terminated). */
  readonly running: readonly string[];
  constructor(what: string, running: readonly Task[], reason: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
    super(`${what} was aborted${why ? ` (${why})` : ''} ${describeRunning(running)}; nothing was returned and its workers were stopped`, {
      cause: reason,
    });
    this.name = 'AbortError';
    this.running = running.map((t) => t.key);
  }
}

/** A run or one task took longer than allowed (`timeout` per compute, `taskTimeout` per task). */
export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly running: readonly string[];
  readonly timeoutMs: number;
  constructor(message: string, running: readonly Task[], timeoutMs: number) {
    super(message);
    this.name = 'TimeoutError';
    this.running = running.map((t) => t.key);
    this.timeoutMs = timeoutMs;
  }

  /** The whole compute() went over its `timeout`. */
  static ofRun(what: string, ms: number, running: readonly Task[]): TimeoutError {
    return new TimeoutError(
      `${what} timed out after ${ms} ms ${describeRunning(running)}; nothing was returned and its workers were stopped. ` +
        'Raise `timeout`, or look for a function that loops forever or a promise that never settles',
      running,
      ms,
    );
  }

  /** One task went over config `taskTimeout`. */
  static ofTask(task: Task, ms: number, executor: string): TimeoutError {
    return new TimeoutError(
      `${describeTask(task)} ran longer than taskTimeout (${ms} ms) on the '${executor}' scheduler and was stopped` +
        (executor === 'sync' ? '' : ' (its worker was terminated and replaced)') +
        '. Raise taskTimeout if the task is just slow, or look for a loop that never ends or a promise that never settles',
      [task],
      ms,
    );
  }
}

/** The abort reason a run's `timeout` timer uses: the session turns it into a TimeoutError naming what ran. */
export class RunDeadline {
  constructor(readonly ms: number) {}
}

/** The pool a task was running on was closed (closeExecutors()) before the task finished. */
export class PoolClosedError extends Error {
  constructor(kind: string) {
    super(`the worker ${kind} pool was closed (closeExecutors()) while this task was running or waiting; run the compute again`);
    this.name = 'PoolClosedError';
  }
}

/** True for the errors a cancelled or timed-out run rejects with: never retried, never a schema conflict. */
export function isCancellation(err: unknown): boolean {
  return err instanceof AbortError || err instanceof TimeoutError || err instanceof PoolClosedError;
}
