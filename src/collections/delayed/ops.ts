// The ops of delayed calls: calling a shipped user function (in whichever worker runs the task), picking
// an attribute of a result, and two core-only (inline) steps: finishing a collection argument on the
// main thread, and standing for a Future's key. src/ops.ts imports this, so every worker registers it.

import { registerOp } from '../../scheduler/registry.ts';
import { type UdfRef, loadUdf } from '../../kernels/groupby/udf-runtime.ts';
import { currentRun, runAsTask } from '../../futures/task-scope.ts';

type Fn = (...args: unknown[]) => unknown;

/** Prefix the user's error with which call failed (`fitOls(Table[100x3], 5)`), keeping its class and stack. */
export function annotate(err: unknown, label: string): Error {
  // A failure of nested work keeps its own key and class: wrapped, so this task's error names this task.
  if (err instanceof Error && err.name === 'TaskError') {
    const wrapped = new Error(`${label} threw: ${err.message}`, { cause: err });
    wrapped.stack = `Error: ${wrapped.message}\nCaused by: ${err.stack ?? err.message}`;
    return wrapped;
  }
  if (err instanceof Error) {
    try {
      err.message = `${label} threw: ${err.message}`;
      return err;
    } catch {
      return new Error(`${label} threw: ${err.message}`, { cause: err });
    }
  }
  return new Error(`${label} threw a non-Error value: ${String(err)}`, { cause: err });
}

function callWith(fn: Fn, args: readonly unknown[], label: string): unknown {
  let result: unknown;
  try {
    result = fn(...args);
  } catch (e) {
    throw annotate(e, label);
  }
  return result instanceof Promise ? result.catch((e: unknown) => Promise.reject(annotate(e, label))) : result;
}

/**
 * args: the user function's reference, its arguments (dependencies already substituted), a label for
 * errors, and the task's key (the function may open a nested client with getClient(): futures/get-client.ts).
 */
export function callDelayed(ref: UdfRef, args: readonly unknown[], label: string, key?: string): unknown {
  const run = currentRun();
  const fn = loadUdf(ref);
  return fn instanceof Promise ? fn.then((f) => runAsTask(run, key, () => callWith(f, args, label))) : runAsTask(run, key, () => callWith(fn, args, label));
}

/** Result of one item of a map() batch: failures travel as data so one bad item fails only its own future. */
export type BatchItem = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly name: string; readonly message: string; readonly stack: string };

/** Run the function on each item of a batch (map with chunksize k): one task, k calls, k separate outcomes. */
export async function callBatch(ref: UdfRef, items: readonly unknown[], labels: readonly string[], key?: string): Promise<BatchItem[]> {
  const run = currentRun();
  const fn = await loadUdf(ref);
  const out: BatchItem[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push({ ok: true, value: await runAsTask(run, key, () => callWith(fn, [items[i]], labels[i]!)) });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      out.push({ ok: false, name: err.name, message: err.message, stack: err.stack ?? '' });
    }
  }
  return out;
}

/** Item i of a batch's results; a failed item raises its own error again (with the worker's stack). */
export function pickBatchItem(items: readonly BatchItem[], i: number): unknown {
  const item = items[i]!;
  if (item.ok) return item.value;
  const err = new Error(item.message);
  err.name = item.name;
  err.stack = item.stack;
  throw err;
}

const HIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** `d.get(k)`: a Map entry, an own property or array index, or a getter of a class instance (table.numRows). */
export function getAttribute(value: unknown, k: string | number): unknown {
  if (value instanceof Map) {
    if (value.has(k)) return value.get(k);
    throw new Error(`get(${JSON.stringify(k)}): the Map has no such key; keys: ${[...value.keys()].slice(0, 10).map((x) => JSON.stringify(x)).join(', ')}`);
  }
  if (typeof value === 'object' && value !== null) {
    if (Object.hasOwn(value, k)) return (value as Record<string | number, unknown>)[k];
    if (!Array.isArray(value) && !HIDDEN.has(String(k)) && k in value && typeof (value as Record<string | number, unknown>)[k] !== 'function') {
      return (value as Record<string | number, unknown>)[k];
    }
    const keys = Object.keys(value);
    throw new Error(
      `get(${JSON.stringify(k)}): the value has no such ${Array.isArray(value) ? `index (length ${value.length})` : `key; keys: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''}`}`,
    );
  }
  throw new Error(`get(${JSON.stringify(k)}): the value is ${value === null ? 'null' : typeof value}, which has no keys`);
}

registerOp('delayed.call', callDelayed);
registerOp('delayed.batch', callBatch);
registerOp('delayed.batch-pick', pickBatchItem, { inline: true });
registerOp('delayed.get', getAttribute, { inline: true });
// Core-only: args hold a main-thread function (the collection's finish); inline ops are never shipped.
registerOp('delayed.finish-collection', (finish: (values: unknown[]) => unknown, values: unknown[]) => finish(values), { inline: true });
// Stands for a Future's key. In its own client the session already holds that key, so this task is never
// added; anywhere else (compute(), another client) it waits for the Future's result on the main thread.
registerOp('delayed.future', (future: { result(): Promise<unknown> }) => future.result(), { inline: true });
