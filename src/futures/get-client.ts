// getClient(): the client a task uses to submit work of its own (Dask's get_client). Inside a task it is
// the task's nested client, on the Session that runs the task; outside any task, the open client made last.

import { resolveConfig, type SchedulerName } from '../config.ts';
import { sessionOf } from '../scheduler/nested.ts';
import { Client, latestClient } from './client.ts';
import { currentScope } from './task-scope.ts';
import { HostBackend } from './backends.ts';
import { hostOf } from './nested-host.ts';
import { RemoteBackend } from './worker-link.ts';

const SCHEDULERS: readonly SchedulerName[] = ['sync', 'threads', 'processes'];

/**
 * The client of the running task: `getClient().submit(fn, x)`, `map`, `gather`, `compute(collection)`...
 * Its work runs on the same workers as the task. While the task waits for it (`await future.result()`,
 * `gather`, `wait`, `asCompleted`), the task leaves its worker's slot to the pool (secede) and takes it
 * back when the wait is over, so nested waits never deadlock, even with one worker. Cancelling the task's
 * future cancels the work it submitted. Outside a task: the open client createClient() made last.
 */
export function getClient(): Client {
  const scope = currentScope();
  if (!scope) {
    const latest = latestClient();
    if (latest) return latest;
    throw new Error(
      'getClient(): there is no client here. Call it inside a function run as a task (client.submit/map, delayed), ' +
        'or create one first with `await createClient()`',
    );
  }
  if (scope.client) return scope.client as Client;
  let client: Client;
  if (typeof scope.run === 'number') {
    const backend = new RemoteBackend(scope.run, scope.key);
    client = new Client(resolveConfig({ scheduler: backend.scheduler }), [], backend);
  } else {
    const session = sessionOf(scope.run);
    if (!session) throw new Error('getClient(): the run of this task has ended');
    const name = session.executor.name as SchedulerName;
    const scheduler = SCHEDULERS.includes(name) ? name : 'sync';
    client = new Client(resolveConfig({ scheduler }), [], new HostBackend(hostOf(session), scope.key, scheduler));
  }
  scope.client = client;
  return client;
}
