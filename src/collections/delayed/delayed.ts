// delayed(fn)(...args): a lazy call of any JavaScript function, a collection kind of its own (the collection
// protocol, output.ts), so compute(d1, d2, someScalar) runs everything in one graph. Keys come from the
// function's identity and the arguments: the same call built twice is one task (pure: false opts out).

import type { Key } from '../../scheduler/graph.ts';
import { isPlainObject, isRef, ref } from '../../scheduler/graph.ts';
import { hashString, stableStringify, uniqueToken } from '../../scheduler/tokenize.ts';
import { assertKnownOptions } from '../../config.ts';
import { setOwn } from '../../kernels/name-records.ts';
import { COLLECTION, type Collection, type Output, isCollection, outputOf } from '../output.ts';
import type { GraphBuilder } from '../lower.ts';
import { isModuleUdf, shipFunction, type ModuleUdf } from '../udf.ts';
import { type ComputeOptions, computeOne, explainOutputs } from '../compute.ts';
import { functionToken, keyName, leafToken, summarize, summarizeArgs } from './identity.ts';
import './ops.ts';

/** Brand of a Delayed (Symbol.for: recognised across copies of tessera). */
export const DELAYED = Symbol.for('tessera.delayed');
/** Brand of a futures-client Future: an argument that stands for a key its client's session holds. */
export const FUTURE = Symbol.for('tessera.future');

/** What lowering needs from a Future (src/futures/future.ts). */
export interface FutureLike {
  readonly [FUTURE]: true;
  readonly key: Key;
  result(): Promise<unknown>;
}

export function isFuture(x: unknown): x is FutureLike {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[FUTURE] === true;
}

export function isDelayed(x: unknown): x is Delayed {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DELAYED] === true;
}

export type DelayedFunction = ((...args: any[]) => unknown) | ModuleUdf;

/** How a Delayed was made: a call, an attribute of another's result, or (map batches) k calls in one task and one item of them. */
export type DelayedSpec =
  | { readonly kind: 'call'; readonly fn: DelayedFunction; readonly args: readonly unknown[]; readonly name: string; readonly unique: string | null }
  | { readonly kind: 'get'; readonly parent: Delayed; readonly at: string | number }
  | { readonly kind: 'batch'; readonly fn: DelayedFunction; readonly items: readonly unknown[]; readonly name: string; readonly unique: string | null }
  | { readonly kind: 'pick'; readonly parent: Delayed; readonly index: number };

export interface DelayedOptions {
  /** Name shown in keys, explain() and errors; defaults to the function's name. */
  name?: string;
  /** false: every call is new work, even with equal arguments (random draws, side effects). Default true. */
  pure?: boolean;
}

/**
 * `delayed(fitOls)(table, 5)` -> a lazy call. Arguments may be plain values, Delayeds, Futures or collections
 * (a DataFrame arrives as an Arrow Table, a Scalar as its value), nested inside arrays and plain objects.
 * The function is shipped by the rules of groupby-apply: `udf(import.meta.url, 'name')` or a self-contained
 * function (checked for free variables when the graph is built, before any task runs).
 */
export function delayed<A extends unknown[] = unknown[], R = unknown>(fn: ((...args: A) => R) | ModuleUdf, options: DelayedOptions = {}): (...args: unknown[]) => Delayed<Awaited<R>> {
  if (typeof fn !== 'function' && !isModuleUdf(fn)) {
    throw new TypeError(`delayed(fn): fn must be a function or udf(moduleUrl, exportName); got ${summarize(fn)}`);
  }
  assertKnownOptions('delayed()', options, ['name', 'pure']);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) throw new TypeError('delayed(): name must be a non-empty string');
  if (options.pure !== undefined && typeof options.pure !== 'boolean') throw new TypeError('delayed(): pure must be true or false');
  const name = options.name ?? ((isModuleUdf(fn) ? fn.export : fn.name) || 'delayed');
  const pure = options.pure ?? true;
  return (...args: unknown[]) => new Delayed<Awaited<R>>({ kind: 'call', fn: fn as DelayedFunction, args, name, unique: pure ? null : uniqueToken('impure') });
}

export class Delayed<T = unknown> implements Collection {
  readonly [DELAYED] = true as const;
  constructor(readonly spec: DelayedSpec) {}

  /** The function's name (or the attribute path) this Delayed stands for. */
  get name(): string {
    const s = this.spec;
    switch (s.kind) {
      case 'call':
      case 'batch':
        return s.name;
      case 'get':
        return `${s.parent.name}.get(${JSON.stringify(s.at)})`;
      case 'pick':
        return `${s.parent.name}[${s.index}]`;
    }
  }

  /** Lazy attribute or index of the result: `fit.get('coef')`, `pair.get(0)`. */
  get(at: string | number): Delayed {
    if (typeof at !== 'string' && !(Number.isInteger(at) && at >= 0)) throw new TypeError(`get(): expected a key (string) or an index (integer >= 0); got ${summarize(at)}`);
    return new Delayed({ kind: 'get', parent: this, at });
  }

  [COLLECTION](): Output<T> {
    return delayedOutput(this, new Map(collectionsUnder(this).map((c) => [c, outputOf(c)]))) as Output<T>;
  }

  compute(options: ComputeOptions = {}): Promise<T> {
    return computeOne(this[COLLECTION](), options);
  }

  /** The calls and collections this Delayed runs, and the size of the graph. */
  explain(options: ComputeOptions = {}): string {
    return explainOutputs([this[COLLECTION]()], options);
  }

  /** How the Delayed appears in error summaries of other calls. */
  describeArgument(): string {
    return `Delayed ${this.name}`;
  }
}

/** Every collection (not a Delayed) inside the arguments of `root` and the Delayeds it depends on. */
function collectionsUnder(root: Delayed): Collection[] {
  const found = new Set<Collection>();
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (isDelayed(x)) {
      const s = x.spec;
      if (s.kind === 'call') s.args.forEach(visit);
      else if (s.kind === 'batch') s.items.forEach(visit);
      else visit(s.parent);
    } else if (isCollection(x)) found.add(x);
    else if (Array.isArray(x)) x.forEach(visit);
    else if (isPlainObject(x)) Object.values(x).forEach(visit);
  };
  visit(root);
  return [...found];
}

function delayedOutput(root: Delayed, subs: ReadonlyMap<Collection, Output>): Output {
  return {
    frames: [...subs.values()].flatMap((o) => o.frames),
    reductions: [...subs.values()].flatMap((o) => o.reductions),
    withFrames: (rw) => delayedOutput(root, new Map([...subs].map(([c, o]) => [c, o.withFrames(rw)]))),
    lower(builder): Key[] {
      const ctx: LowerContext = { builder, subs, pins: new Set(), memo: memoOf(builder) };
      const key = lowerDelayed(root, ctx);
      // Pinned keys are never fused into a chain: a core-only step (a collection's finish, a Future) must
      // stay a task of its own, not travel to a worker inside its reader's chain.
      return [key, ...[...ctx.pins].filter((k) => k !== key)];
    },
    finish: (values) => values[0],
    explain: () => [describeDelayed(root, ''), ...[...subs.values()].map((o) => `argument:\n${indent(o.explain())}`)].join('\n'),
  };
}

interface LowerContext {
  readonly builder: GraphBuilder;
  readonly subs: ReadonlyMap<Collection, Output>;
  readonly pins: Set<Key>;
  readonly memo: Map<Delayed, Key>;
}

const memos = new WeakMap<GraphBuilder, Map<Delayed, Key>>();
function memoOf(builder: GraphBuilder): Map<Delayed, Key> {
  let m = memos.get(builder);
  if (!m) memos.set(builder, (m = new Map()));
  return m;
}

function lowerDelayed(d: Delayed, ctx: LowerContext): Key {
  const hit = ctx.memo.get(d);
  if (hit !== undefined) return hit;
  const s = d.spec;
  const { builder } = ctx;
  let key: Key;
  switch (s.kind) {
    case 'call': {
      const fnRef = shipFunction(s.fn, builder.scheduler, `delayed '${s.name}'`);
      const [args, token] = lowerArg(s.args, ctx);
      key = `${keyName(s.name)}-${hashString(`${functionToken(s.fn)}|${token}|${s.unique ?? ''}`)}`;
      builder.addTask(key, 'delayed.call', [fnRef, args, `${s.name}(${summarizeArgs(s.args)})`, key]);
      break;
    }
    case 'batch': {
      const fnRef = shipFunction(s.fn, builder.scheduler, `map '${s.name}'`);
      const [items, token] = lowerArg(s.items, ctx);
      key = `${keyName(s.name)}-batch-${hashString(`${functionToken(s.fn)}|${token}|${s.unique ?? ''}`)}`;
      builder.addTask(key, 'delayed.batch', [fnRef, items, s.items.map((x) => `${s.name}(${summarize(x)})`), key]);
      break;
    }
    case 'get': {
      const parent = lowerDelayed(s.parent, ctx);
      key = `${keyName(s.parent.name)}-get-${hashString(`${parent}|${stableStringify(s.at)}`)}`;
      builder.addTask(key, 'delayed.get', [ref(parent), s.at]);
      break;
    }
    case 'pick': {
      const parent = lowerDelayed(s.parent, ctx);
      key = `${keyName(s.parent.name)}-item-${hashString(`${parent}|${s.index}`)}`;
      builder.addTask(key, 'delayed.batch-pick', [ref(parent), s.index]);
      break;
    }
  }
  ctx.memo.set(d, key);
  return key;
}

/** An argument with Delayeds, Futures and collections replaced by Refs, and its token. */
function lowerArg(x: unknown, ctx: LowerContext): [unknown, string] {
  if (isDelayed(x)) {
    const k = lowerDelayed(x, ctx);
    return [ref(k), `D${k}`];
  }
  if (isFuture(x)) {
    ctx.builder.addTask(x.key, 'delayed.future', [x]);
    ctx.pins.add(x.key);
    return [ref(x.key), `F${x.key}`];
  }
  if (isCollection(x)) {
    const out = ctx.subs.get(x)!;
    const keys = out.lower(ctx.builder);
    // Finishing (batches -> Table, picks -> value) is the collection's own code: it runs in the core.
    const k = `arg-${hashString(`${out.explain()}|${keys.join(',')}`)}`;
    ctx.builder.addTask(k, 'delayed.finish-collection', [(values: unknown[]) => out.finish(values), keys.map(ref)]);
    for (const p of keys) ctx.pins.add(p);
    ctx.pins.add(k);
    return [ref(k), `C${k}`];
  }
  if (Array.isArray(x)) {
    const values: unknown[] = [];
    const tokens: string[] = [];
    for (const y of x) {
      const [v, t] = lowerArg(y, ctx);
      values.push(v);
      tokens.push(t);
    }
    return [values, `[${tokens.join(',')}]`];
  }
  if (isPlainObject(x)) {
    if (isRef(x)) throw new TypeError('delayed: an argument of the form {$ref: string} is reserved for task references; wrap it in another object');
    const out: Record<string, unknown> = {};
    const tokens: string[] = [];
    for (const k of Object.keys(x).sort()) {
      const [v, t] = lowerArg(x[k], ctx);
      setOwn(out, k, v);
      tokens.push(`${JSON.stringify(k)}:${t}`);
    }
    return [out, `{${tokens.join(',')}}`];
  }
  const state = generatorState(x);
  if (state) return [state, stableStringify(state)];
  if (typeof x === 'symbol') throw new TypeError('delayed: a Symbol cannot be an argument (it cannot reach a worker)');
  if (typeof x === 'function' && ctx.builder.scheduler !== 'sync') {
    throw new TypeError(`delayed: a function argument (${summarize(x)}) cannot travel to '${ctx.builder.scheduler}' workers; pass udf(import.meta.url, 'name') and load it in the task, or use {scheduler: 'sync'}`);
  }
  return [x, leafToken(x)];
}

/**
 * A random Generator (src/random) travels as its state, plain data: the task rebuilds it with
 * `random.generator(state)` and draws the same numbers on every scheduler, and equal states are equal work.
 * (Matched by its state's kind rather than by class, so this module does not load the random module.)
 */
function generatorState(x: unknown): object | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || isPlainObject(x)) return null;
  const toJSON = (x as { toJSON?: unknown }).toJSON;
  if (typeof toJSON !== 'function') return null;
  if (x.constructor?.name !== 'Generator') return null;
  const state = toJSON.call(x) as { kind?: unknown } | null;
  return state !== null && typeof state === 'object' && state.kind === 'tessera.random.Generator' ? state : null;
}

function describeDelayed(d: Delayed, pad: string): string {
  const s = d.spec;
  const lines = [`${pad}${s.kind === 'call' ? `delayed ${s.name}(${summarizeArgs(s.args)})` : s.kind === 'batch' ? `delayed ${s.name} over ${s.items.length} items` : `delayed ${d.name}`}`];
  const children: Delayed[] = [];
  const visit = (x: unknown): void => {
    if (isDelayed(x)) children.push(x);
    else if (Array.isArray(x)) x.forEach(visit);
    else if (isPlainObject(x)) Object.values(x).forEach(visit);
  };
  if (s.kind === 'call') s.args.forEach(visit);
  else if (s.kind === 'batch') s.items.forEach(visit);
  else children.push(s.parent);
  for (const c of children) lines.push(describeDelayed(c, `${pad}  `));
  return lines.join('\n');
}

function indent(s: string): string {
  return s.split('\n').map((l) => `  ${l}`).join('\n');
}
