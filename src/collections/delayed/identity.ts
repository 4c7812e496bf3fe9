// What makes two delayed calls "the same work": a token for the function (its module reference, or its
// source when it is self-contained) and for each argument, plus a short human summary for error messages.

import { threadId } from 'node:worker_threads';
import { freeVariables, isModuleUdf } from '../udf.ts';
import { EMIT_HELPERS } from '../../kernels/groupby/udf-runtime.ts';
import { stableStringify } from '../../scheduler/tokenize.ts';

/** Unique per object: for values whose contents cannot be hashed cheaply or safely (closures, class instances). */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
// Tasks submitted from worker threads (nested clients) share the main thread's Session and its pid: the
// thread id and a random tag keep two threads' counters from ever naming different objects alike.
const THREAD_TAG = `${process.pid}.${threadId}.${Math.random().toString(36).slice(2, 10)}`;

export function identityToken(x: object): string {
  let id = identities.get(x);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(x, id);
  }
  return `@${THREAD_TAG}.${id}`;
}

const fnTokens = new WeakMap<object, string>();

/**
 * A module reference is its URL and export; a self-contained function is its source (two copies of the same
 * arrow function are the same work); a closure is its identity, because two closures with the same source
 * can capture different values and must never share a result.
 */
export function functionToken(fn: unknown): string {
  if (isModuleUdf(fn)) return `M${fn.module}#${fn.export}`;
  const f = fn as (...a: unknown[]) => unknown;
  let tok = fnTokens.get(f);
  if (tok === undefined) {
    const source = f.toString();
    let selfContained = false;
    if (!/\[native code\]/.test(source)) {
      try {
        // A compiler's helpers (esbuild's __name under tsx) are shipped with the source (udf.ts): not free.
        selfContained = freeVariables(source).every((v) => Object.hasOwn(EMIT_HELPERS, v));
      } catch {
        selfContained = false;
      }
    }
    tok = selfContained ? `S${source}` : `L${identityToken(f)}`;
    fnTokens.set(f, tok);
  }
  return tok;
}

/** Typed arrays up to this size are hashed by content; larger ones by identity (hashing 400 MB per call costs seconds). */
const HASH_CONTENT_BYTES = 1 << 20;

/** Token of a leaf argument (not a Delayed, collection, Future, array or plain object). */
export function leafToken(x: unknown): string {
  if (typeof x === 'function') return `f${functionToken(x)}`;
  if (typeof x !== 'object' || x === null) return stableStringify(x);
  if (ArrayBuffer.isView(x) && x.byteLength <= HASH_CONTENT_BYTES) return stableStringify(x);
  return identityToken(x);
}

/** Name usable inside a task key: no '#' (partition suffix), short. */
export function keyName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return clean.length > 0 ? clean : 'delayed';
}

/** A short summary of one argument, e.g. `Float64Array[1000]`, `Table[100x3]`, `{a, b}`, `"text"`. */
export function summarize(x: unknown, depth = 0): string {
  if (x === null || x === undefined || typeof x === 'boolean') return String(x);
  if (typeof x === 'number' || typeof x === 'bigint') return clip(typeof x === 'bigint' ? `${x}n` : String(x), 24);
  if (typeof x === 'string') return clip(JSON.stringify(x), 24);
  if (typeof x === 'function') return `function ${x.name || '(anonymous)'}`;
  if (typeof x !== 'object') return typeof x;
  const described = (x as { describeArgument?: () => string }).describeArgument;
  if (typeof described === 'function') return described.call(x);
  if (typeof (x as Record<symbol, unknown>)[Symbol.for('tessera.collection')] === 'function') return x.constructor?.name ?? 'collection';
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}[${(x as unknown as { length?: number }).length ?? x.byteLength}]`;
  const table = x as { numRows?: unknown; numCols?: unknown };
  if (typeof table.numRows === 'number' && typeof table.numCols === 'number') return `${x.constructor.name}[${table.numRows}x${table.numCols}]`;
  if (Array.isArray(x)) return depth > 0 || x.length > 4 ? `array[${x.length}]` : `[${x.map((y) => summarize(y, depth + 1)).join(', ')}]`;
  const keys = Object.keys(x);
  const proto = Object.getPrototypeOf(x);
  const label = proto === Object.prototype || proto === null ? '' : (proto?.constructor?.name ?? 'object');
  return `${label}{${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

/** Summary of an argument list, at most ~120 characters. */
export function summarizeArgs(args: readonly unknown[]): string {
  return clip(args.map((a) => summarize(a)).join(', '), 120);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
