// Arithmetic beyond the operators: a lazy Scalar as an operand (broadcast to every partition, computed
// once in the same graph) and Series.map with a user function shipped like groupby-apply's.

import type { BinaryOp } from '../../expr.ts';
import { Series } from '../series.ts';
import type { Scalar } from '../scalar.ts';
import { scalarLeaf } from '../scalar-leaf.ts';
import { optionsOf } from './operands.ts';
import { registerLocalFunction } from '../../kernels/groupby/udf-runtime.ts';
import { isModuleUdf, type ModuleUdf } from '../udf.ts';
import { castTarget } from '../../kernels/cast.ts';

/** `s op scalar`: the scalar is one value for every row (x.sub(x.mean()).div(x.std())). */
export function withScalar(s: Series, op: BinaryOp, scalar: Scalar): Series {
  return new Series(s.frame, { t: 'bin', op, l: s.expr, r: scalarLeaf(scalar.node) }, s.name);
}

export interface MapOptions {
  /** Result dtype: 'float64' (default), 'int32', 'int64', 'bool' or 'string'. The function's results are checked against it. */
  dtype?: string;
  /** Handed to the function as its second argument (how values reach a function that travels to workers). */
  params?: unknown;
  /** pandas' na_action: 'ignore' (default) keeps nulls without calling the function; null calls it with null. */
  naAction?: 'ignore' | null;
}

const MAP_DTYPES: Readonly<Record<string, string>> = { float64: 'float64', int32: 'int32', int64: 'int64', bool: 'bool', string: 'utf8' };

/**
 * Each value through `fn` (a function, or udf(import.meta.url, 'name')). A dictionary column calls it once
 * per distinct value. The function must be self-contained to reach thread/process workers (see docs/USER-FUNCTIONS.md).
 */
export function mapSeries(s: Series, fn: ((value: any, params?: any) => unknown) | ModuleUdf, options?: MapOptions): Series {
  const o = optionsOf('map()', options, ['dtype', 'params', 'naAction']);
  if (typeof fn !== 'function' && !isModuleUdf(fn)) throw new TypeError(`map('${s.name}'): expected a function or udf(import.meta.url, 'name'); got ${String(fn)}`);
  const requested = o.dtype ?? 'float64';
  const target = castTarget(requested);
  const dtype = target === null ? undefined : MAP_DTYPES[target];
  if (dtype === undefined) throw new TypeError(`map('${s.name}'): dtype must be one of ${Object.keys(MAP_DTYPES).join(', ')}; got ${JSON.stringify(requested)}`);
  if (o.naAction !== undefined && o.naAction !== 'ignore' && o.naAction !== null) throw new TypeError(`map('${s.name}'): naAction must be 'ignore' or null; got ${String(o.naAction)}`);
  // The token names the function by identity (a closure may capture state) or by module and export.
  const token = typeof fn === 'function' ? `fn${registerLocalFunction(fn as (...a: unknown[]) => unknown)}` : `${fn.module}#${fn.export}`;
  const opts = { fn: { __token: token, fn }, dtype, skipNulls: o.naAction !== null, params: o.params ?? null };
  return new Series(s.frame, { t: 'call', fn: 'map', args: [s.expr], opts }, s.name);
}
