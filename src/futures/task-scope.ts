// Which task a user function is running for, across its awaits: delayed ops call the function inside a
// scope holding the run (scheduler/nested.ts) and the task's key, so getClient() finds them; when the call
// settles, the nested client the task opened (if any) is told, and gives back what it still holds.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunContext } from '../scheduler/cancel.ts';

export { currentRun } from '../scheduler/nested.ts';

export interface TaskScope {
  /** The run: its context on the thread that owns the Session (sync), its number inside a worker. */
  readonly run: RunContext | number;
  /** Key of the task the function runs for: the owner of the work its nested client submits. */
  readonly key: string;
  /** The nested client, once getClient() made one; ended when the task's call settles. */
  client: { taskEnded(): void } | null;
}

// One store per thread, on globalThis: a thread worker runs the one-file bundle of the sources, while a user
// module it imports reaches getClient() through its own copy of these files; both must see the same scope.
const SCOPES = Symbol.for('tessera.taskScopes');
const g = globalThis as unknown as Record<symbol, AsyncLocalStorage<TaskScope> | undefined>;
const scopes = (g[SCOPES] ??= new AsyncLocalStorage<TaskScope>());

export function currentScope(): TaskScope | undefined {
  return scopes.getStore();
}

/**
 * Call `fn` as the body of task `key` of `run` (read with currentRun() when the task started, before any
 * await): getClient() inside it, before and after its awaits, opens this task's client.
 */
export function runAsTask<T>(run: RunContext | number | null, key: string | undefined, fn: () => T): T {
  if (run === null || key === undefined) return fn();
  const scope: TaskScope = { run, key, client: null };
  let result: T;
  try {
    result = scopes.run(scope, fn);
  } catch (e) {
    scope.client?.taskEnded();
    throw e;
  }
  if (result instanceof Promise) {
    const end = (): void => scope.client?.taskEnded();
    result.then(end, end);
  } else scope.client?.taskEnded();
  return result;
}
