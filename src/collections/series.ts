// A lazy column: an expression over the partitions of a frame. Element-wise operations build a bigger
// expression (evaluated in one kernel call per partition); reductions give a Scalar.

import type { DataType, Vector } from 'apache-arrow';
import { type ComputeOptions, computeOne, explainOutputs } from './compute.ts';
import { COLLECTION, type Collection, type Output, frameOutput, tableOf } from './output.ts';
import { describePlan } from './plan.ts';
import { assertKnownOptions } from '../config.ts';
import { type BinaryOp, type ColExpr, type Literal, type UnaryOp, columnsOf, exprType, isTemporal } from '../expr.ts';
import { type FrameNode, assignNode, filterNode, projectNode, rowAligned } from './plan.ts';
import { type ReductionOptions, reductionRequest } from './reductions.ts';
import { Scalar, isScalar } from './scalar.ts';
import { compareWith } from './verbs/operands.ts';
import * as cleaning from './verbs/cleaning.ts';
import { type MapOptions, mapSeries } from './verbs/arithmetic.ts';
import { StringAccessor } from './verbs/strings.ts';
import { DatetimeAccessor, temporalExtreme } from './verbs/dates.ts';
import type { ModuleUdf } from './udf.ts';
import { type FormatOptions, type PlainValue, describeLazy, vectorValues } from './results.ts';
import type { ScalarValue } from '../kernels/summary.ts';
import { DataFrame } from './dataframe.ts';
import type { ReductionName } from '../kernels/summary.ts';
import { type CorrOptions, type CovOptions, type DescribeOptions, type QuantileOptions, seriesCorrCov, seriesDescribe, seriesMedian, seriesQuantile } from './verbs/summaries.ts';
import type { SummaryTable } from './verbs/summary-table.ts';
import { type FillOptions, laggedExpr, seriesCumulative, seriesFill, seriesLagged, seriesShift } from './verbs/cumulative.ts';
import { type DropDuplicatesOptions, dropDuplicatesNode } from './verbs/duplicates.ts';
import { topNode } from './verbs/top-n.ts';
import { type ValueCountsOptions, seriesValueCounts } from './verbs/value-counts.ts';
import { leniently } from './provisional-types.ts';

export type SeriesOperand = Series | Literal | Scalar | Date;

const SERIES = Symbol.for('tessera.series');

/** True for a Series of any copy of tessera (a brand, not instanceof). */
export function isSeries(x: unknown): x is Series {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[SERIES] === true;
}

/** A series' output: its one-column frame, finished to that column as a Vector. */
function seriesOutput(node: FrameNode, name: string): Output<Vector> {
  return frameOutput(node, (batches, n) => tableOf(batches, n).getChild(name) as Vector, (n) => `series '${name}'\n${describePlan(n, '  ')}`);
}

export class Series implements Collection {
  readonly [SERIES] = true;
  /** Result type, known without computing anything. */
  readonly dtype: DataType;

  constructor(
    readonly frame: FrameNode,
    readonly expr: ColExpr,
    readonly name: string,
  ) {
    // lenient: a sampled column compared with a string is checked where the Series is used (filter, assign)
    this.dtype = leniently(() => exprType(expr, frame.schema)).value;
  }

  get npartitions(): number {
    return this.frame.npartitions;
  }

  rename(name: string): Series {
    return new Series(this.frame, this.expr, name);
  }

  /** The frame both operands can be evaluated on (same frame, or one derived row-for-row from the other). */
  private align(other: Series): FrameNode {
    if (other.frame.token === this.frame.token) return this.frame;
    if (rowAligned(this.frame, other.frame, columnsOf(other.expr))) return this.frame;
    if (rowAligned(other.frame, this.frame, columnsOf(this.expr))) return other.frame;
    throw new Error(
      `series '${this.name}' and '${other.name}' come from different DataFrames whose rows do not line up; ` +
        'combine columns of one DataFrame (use df.assign to bring them together first)',
    );
  }

  private binary(op: BinaryOp, other: SeriesOperand): Series {
    if (isScalar(other) || other instanceof Date) return compareWith(this, op, other, `${op}()`);
    if (isSeries(other)) {
      const frame = this.align(other);
      return new Series(frame, { t: 'bin', op, l: this.expr, r: other.expr }, this.name);
    }
    if (other !== null && !['number', 'bigint', 'string', 'boolean'].includes(typeof other)) {
      throw new TypeError(`${op}() takes a Series, number, bigint, string, boolean or null; got ${String(other)}`);
    }
    return new Series(this.frame, { t: 'bin', op, l: this.expr, r: { t: 'lit', value: other } }, this.name);
  }
  private unary(op: UnaryOp): Series {
    return new Series(this.frame, { t: 'un', op, x: this.expr }, this.name);
  }

  add(o: SeriesOperand): Series { return this.binary('add', o); }
  sub(o: SeriesOperand): Series { return this.binary('sub', o); }
  mul(o: SeriesOperand): Series { return this.binary('mul', o); }
  /** True division: always float64. */
  div(o: SeriesOperand): Series { return this.binary('div', o); }
  /** Floor division (rounds toward -infinity, as pandas `//`); integers stay integers, x // 0 is null for integers. */
  floordiv(o: SeriesOperand): Series { return this.binary('floordiv', o); }
  /** Remainder with the divisor's sign (pandas `%`); integers stay integers, x % 0 is null for integers. */
  mod(o: SeriesOperand): Series { return this.binary('mod', o); }
  /** Power (pandas `**`); integer ** integer stays an integer and a negative integer exponent is an error. */
  pow(o: SeriesOperand): Series { return this.binary('pow', o); }
  gt(o: SeriesOperand): Series { return this.binary('gt', o); }
  ge(o: SeriesOperand): Series { return this.binary('ge', o); }
  lt(o: SeriesOperand): Series { return this.binary('lt', o); }
  le(o: SeriesOperand): Series { return this.binary('le', o); }
  eq(o: SeriesOperand): Series { return this.binary('eq', o); }
  ne(o: SeriesOperand): Series { return this.binary('ne', o); }
  and(o: SeriesOperand): Series { return this.binary('and', o); }
  or(o: SeriesOperand): Series { return this.binary('or', o); }
  neg(): Series { return this.unary('neg'); }
  abs(): Series { return this.unary('abs'); }
  not(): Series { return this.unary('not'); }
  isNull(): Series { return this.unary('isNull'); }
  notNull(): Series { return this.unary('notNull'); }

  // --- verbs: cleaning, arithmetic, strings, dates (verbs-elem) ---
  /** Same as isNull(): true where the value is missing (null; NaN is a value). */
  isna(): Series { return this.isNull(); }
  notna(): Series { return this.notNull(); }
  /** The rows whose value is not null. */
  dropna(): Series { return new Series(filterNode(this.frame, { t: 'un', op: 'notNull', x: this.expr }), this.expr, this.name); }
  fillna(value: cleaning.FillValue): Series { return cleaning.fillnaSeries(this, value); }
  astype(dtype: string): Series { return cleaning.astypeSeries(this, dtype); }
  where(cond: Series, other?: SeriesOperand): Series { return cleaning.where(this, cond, other); }
  mask(cond: Series, other?: SeriesOperand): Series { return cleaning.mask(this, cond, other); }
  clip(lower?: SeriesOperand, upper?: SeriesOperand): Series { return cleaning.clip(this, lower, upper); }
  isin(values: Iterable<Literal | Date>): Series { return cleaning.isin(this, values); }
  between(left: SeriesOperand, right: SeriesOperand, options?: { inclusive?: 'both' | 'neither' | 'left' | 'right' }): Series { return cleaning.between(this, left, right, options); }
  round(decimals?: number): Series { return cleaning.round(this, decimals); }
  map(fn: ((value: any, params?: any) => unknown) | ModuleUdf, options?: MapOptions): Series { return mapSeries(this, fn, options); }
  get str(): StringAccessor { return new StringAccessor(this); }
  get dt(): DatetimeAccessor { return new DatetimeAccessor(this); }
  // --- end verbs-elem ---

  private reduce<T extends ScalarValue>(name: ReductionName, options?: ReductionOptions): Scalar<T> {
    if ((name === 'min' || name === 'max') && isTemporal(this.dtype)) return temporalExtreme(this, name, options) as unknown as Scalar<T>;
    return new Scalar<T>({ kind: 'reduce', request: reductionRequest(this.frame, this.expr, name, options) });
  }
  /** Sum of non-null values (0 when there are none); integers are summed exactly (a bigint beyond 2^53). */
  sum(o?: ReductionOptions): Scalar<number | bigint> { return this.reduce('sum', o); }
  mean(o?: ReductionOptions): Scalar<number | null> { return this.reduce('mean', o); }
  min(o?: ReductionOptions): Scalar<number | bigint | boolean | null> { return this.reduce('min', o); }
  max(o?: ReductionOptions): Scalar<number | bigint | boolean | null> { return this.reduce('max', o); }
  /** Number of non-null values. */
  count(o?: ReductionOptions): Scalar<number> { return this.reduce('count', o); }
  var(o?: ReductionOptions): Scalar<number | null> { return this.reduce('var', o); }
  std(o?: ReductionOptions): Scalar<number | null> { return this.reduce('std', o); }
  prod(o?: ReductionOptions): Scalar<number> { return this.reduce('prod', o); }
  any(o?: ReductionOptions): Scalar<boolean> { return this.reduce('any', o); }
  all(o?: ReductionOptions): Scalar<boolean> { return this.reduce('all', o); }

  /** Count of each distinct value, most frequent first (nulls dropped unless {dropna: false}); {normalize: true} gives proportions, {sort: false} first-seen order. */
  valueCounts(options: ValueCountsOptions = {}): DataFrame {
    return seriesValueCounts(this.asFrame(), this.name, options);
  }

  /** Number of distinct values; null counts as one more value with {dropna: false} (pandas' default is true). */
  nunique(options: { dropna?: boolean } = {}): Scalar<number> {
    assertKnownOptions('nunique()', options, ['dropna']);
    const dropna = options.dropna ?? true;
    if (typeof dropna !== 'boolean') throw new TypeError(`nunique(): dropna must be true or false; got ${String(dropna)}`);
    // One row per distinct value (null is a group of its own when kept); the size column is never null.
    const n = `${this.name}_size`;
    const groups = new DataFrame(this.asFrame()).groupby(this.name, { dropna })._build([{ out: n, column: null, fn: 'size', ddof: 0 }], {});
    return groups.col(n).count();
  }

  // --- verbs: summaries, cumulative, duplicates (verbs-summary) ---
  /** Quantile(s) by linear interpolation (pandas' default), exact unless {approx: true}: a Scalar for one q, a table for a list. */
  quantile(q: number, o?: QuantileOptions): Scalar<number | null>;
  quantile(q: readonly number[], o?: QuantileOptions): SummaryTable;
  quantile(q: number | readonly number[], o?: QuantileOptions): Scalar<number | null> | SummaryTable { return seriesQuantile(this, q, o); }
  median(o?: QuantileOptions): Scalar<number | null> { return seriesMedian(this, o); }
  /** count, mean, std, min, 25%, 50%, 75%, max as a table [statistic, name]. */
  describe(o?: DescribeOptions): SummaryTable { return seriesDescribe(this, o); }
  /** Pearson correlation with another column of the same frame, over rows where both are non-null. */
  corr(other: Series, o: CorrOptions = {}): Scalar<number | null> { return seriesCorrCov('corr', this, other, this.align(other), o); }
  /** Covariance (ddof 1 by default) over rows where both are non-null. */
  cov(other: Series, o: CovOptions = {}): Scalar<number | null> { return seriesCorrCov('cov', this, other, this.align(other), o); }
  /** Running sum (nulls skipped and kept null; NaN propagates); integers and booleans give exact int64. */
  cumsum(): Series { return this.carried(seriesCumulative(this, 'cumsum')); }
  cumprod(): Series { return this.carried(seriesCumulative(this, 'cumprod')); }
  cummin(): Series { return this.carried(seriesCumulative(this, 'cummin')); }
  cummax(): Series { return this.carried(seriesCumulative(this, 'cummax')); }
  /** Values moved down by `periods` rows (up when negative), across partition boundaries; vacated rows are null. */
  shift(periods = 1): Series { return this.carried(seriesShift(this, periods)); }
  /** x - x.shift(periods); integers stay integers. */
  diff(periods = 1): Series { const v = seriesLagged(this, periods, 'diff()'); return new Series(v.frame, laggedExpr('diff', this.expr, v.column), this.name); }
  /** x / x.shift(periods) - 1 (float64; no filling of nulls first). */
  pctChange(periods = 1): Series { const v = seriesLagged(this, periods, 'pctChange()'); return new Series(v.frame, laggedExpr('pctChange', this.expr, v.column), this.name); }
  /** Nulls replaced by the last non-null value before them (from earlier partitions too); NaN is a value and stays. */
  ffill(options?: FillOptions): Series { return this.carried(seriesFill(this, 'forward', options)); }
  /** Nulls replaced by the next non-null value after them (from later partitions too). */
  bfill(options?: FillOptions): Series { return this.carried(seriesFill(this, 'backward', options)); }
  private carried(v: { frame: FrameNode; column: string }): Series { return new Series(v.frame, { t: 'col', name: v.column }, this.name); }
  /** Distinct values in order of first appearance (null and NaN included once, as pandas). */
  unique(): Series { return new Series(dropDuplicatesNode(this.asFrame()), { t: 'col', name: this.name }, this.name); }
  /** Values without repeats; keep 'first' (default), 'last' or false (drop every repeated value). */
  dropDuplicates(o: Omit<DropDuplicatesOptions, 'subset'> = {}): Series { return new Series(dropDuplicatesNode(this.asFrame(), o), { t: 'col', name: this.name }, this.name); }
  /** The n largest values, largest first (nulls and NaN last; ties keep the earlier row). */
  nlargest(n = 5): Series { return new Series(topNode(this.asFrame(), n, [this.name], true, 'nlargest()'), { t: 'col', name: this.name }, this.name); }
  nsmallest(n = 5): Series { return new Series(topNode(this.asFrame(), n, [this.name], false, 'nsmallest()'), { t: 'col', name: this.name }, this.name); }
  // --- end verbs-summary ---

  /** The one-column frame this series materialises as. */
  private asFrame(): FrameNode {
    if (this.expr.t === 'col' && this.expr.name === this.name) return projectNode(this.frame, [this.name]);
    return projectNode(assignNode(this.frame, [[this.name, this.expr]]), [this.name]);
  }

  [COLLECTION](): Output<Vector> {
    return seriesOutput(this.asFrame(), this.name);
  }

  /** Compute, then the values as a plain array: nulls stay null, int64 beyond 2^53 a bigint, dates Date. */
  async toList(options: ComputeOptions = {}): Promise<PlainValue[]> {
    return vectorValues(await this.compute(options));
  }

  /** Print (and return) the first rows of this column as a table, computing only what head() needs. */
  async print(format: FormatOptions = {}, options: ComputeOptions = {}): Promise<string> {
    return new DataFrame(this.asFrame()).print(format, options);
  }

  /** What the series is, without computing anything. */
  toString(): string {
    return describeLazy('Series', this.frame.npartitions, [{ name: this.name, type: this.dtype }]);
  }

  /** All values as an Arrow Vector (one chunk per partition). */
  async compute(options: ComputeOptions = {}): Promise<Vector> {
    return computeOne(this[COLLECTION](), options);
  }

  explain(options: ComputeOptions = {}): string {
    return explainOutputs([this[COLLECTION]()], options);
  }
}
