// Building reduction requests: validated against the column's type when the user writes them, so
// `df.col('name').mean()` fails at once with a message instead of deep inside a worker.

import { type DataType, Type } from 'apache-arrow';
import { type ColExpr, describeExpr, exprType, kindOf } from '../expr.ts';
import type { FrameNode, ReductionRequest } from './plan.ts';
import { EXTRA_REDUCTIONS, REDUCTIONS, type ReductionName } from '../kernels/summary.ts';
import { assertKnownOptions } from '../config.ts';
import { leniently } from './provisional-types.ts';

export interface ReductionOptions {
  /** Delta degrees of freedom for var/std (default 1, as in pandas). */
  ddof?: number;
  /** Partials merged per combine task (default from config, 8). */
  splitEvery?: number;
}

/** Parameters of quantile (q, approx) and cov/corr (other), validated by their verbs (verbs/summaries.ts). */
export type ReductionExtra = Pick<ReductionRequest, 'q' | 'approx' | 'other'>;

export function reductionRequest(frame: FrameNode, expr: ColExpr, name: ReductionName, options: ReductionOptions = {}, extra: ReductionExtra = {}): ReductionRequest {
  assertKnownOptions(`${name}()`, options, ['ddof', 'splitEvery', 'numericOnly']);
  if (!REDUCTIONS.includes(name) && !EXTRA_REDUCTIONS.includes(name)) throw new TypeError(`unknown reduction '${name}'; known: ${REDUCTIONS.join(', ')}`);
  const { value: type, fields: verify } = leniently(() => exprType(expr, frame.schema));
  const kind = kindOf(type);
  if (!supports(kind, name)) {
    throw new TypeError(`${name}() is not defined for ${describeExpr(expr)} of type ${type}; ${kind === 'string' ? 'only count() applies to strings' : 'use a numeric column'}`);
  }
  const ddof = options.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) throw new TypeError(`ddof must be a non-negative integer; got ${String(options.ddof)}`);
  const splitEvery = options.splitEvery ?? null;
  if (splitEvery !== null && (!Number.isInteger(splitEvery) || splitEvery < 2)) throw new TypeError(`splitEvery must be an integer >= 2; got ${String(splitEvery)}`);
  return { frame, expr, name, ddof: name === 'var' || name === 'std' || name === 'cov' ? ddof : 0, splitEvery, ...extra, ...(verify.length > 0 ? { verify } : {}) };
}

export function supports(kind: ReturnType<typeof kindOf>, name: ReductionName, type?: DataType): boolean {
  if (name === 'count') return true;
  // Dates and timestamps have min/max (epoch ms, kernels/temporal-summary.ts); describe() asks for them.
  if (type && (type.typeId === Type.Date || type.typeId === Type.Timestamp)) return name === 'min' || name === 'max';
  return kind === 'float' || kind === 'int' || kind === 'bigint' || kind === 'bool' || kind === 'null';
}
