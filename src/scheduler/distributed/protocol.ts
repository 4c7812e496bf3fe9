// The messages of the 'distributed' scheduler as BullMQ jobs: one job carries a batch of ready tasks
// (small descriptors: op id, args, input references); its return value carries one result per task.

import type { SerializedError } from '../remote-errors.ts';
import type { SerializedWarning } from '../worker/protocol.ts';
import type { Task } from '../graph.ts';

/** A job's data (JSON, as BullMQ stores it). */
export interface JobData {
  readonly v: 1;
  /** The run (client session) the tasks belong to; workers skip jobs of runs that ended. */
  readonly run: string;
  /** Redis list the worker pushes this job's answer onto (the client's reply list). */
  readonly reply: string;
  /** The run's directory, relative to the storage root. */
  readonly dir: string;
  /** tessera version of the client, and content hash of each user module the tasks load. */
  readonly version: string;
  readonly modules: Readonly<Record<string, string>>;
  /** workerModules to import before running (extra op registrations). */
  readonly load: readonly string[];
  /** pack()ed JobTask[]. */
  readonly tasks: string;
}

/** One task of a job: the task with stored args, its inputs (stored values) and the file-name stem of its outputs. */
export interface JobTask {
  readonly task: Task;
  readonly inputs: readonly unknown[];
  readonly stem: string;
}

export type TaskOutcome = (
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedError; readonly refused?: boolean }
) & { readonly ms: number; readonly warnings?: readonly SerializedWarning[] };

/** A job's return value. `results` is pack()ed TaskOutcome[] (values already stored). */
export interface JobResult {
  readonly host: string;
  readonly worker: string;
  /** Set instead of results when the worker skipped the job because its run had ended. */
  readonly skipped?: boolean;
  readonly results?: string;
}
