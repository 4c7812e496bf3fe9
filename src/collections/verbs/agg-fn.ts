// One aggregation of agg(): a name ('std') or an object with its own options ({op: 'var', ddof: 0}), so
// one agg() can hold var with ddof 1 and with ddof 0 side by side (pandas needs a lambda for that).

import { GROUP_AGGS, type GroupAggName } from '../../kernels/groupby/aggregate.ts';

/** An aggregation with its own delta degrees of freedom (var/std only). */
export interface AggFnSpec {
  readonly op: GroupAggName;
  readonly ddof?: number;
}
export type AggFn = GroupAggName | AggFnSpec;

export function isAggFnSpec(v: unknown): v is AggFnSpec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { op?: unknown }).op === 'string';
}

/** The aggregation and ddof an entry asks for; `where` names it in errors. */
export function parseAggFn(v: AggFn, defaultDdof: number, where: string): { fn: GroupAggName; ddof: number; ownDdof: boolean } {
  if (typeof v === 'string') return { fn: v, ddof: defaultDdof, ownDdof: false };
  const keys = Object.keys(v).filter((k) => k !== 'op' && k !== 'ddof');
  if (keys.length > 0) throw new TypeError(`${where}: unknown key ${keys.map((k) => `'${k}'`).join(', ')} in ${JSON.stringify(v)}; known: op, ddof`);
  if (!GROUP_AGGS.includes(v.op) || v.op === 'custom') throw new TypeError(`${where}: unknown aggregation '${String(v.op)}'; known: ${GROUP_AGGS.filter((g) => g !== 'custom').join(', ')}`);
  if (v.ddof === undefined) return { fn: v.op, ddof: defaultDdof, ownDdof: false };
  if (v.op !== 'var' && v.op !== 'std') throw new TypeError(`${where}: ddof applies to var and std only, not '${v.op}'`);
  if (!Number.isInteger(v.ddof) || v.ddof < 0) throw new TypeError(`${where}: ddof must be a non-negative integer; got ${String(v.ddof)}`);
  return { fn: v.op, ddof: v.ddof, ownDdof: true };
}
