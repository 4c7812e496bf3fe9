// User-defined group aggregations given as chunk / combine / finalize, like Dask's Aggregation:
// chunk(values of one group in one partition, params) -> state; combine(states, params) -> state;
// finalize(state, params) -> value. The three functions travel as UdfRefs (module or checked source).

import type { KeyValue } from './group-ids.ts';
import { type UdfRef, loadUdf } from './udf-runtime.ts';

/** What a task carries for one custom aggregation. */
export interface CustomAggRef {
  readonly chunk: UdfRef;
  readonly combine: UdfRef;
  readonly finalize: UdfRef;
  readonly params: unknown;
}

type Fn = (...args: unknown[]) => unknown;

export interface LoadedCustomAgg {
  readonly chunk: Fn;
  readonly combine: Fn;
  readonly finalize: Fn;
  readonly params: unknown;
}

/** Load the functions of every custom aggregation (synchronously when none is a module). */
export function loadCustomAggs(refs: ReadonlyArray<readonly [string, CustomAggRef]>): Map<string, LoadedCustomAgg> | Promise<Map<string, LoadedCustomAgg>> {
  const loaded = refs.map(([out, r]) => [out, r.params, loadUdf(r.chunk), loadUdf(r.combine), loadUdf(r.finalize)] as const);
  const build = (fns: ReadonlyArray<readonly [string, unknown, Fn, Fn, Fn]>) => new Map(fns.map(([out, params, chunk, combine, finalize]) => [out, { chunk, combine, finalize, params }]));
  if (loaded.every(([, , a, b, c]) => !(a instanceof Promise) && !(b instanceof Promise) && !(c instanceof Promise))) {
    return build(loaded as ReadonlyArray<readonly [string, unknown, Fn, Fn, Fn]>);
  }
  return Promise.all(loaded.map(async ([out, params, a, b, c]) => [out, params, await a, await b, await c] as const)).then(build);
}

/** Run `what` of a custom aggregation, naming the aggregation and group when it throws. */
export function callCustom(out: string, what: 'chunk' | 'combine' | 'finalize', fn: Fn, args: unknown[], key: () => string): unknown {
  try {
    return fn(...args);
  } catch (e) {
    throw new Error(`custom aggregation '${out}': ${what}() failed for group ${key()}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

/** Non-null values of one group, as a Float64Array for numbers or an array otherwise. */
export function groupValues(values: readonly KeyValue[]): Float64Array | KeyValue[] {
  return values.every((v) => typeof v === 'number') ? Float64Array.from(values as number[]) : values.slice();
}
