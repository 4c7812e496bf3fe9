// The task graph as plain data. A task names a registered operation by id and carries only
// serialisable arguments, so any executor (inline, worker thread, child process, remote) can run it.

/** A task's identity. Deterministic: the same work built twice gets the same key (see tokenize.ts). */
export type Key = string;

/** Stands inside a task's args for the result of dependency `$ref`. */
export interface Ref {
  readonly $ref: Key;
}

export interface Task {
  readonly key: Key;
  /** Id of an operation in the op registry (registry.ts). Never a function: graphs must ship. */
  readonly op: string;
  /** Plain data (numbers, strings, arrays, objects, typed arrays, Arrow batches) and Refs. */
  readonly args: readonly unknown[];
  /** Keys whose results this task reads, in the order they are handed to the executor. */
  readonly deps: readonly Key[];
  /** How to run it, where that is not the default: travels with the task to whichever worker runs it. */
  readonly settings?: TaskSettings;
}

/** Per-task settings a worker needs (execute.ts reads them); absent = defaults (the CPU kernels). */
export interface TaskSettings {
  /** Name of the kernel backend (kernels/backend.ts) whose kernels run this task's ops. */
  readonly backend: string;
}

/** The same graph with `settings` on every task (one shared object: it costs a reference per task). */
export function withSettings(graph: Graph, settings: TaskSettings): Graph {
  const out: Graph = new Map();
  for (const [k, t] of graph) out.set(k, { ...t, settings });
  return out;
}

/** Keys map to tasks; insertion order carries no meaning. */
export type Graph = Map<Key, Task>;

export function ref(key: Key): Ref {
  return { $ref: key };
}

export function isRef(x: unknown): x is Ref {
  return typeof x === 'object' && x !== null && typeof (x as Ref).$ref === 'string' && Object.keys(x).length === 1;
}

/** Collect every Ref inside `args`, in first-seen order without repeats: a task's deps. */
export function refsIn(args: readonly unknown[]): Key[] {
  const seen = new Set<Key>();
  const visit = (x: unknown): void => {
    if (isRef(x)) {
      seen.add(x.$ref);
    } else if (Array.isArray(x)) {
      for (const y of x) visit(y);
    } else if (isPlainObject(x)) {
      for (const y of Object.values(x)) visit(y);
    }
  };
  for (const a of args) visit(a);
  return [...seen];
}

/** Build a task whose deps are the Refs found in its args. */
export function task(key: Key, op: string, args: readonly unknown[]): Task {
  return { key, op, args, deps: refsIn(args) };
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Merge graphs; tasks with equal keys are the same work by construction, so the first one wins. */
export function mergeGraphs(...graphs: Graph[]): Graph {
  const out: Graph = new Map();
  for (const g of graphs) for (const [k, t] of g) if (!out.has(k)) out.set(k, t);
  return out;
}
