// Running one task: substitute dependency results for Refs, then call the registered op.
// Shared by every executor, in the main thread and inside workers, so all of them agree on semantics.

import { type Key, type Task, isRef, isPlainObject } from './graph.ts';
import { type OpFunction, getOp, hasOp, isInlineOp } from './registry.ts';
import { type KernelBackend, CPU_BACKEND, kernelBackend } from '../kernels/backend.ts';

/** Op id of a fused linear chain: args[0] is the list of inner tasks, run in order; the last one's value is the result. */
export const CHAIN_OP = 'tessera.chain';

export interface ChainStep {
  readonly key: Key;
  readonly op: string;
  readonly args: readonly unknown[];
}

/**
 * Whether the scheduler core runs `task` in place rather than handing it to the executor: an inline op
 * (registry), or a fused chain of nothing but inline ops (a small combine fused with its finalize).
 */
export function runsInPlace(task: Task): boolean {
  if (task.op !== CHAIN_OP) return isInlineOp(task.op);
  const steps = task.args[0] as readonly ChainStep[];
  for (let i = 0; i < steps.length; i++) if (!isInlineOp(steps[i]!.op)) return false;
  return true;
}

function substitute(x: unknown, values: ReadonlyMap<Key, unknown>): unknown {
  if (isRef(x)) {
    if (!values.has(x.$ref)) throw new Error(`missing value for dependency '${x.$ref}'`);
    return values.get(x.$ref);
  }
  if (Array.isArray(x)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < x.length; i++) {
      const y = substitute(x[i], values);
      if (y !== x[i]) {
        out ??= x.slice();
        out[i] = y;
      }
    }
    return out ?? x;
  }
  if (isPlainObject(x)) {
    let out: Record<string, unknown> | null = null;
    for (const k of Object.keys(x)) {
      const y = substitute(x[k], values);
      if (y !== x[k]) {
        out ??= { ...x };
        out[k] = y;
      }
    }
    return out ?? x;
  }
  return x;
}

/** Whether `x` holds a Ref to `key` anywhere inside it. */
function refersTo(x: unknown, key: Key): boolean {
  if (isRef(x)) return x.$ref === key;
  if (Array.isArray(x)) return x.some((y) => refersTo(y, key));
  if (isPlainObject(x)) return Object.keys(x).some((k) => refersTo(x[k], key));
  return false;
}

/** The function that runs `op` on `backend`: the backend's kernel if it has one, else the registered (CPU) op. */
function opFor(backend: KernelBackend, op: string): OpFunction {
  return (backend.kernels as Record<string, OpFunction | undefined>)[op] ?? getOp(op);
}

/**
 * Run `task` with `inputs[i]` the value of `task.deps[i]`. May return a Promise (async ops, e.g. file reads).
 * The kernel backend comes from the task's own settings, so every executor and worker chooses alike.
 */
export function executeTask(task: Task, inputs: readonly unknown[]): unknown {
  const backend = task.settings ? kernelBackend(task.settings.backend) : CPU_BACKEND;
  const values = new Map<Key, unknown>();
  for (let i = 0; i < task.deps.length; i++) values.set(task.deps[i]!, inputs[i]);
  if (task.op === CHAIN_OP) return runChain(task.args[0] as ChainStep[], values, backend);
  const args = task.deps.length === 0 ? task.args : (substitute(task.args, values) as unknown[]);
  return opFor(backend, task.op)(...args);
}

/**
 * A pair of CPU ops registered as one op 'A>B' (e.g. a Parquet read fused with the reduction after it),
 * used when the backend replaces neither step with its own kernel.
 */
function registeredPair(backend: KernelBackend, a: string, b: string): ((first: unknown[], rest: unknown[]) => unknown) | undefined {
  const id = `${a}>${b}`;
  if (!hasOp(id)) return undefined;
  const kernels = backend.kernels as Record<string, OpFunction | undefined>;
  if (kernels[a] !== undefined || kernels[b] !== undefined) return undefined;
  return getOp(id) as (first: unknown[], rest: unknown[]) => unknown;
}

function runChain(steps: readonly ChainStep[], values: Map<Key, unknown>, backend: KernelBackend): unknown {
  let last: unknown;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const args = substitute(step.args, values) as unknown[];
    const next = steps[i + 1];
    const pair = next ? (backend.pairs?.[`${step.op}>${next.op}`] ?? registeredPair(backend, step.op, next.op)) : undefined;
    // A backend may run this step and the next as one kernel when the next reads this one's value first.
    // A fused step's own value is never materialised, so no other reference to it may exist in the chain.
    const fused =
      pair !== undefined &&
      isRef(next!.args[0]) &&
      next!.args[0].$ref === step.key &&
      !refersTo(next!.args.slice(1), step.key) &&
      !steps.slice(i + 2).some((later) => refersTo(later.args, step.key));
    const done = fused ? next! : step;
    last = fused ? pair(args, substitute(next!.args.slice(1), values) as unknown[]) : opFor(backend, step.op)(...args);
    const rest = fused ? i + 2 : i + 1;
    if (last instanceof Promise) {
      // An async step: finish the rest of the chain once it settles.
      return last.then((v) => {
        values.set(done.key, v);
        return rest < steps.length ? runChain(steps.slice(rest), values, backend) : v;
      });
    }
    values.set(done.key, last);
    if (fused) i++;
  }
  return last;
}
