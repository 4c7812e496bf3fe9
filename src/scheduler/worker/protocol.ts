// The messages exchanged with worker threads and worker processes: a batch of ready tasks goes out,
// one result per task comes back. A task's own error is a result, never a rejection, so that a
// rejection always means the worker itself died (the only case worth a retry).

import type { Task } from '../graph.ts';
import type { WireMode } from '../transport.ts';
import type { SerializedError } from '../remote-errors.ts';

export interface WireTask {
  /** The task with its args already encoded by toWire. */
  readonly task: Task;
  /** Encoded values of task.deps, in order. */
  readonly inputs: readonly unknown[];
}

export interface BatchRequest {
  readonly mode: WireMode;
  /** Modules (file URLs or specifiers) each worker imports once before running tasks: extra op registrations. */
  readonly modules: readonly string[];
  readonly tasks: readonly WireTask[];
  /** The run these tasks belong to (scheduler/nested.ts): a task's nested client names it in its requests. */
  readonly run?: number;
  /**
   * Set when the caller times each task (config taskTimeout): the worker reports each task's start, a
   * thread by storing index + 1 here (a SharedArrayBuffer) and notifying, a process by a message.
   */
  readonly started?: Int32Array;
  readonly reportStarts?: boolean;
  /**
   * Threads only: the batch's control word, shared with the caller: [state, thread id]. A thread holds a
   * second batch queued behind the one it runs; the caller cancels a queued batch by moving its state from
   * BATCH_QUEUED to BATCH_CANCELLED (the thread then skips it), and stops a running one by terminating the
   * thread whose id the batch stored when it started.
   */
  readonly control?: Int32Array;
  /**
   * Threads only: the tasks are shared by several copies of this batch, one per thread (pooled.ts
   * dispatchShared). claims[0] is the next task to take; each copy takes tasks until none is left and stores
   * its `copy` number + 1 at claims[1 + i] when it takes task i. Results then carry the task's index.
   */
  readonly claims?: Int32Array;
  readonly copy?: number;
}

/** Indices into BatchRequest.control, and the states of its first word. */
export const BATCH_STATE = 0;
export const BATCH_THREAD = 1;
export const BATCH_QUEUED = 0;
export const BATCH_RUNNING = 1;
export const BATCH_CANCELLED = 2;
export const BATCH_DONE = 3;

/** A worker process's message: a batch's results, or (when asked) the start of one of its tasks. */
export type ProcessMessage = { readonly id: number; readonly results: TaskResult[] } | { readonly id: number; readonly started: number };

/** A warning a task emitted (process.emitWarning) inside a worker, re-emitted in the caller. */
export interface SerializedWarning {
  readonly message: string;
  readonly type: string;
  readonly code?: string;
}

export type TaskResult = (
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedError }
) & {
  readonly ms: number;
  readonly warnings?: readonly SerializedWarning[];
  /** The task's index in the batch, for a copy of a shared batch (BatchRequest.claims). */
  readonly index?: number;
};
