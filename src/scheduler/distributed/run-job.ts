// The body of a distributed job, inside a worker thread: check the client's code version, read the inputs
// from storage, run each task with the same executeTask every scheduler uses, store the outputs (big ones
// as files under the run's directory), and return one outcome per task. Heavy work never touches the
// worker process's event loop, which must stay free to renew BullMQ's job locks.

import { executeTask } from '../execute.ts';
import { serializeError } from '../remote-errors.ts';
import { importUserModule, markWorker } from '../worker-guard.ts';
import { captureWarnings, takeWarnings } from '../worker/warnings.ts';
import type { JobData, JobTask, TaskOutcome } from './protocol.ts';
import { loadValue, pack, storeValue, unpack } from './values.ts';
import { versionMismatch } from './version.ts';

export interface JobRequest {
  readonly data: JobData;
  /** This host's storage root (its --storage directory). */
  readonly root: string;
  /** "host/worker-id", for messages. */
  readonly host: string;
}

const OPS = new URL(`../../ops${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
const loaded = new Map<string, Promise<unknown>>();

captureWarnings();
markWorker();

function loadModule(m: string): Promise<unknown> {
  let p = loaded.get(m);
  if (!p) {
    p = (m === OPS ? import(m) : importUserModule(m)).catch((err: unknown) => {
      loaded.delete(m);
      throw new Error(`the worker on ${hostName()} could not import module '${m}': ${(err as Error)?.message ?? String(err)}`, { cause: err });
    });
    loaded.set(m, p);
  }
  return p;
}

let host = '';
const hostName = (): string => host;

export async function runJob(req: JobRequest): Promise<string> {
  host = req.host;
  const { data, root } = req;
  const tasks = unpack(data.tasks) as JobTask[];
  const refusal = versionMismatch(data, req.host);
  if (refusal !== null) {
    const error = serializeError(Object.assign(new Error(refusal), { name: 'VersionMismatchError' }));
    return pack(tasks.map((): TaskOutcome => ({ ok: false, error, ms: 0, refused: true })));
  }
  let modulesError: unknown = null;
  try {
    await loadModule(OPS);
    for (const m of data.load) await loadModule(m);
  } catch (err) {
    modulesError = err;
  }
  const out: TaskOutcome[] = [];
  for (const { task, inputs, stem } of tasks) {
    const t0 = performance.now();
    try {
      if (modulesError) throw modulesError;
      const args = task.args.length === 0 ? task.args : (loadValue(task.args, root) as unknown[]);
      let value = executeTask({ ...task, args }, inputs.map((x) => loadValue(x, root)));
      if (value instanceof Promise) value = await value;
      const stored = storeValue(value, { root, dir: data.dir, stem, count: 0, written: 0 });
      out.push({ ok: true, value: stored, ms: performance.now() - t0, warnings: takeWarnings() });
    } catch (err) {
      out.push({ ok: false, error: serializeError(err), ms: performance.now() - t0, warnings: takeWarnings() });
    }
  }
  return pack(out);
}
