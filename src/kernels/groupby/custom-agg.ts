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

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Shows a returned value in an error: strings quoted, bigints with n, objects by kind. */
function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/**
 * The value finalize() returned for one group, checked against the aggregation's declared type: a value
 * that does not fit is an error naming aggregation, group and value, never a silent null, 0 or false.
 */
export function checkDeclared(out: string, type: string, v: unknown, key: () => string): KeyValue {
  if (v === null || v === undefined) return null;
  let ok: KeyValue | undefined;
  let hint: string;
  switch (type) {
    case 'float64':
      if (typeof v === 'number') ok = v;
      else if (typeof v === 'bigint' && Number.isFinite(Number(v)) && BigInt(Number(v)) === v) ok = Number(v); // exactly representable
      hint = "return a number (or null), or declare the type that fits, e.g. type: 'utf8'";
      break;
    case 'int32':
      if (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) ok = v;
      else if (typeof v === 'bigint' && v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX)) ok = Number(v);
      hint = "return a whole number between -2^31 and 2^31-1 (or null), or declare type: 'float64'";
      break;
    case 'utf8':
      if (typeof v === 'string') ok = v;
      hint = 'return a string (or null), e.g. String(value)';
      break;
    case 'bool':
      if (typeof v === 'boolean') ok = v;
      hint = 'return true, false or null';
      break;
    default:
      throw new TypeError(`custom aggregation '${out}': unknown declared type '${type}'`);
  }
  if (ok === undefined) {
    throw new TypeError(
      `custom aggregation '${out}': finalize() returned ${showValue(v)} (${typeof v}) for group ${key()}, which does not fit its ` +
        `declared type ${type}; ${hint}`,
    );
  }
  return ok;
}

/** Non-null values of one group, as a Float64Array for numbers or an array otherwise. */
export function groupValues(values: readonly KeyValue[]): Float64Array | KeyValue[] {
  return values.every((v) => typeof v === 'number') ? Float64Array.from(values as number[]) : values.slice();
}
