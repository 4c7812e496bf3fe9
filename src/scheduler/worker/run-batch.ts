// The body of every worker, thread or process: import the op registrations, then run a batch of tasks
// one after another with the same executeTask the sync scheduler uses, so results cannot differ.

import { executeTask } from '../execute.ts';
import { arrowBytes, fromWire, sharedBytes, toWire } from '../transport.ts';
import type { BatchRequest, TaskResult } from './protocol.ts';
import { serializeError } from '../remote-errors.ts';
import { captureWarnings, takeWarnings } from './warnings.ts';
import { collectIfGrown, noteReleased } from './shared-gc.ts';
import { importUserModule, markWorker } from '../worker-guard.ts';
import { setCurrentRun } from '../nested.ts';

// Every op registration (src/ops.ts, .js once built), then the extra modules of the request. All are
// imported lazily inside a task rather than at worker start-up: a module that fails to load surfaces as
// that task's error, instead of a worker that dies while booting (which piscina then stops replacing).
const OPS = new URL(`../../ops${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
const loaded = new Map<string, Promise<unknown>>();
/** The ops module still to import, or null inside a bundle, which holds the registrations already. */
let opsModule: string | null = OPS;

/** Called by the bundle entries (bundled-ops.ts): the ops are registered, do not import src/ops at run time. */
export function opsAlreadyLoaded(): void {
  opsModule = null;
}

captureWarnings();
markWorker();

function loadModule(m: string): Promise<unknown> {
  let p = loaded.get(m);
  if (!p) {
    p = (m === opsModule ? import(m) : importUserModule(m)).catch((err: unknown) => {
      loaded.delete(m); // retry the import next time rather than caching the failure
      throw new Error(`a worker could not import module '${m}': ${(err as Error)?.message ?? String(err)}`, { cause: err });
    });
    loaded.set(m, p);
  }
  return p;
}

/**
 * Run the batch's tasks in order, or for a copy of a shared batch (req.claims) the tasks no other copy has
 * taken yet, one at a time; `onTaskStart(i)` is told before task i begins (for the caller's time limits).
 */
export async function runBatch(req: BatchRequest, onTaskStart?: (index: number) => void): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  let modulesError: unknown = null;
  try {
    if (opsModule) await loadModule(opsModule);
    for (const m of req.modules) await loadModule(m);
  } catch (err) {
    modulesError = err;
  }
  const claims = req.claims;
  for (let next = 0; ; next++) {
    const i = claims ? Atomics.add(claims, 0, 1) : next;
    if (i >= req.tasks.length) break;
    if (claims) Atomics.store(claims, 1 + i, (req.copy ?? 0) + 1);
    const { task, inputs } = req.tasks[i]!;
    onTaskStart?.(i);
    const t0 = performance.now();
    // Shared memory this worker lets go of with the task: its Arrow inputs, and its result once sent. Array
    // inputs are left out: they are mostly persisted arrays or views shared by many tasks, which a collection
    // here would not free (sum(axis=0) over 100 MB chunks would collect after every chunk); the result is
    // garbage here once sent, whichever kind it is.
    let handedOn = 0;
    try {
      if (modulesError) throw modulesError;
      const t = task.args.length === 0 ? task : { ...task, args: fromWire(task.args) as unknown[] };
      const values = inputs.map(fromWire);
      handedOn += arrowBytes(values);
      setCurrentRun(req.run ?? null); // a user function may open a nested client on this run (getClient())
      let value: unknown;
      try {
        value = executeTask(t, values);
      } finally {
        setCurrentRun(null);
      }
      if (value instanceof Promise) value = await value;
      handedOn += sharedBytes(value);
      results.push({ ok: true, value: toWire(value, req.mode), ms: performance.now() - t0, warnings: takeWarnings(), ...(claims ? { index: i } : {}) });
    } catch (err) {
      results.push({ ok: false, error: serializeError(err), ms: performance.now() - t0, warnings: takeWarnings(), ...(claims ? { index: i } : {}) });
    }
    // Only after tasks long enough to have built partitions: keeps tiny tasks free of the rss read.
    if (performance.now() - t0 > 0.5) collectIfGrown();
    noteReleased(handedOn);
  }
  return results;
}
