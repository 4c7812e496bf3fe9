// Summary verbs: describe, quantile/median, cov/corr, numRows. Each is a set of reduction requests, so
// any mix of them over one frame in one compute() is one chunk task per partition (fused in lower.ts).
// Options are validated here, at the public edge; kernels are kernels/{quantile,sketch,corr}.ts.

import { Type } from 'apache-arrow';
import { type ColExpr, describeExpr, exprType, kindOf } from '../../expr.ts';
import type { FrameNode, ScalarNode } from '../plan.ts';
import { assertKnownOptions } from '../../config.ts';
import { reductionRequest } from '../reductions.ts';
import { Scalar } from '../scalar.ts';
import { ReducedRow } from '../dataframe.ts';
import type { ReductionName } from '../../kernels/summary.ts';
import { type CellFormat, type SummaryColumn, SummaryTable } from './summary-table.ts';

/** What a Series is to these verbs: an expression over a frame, and its name. */
export interface SeriesLike {
  readonly frame: FrameNode;
  readonly expr: ColExpr;
  readonly name: string;
}

export interface QuantileOptions {
  /** Answer from a mergeable sketch (bounded memory; see docs/SUMMARIES.md for the error bound). Default false: exact. */
  approx?: boolean;
  /** Partials merged per combine task (default from config, 8). */
  splitEvery?: number;
}

export interface DescribeOptions extends QuantileOptions {
  /** Quantiles shown between min and max (default [0.25, 0.5, 0.75]). */
  percentiles?: readonly number[];
}

const NUMERIC = new Set(['float', 'int', 'bigint']);

function checkQ(q: unknown, where: string): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new RangeError(`${where}: a quantile must be a number between 0 and 1; got ${String(q)}`);
  return q;
}

function checkQs(q: unknown, where: string): number[] {
  if (!Array.isArray(q)) return [checkQ(q, where)];
  if (q.length === 0) throw new RangeError(`${where}: give at least one quantile`);
  return q.map((x) => checkQ(x, where));
}

function quantileOptions(options: QuantileOptions, where: string, extra: string[] = []): { approx: boolean; splitEvery?: number } {
  assertKnownOptions(where, options, ['approx', 'splitEvery', ...extra]);
  const approx = options.approx ?? false;
  if (typeof approx !== 'boolean') throw new TypeError(`${where}: approx must be true or false; got ${String(approx)}`);
  return options.splitEvery === undefined ? { approx } : { approx, splitEvery: options.splitEvery };
}

function numericOnly(s: SeriesLike, where: string): void {
  const t = exprType(s.expr, s.frame.schema);
  const k = kindOf(t);
  if (!NUMERIC.has(k) && k !== 'bool' && k !== 'null') throw new TypeError(`${where} needs a numeric column; ${describeExpr(s.expr)} is ${String(t)}`);
}

function reduceNode(s: SeriesLike, name: ReductionName, o: { splitEvery?: number; ddof?: number } = {}, extra = {}): ScalarNode {
  return { kind: 'reduce', request: reductionRequest(s.frame, s.expr, name, o, extra) };
}

function quantileNode(s: SeriesLike, q: number, o: { approx: boolean; splitEvery?: number }): ScalarNode {
  const { approx, ...rest } = o;
  return reduceNode(s, 'quantile', rest, { q, approx });
}

/** Label of quantile q in describe(): '25%', '50%', '2.5%'. */
function percentLabel(q: number): string {
  return `${Number((q * 100).toPrecision(10))}%`;
}

/** Series.quantile(q): a Scalar for one q, a table [quantile, name] for a list. */
export function seriesQuantile(s: SeriesLike, q: number | readonly number[], options: QuantileOptions = {}): Scalar<number | null> | SummaryTable {
  const o = quantileOptions(options, 'quantile()');
  const qs = checkQs(q, 'quantile()');
  numericOnly(s, 'quantile()');
  if (!Array.isArray(q)) return new Scalar(quantileNode(s, qs[0]!, o));
  return new SummaryTable({ labelName: 'quantile', labels: qs, columns: [{ name: s.name, format: 'float64', cells: qs.map((x) => ({ node: quantileNode(s, x, o), role: 'value' })) }] });
}

export function seriesMedian(s: SeriesLike, options: QuantileOptions = {}): Scalar<number | null> {
  return seriesQuantile(s, 0.5, options) as Scalar<number | null>;
}

/** Columns describe() covers by default: numbers (not booleans, as pandas), dates and timestamps. */
function describable(frame: FrameNode): Array<{ name: string; temporal: boolean }> {
  const out: Array<{ name: string; temporal: boolean }> = [];
  for (const f of frame.schema.fields) {
    const temporal = f.type.typeId === Type.Date || f.type.typeId === Type.Timestamp;
    if (temporal || NUMERIC.has(kindOf(f.type))) out.push({ name: f.name, temporal });
  }
  return out;
}

const STAT_ROWS = (ps: readonly number[]) => ['count', 'mean', 'std', 'min', ...ps.map(percentLabel), 'max'];

function describeColumn(s: SeriesLike, temporal: boolean, ps: readonly number[], o: { approx: boolean; splitEvery?: number }): SummaryColumn {
  const base = o.splitEvery === undefined ? {} : { splitEvery: o.splitEvery };
  const count = { node: reduceNode(s, 'count', base), role: 'count' as const };
  if (temporal) {
    // Dates: count, min and max (as ISO text); no mean, spread or quantiles.
    const direct = (name: 'min' | 'max') => ({ node: { kind: 'reduce' as const, request: { frame: s.frame, expr: s.expr, name, ddof: 0, splitEvery: o.splitEvery ?? null } }, role: 'value' as const });
    return { name: s.name, format: 'temporal-text' as CellFormat, cells: [count, null, null, direct('min'), ...ps.map(() => null), direct('max')] };
  }
  const cell = (node: ScalarNode) => ({ node, role: 'value' as const });
  return {
    name: s.name,
    format: 'float64',
    cells: [count, cell(reduceNode(s, 'mean', base)), cell(reduceNode(s, 'std', base)), cell(reduceNode(s, 'min', base)), ...ps.map((p) => cell(quantileNode(s, p, o))), cell(reduceNode(s, 'max', base))],
  };
}

function describeOptions(options: DescribeOptions, where: string): { approx: boolean; splitEvery?: number; ps: number[] } {
  const o = quantileOptions(options, where, ['percentiles']);
  if (!Array.isArray(options.percentiles ?? [])) throw new TypeError(`${where}: percentiles must be a list of numbers in [0, 1]; got ${String(options.percentiles)}`);
  const ps = options.percentiles === undefined ? [0.25, 0.5, 0.75] : checkQs(options.percentiles, `${where} percentiles`);
  return { ...o, ps: [...new Set(ps)].sort((a, b) => a - b) };
}

/**
 * describe() of one column: count, mean, std, min, quartiles, max (exact quartiles unless {approx: true}).
 * A date or timestamp column gives count, min and max as text.
 */
export function seriesDescribe(s: SeriesLike, options: DescribeOptions = {}): SummaryTable {
  const { ps, ...o } = describeOptions(options, 'describe()');
  const t = exprType(s.expr, s.frame.schema);
  const temporal = t.typeId === Type.Date || t.typeId === Type.Timestamp;
  if (!temporal) numericOnly(s, 'describe()');
  return new SummaryTable({ labelName: 'statistic', labels: STAT_ROWS(ps), columns: [describeColumn(s, temporal, ps, o)] });
}

/** describe() of a frame: every numeric, date and timestamp column, in one pass per partition. */
export function frameDescribe(frame: FrameNode, options: DescribeOptions = {}): SummaryTable {
  const { ps, ...o } = describeOptions(options, 'describe()');
  const cols = describable(frame);
  if (cols.length === 0) {
    throw new TypeError(`describe() found no numeric, date or timestamp column among ${frame.schema.fields.map((f) => `${f.name} (${String(f.type)})`).join(', ') || 'no columns'}; use valueCounts() or nunique() for text columns`);
  }
  const columns = cols.map(({ name, temporal }) => describeColumn({ frame, expr: { t: 'col', name }, name }, temporal, ps, o));
  return new SummaryTable({ labelName: 'statistic', labels: STAT_ROWS(ps), columns });
}

/** Numeric columns of a frame (booleans count as numbers, as in the other frame reductions). */
function numericColumns(frame: FrameNode, where: string, numericOnlyOpt: boolean): string[] {
  const names: string[] = [];
  const skipped: string[] = [];
  for (const f of frame.schema.fields) {
    const k = kindOf(f.type);
    if (NUMERIC.has(k) || k === 'bool' || k === 'null') names.push(f.name);
    else skipped.push(`${f.name} (${String(f.type)})`);
  }
  if (skipped.length > 0 && !numericOnlyOpt) throw new TypeError(`${where} does not apply to ${skipped.join(', ')}; select other columns or pass {numericOnly: true}`);
  return names;
}

/** df.quantile(q): {column: value} for one q (a record, as df.sum()), a table [quantile, columns...] for a list. */
export function frameQuantile(frame: FrameNode, q: number | readonly number[], options: QuantileOptions & { numericOnly?: boolean } = {}): SummaryTable | ReducedRow {
  const o = quantileOptions(options, 'quantile()', ['numericOnly']);
  const qs = checkQs(q, 'quantile()');
  const names = numericColumns(frame, 'quantile()', options.numericOnly ?? false);
  const series = (name: string): SeriesLike => ({ frame, expr: { t: 'col', name }, name });
  if (!Array.isArray(q)) {
    const requests = names.map((n) => (quantileNode(series(n), qs[0]!, o) as Extract<ScalarNode, { kind: 'reduce' }>).request);
    return new ReducedRow({ names, requests });
  }
  return new SummaryTable({
    labelName: 'quantile',
    labels: qs,
    columns: names.map((n) => ({ name: n, format: 'float64' as CellFormat, cells: qs.map((x) => ({ node: quantileNode(series(n), x, o), role: 'value' as const })) })),
  });
}

export interface CorrOptions {
  /** Only 'pearson' (the default); others are a clear error rather than a silent Pearson. */
  method?: string;
  /** Partials merged per combine task (default from config, 8). */
  splitEvery?: number;
  numericOnly?: boolean;
}
export interface CovOptions {
  /** Delta degrees of freedom (default 1, as pandas). */
  ddof?: number;
  splitEvery?: number;
  numericOnly?: boolean;
}

function checkMethod(method: unknown, where: string): void {
  if (method === undefined || method === 'pearson') return;
  throw new TypeError(`${where}: method '${String(method)}' is not supported; only 'pearson' is (rank correlations such as spearman/kendall need a sort of each column: rank them yourself first)`);
}

function noLiteral(s: SeriesLike, where: string): void {
  if (s.expr.t === 'lit') throw new TypeError(`${where}: '${s.name}' is a constant, not a column; its ${where.replace('()', '')} is not defined`);
}

/** Series.corr(other) / Series.cov(other): over the rows where both are non-null (pandas' rule). */
export function seriesCorrCov(name: 'corr' | 'cov', s: SeriesLike, other: SeriesLike, alignedFrame: FrameNode, options: CorrOptions & CovOptions): Scalar<number | null> {
  const where = `${name}()`;
  assertKnownOptions(where, options, name === 'corr' ? ['method', 'splitEvery'] : ['ddof', 'splitEvery']);
  if (name === 'corr') checkMethod(options.method, where);
  numericOnly(s, where);
  numericOnly(other, where);
  noLiteral(s, where);
  noLiteral(other, where);
  const { method: _m, ...o } = options;
  return new Scalar(reduceNode({ ...s, frame: alignedFrame }, name, o, { other: other.expr }));
}

/** df.corr() / df.cov(): the pairwise matrix of the numeric columns, as a table [column, columns...]. */
export function frameCorrCov(name: 'corr' | 'cov', frame: FrameNode, options: CorrOptions & CovOptions = {}): SummaryTable {
  const where = `${name}()`;
  assertKnownOptions(where, options, name === 'corr' ? ['method', 'splitEvery', 'numericOnly'] : ['ddof', 'splitEvery', 'numericOnly']);
  if (name === 'corr') checkMethod(options.method, where);
  const names = numericColumns(frame, where, options.numericOnly ?? false);
  const { method: _m, numericOnly: _n, ...o } = options;
  const col = (n: string): ColExpr => ({ t: 'col', name: n });
  // Pair (i, j) and (j, i) are one request: the matrix is symmetric.
  const cell = (i: number, j: number) => {
    const [a, b] = i <= j ? [i, j] : [j, i];
    return { node: reduceNode({ frame, expr: col(names[a]!), name: names[a]! }, name, o, { other: col(names[b]!) }), role: 'value' as const };
  };
  return new SummaryTable({
    labelName: 'column',
    labels: names,
    columns: names.map((n, j) => ({ name: n, format: 'float64' as CellFormat, cells: names.map((_, i) => cell(i, j)) })),
  });
}

/** len(df) as a lazy Scalar: rows counted while reading the narrowest column (fused with other reductions). */
export function frameNumRows(frame: FrameNode): Scalar<number> {
  return new Scalar<number>(reduceNode({ frame, expr: { t: 'lit', value: 1 }, name: 'rows' }, 'count'));
}
