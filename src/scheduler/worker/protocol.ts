// The messages exchanged with worker threads and worker processes: a batch of ready tasks goes out,
// one result per task comes back. A task's own error is a result, never a rejection, so that a
// rejection always means the worker itself died (the only case worth a retry).

import type { Task } from '../graph.ts';
import type { WireMode } from '../transport.ts';

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
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

export type TaskResult =
  | { readonly ok: true; readonly value: unknown; readonly ms: number }
  | { readonly ok: false; readonly error: SerializedError; readonly ms: number };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, stack: err.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** An Error carrying the worker's name, message and stack (the stack points into the user's op). */
export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  if (e.code) (err as Error & { code?: string }).code = e.code;
  return err;
}
