// The user-facing lazy DataFrame: a thin typed front over a plan node. Every method validates its
// input against the schema (known without reading data) and returns a new lazy value.

import type { DataType, RecordBatch, Schema, Table } from 'apache-arrow';
import { type ComputeOptions, computeBatches, computeOne, explainOutputs, headOf } from './compute.ts';
import { COLLECTION, type Collection, type FrameRewrite, type Output, describeReductions, frameOutput, tableOf } from './output.ts';
import { type FormatOptions, type PlainValue, describeLazy, formatHead, toColumns, toRecords } from './results.ts';
import { type ColExpr, type Literal, columnsOf, kindOf, unknownColumn } from '../expr.ts';
import { type FrameNode, type RecordNode, assignNode, filterNode, inputsOf, projectNode, rowAligned, sourceNode } from './plan.ts';
import { type ReductionOptions, reductionRequest, supports } from './reductions.ts';
import { Series, isSeries } from './series.ts';
import { GroupBy, type GroupByOptions } from './groupby.ts';
import type { PartitionSource } from './source.ts';
import { MemorySource } from './memory-source.ts';
import { assertKnownOptions } from '../config.ts';
import { pushDownProjections } from './optimize/projection-pushdown.ts';
import * as cleaning from './verbs/cleaning.ts';
import { type CorrOptions, type CovOptions, type DescribeOptions, type QuantileOptions, frameCorrCov, frameDescribe, frameNumRows, frameQuantile } from './verbs/summaries.ts';
import type { SummaryTable } from './verbs/summary-table.ts';
import type { Scalar } from './scalar.ts';
import { type FillOptions, fillMode, frameCarry, frameLagged, frameShift } from './verbs/cumulative.ts';
import { type DropDuplicatesOptions, dropDuplicatesNode } from './verbs/duplicates.ts';
import { topNode } from './verbs/top-n.ts';
import { frameNunique } from './verbs/nunique.ts';
import type { ScalarRecord } from './verbs/summary-table.ts';
import * as reshape from './verbs/reshape.ts';
import * as mapParts from './verbs/map-partitions.ts';
import * as mergeVerb from './verbs/merge.ts';
import * as sortVerb from './verbs/sort.ts';
import * as sampleVerb from './verbs/sample.ts';
import * as pivotVerb from './verbs/pivot.ts';
import type { ModuleUdf } from './udf.ts';

/** The plan rebuilt from its sources' current schemas. */
function refreshNode(node: FrameNode): FrameNode {
  return pushDownProjections([{ node, need: null }])(node);
}

function sourcesUnder(node: FrameNode): Array<readonly [PartitionSource, string]> {
  const out: Array<readonly [PartitionSource, string]> = [];
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === 'source') out.push([n.source, n.source.token]);
    else stack.push(...inputsOf(n));
  }
  return out;
}
import type { ReductionName, ScalarValue } from '../kernels/summary.ts';
import { entriesOf, recordOf } from '../kernels/name-records.ts';
import { frameToArray, type ToArrayOptions } from './ndarray/from-frame.ts';
import type { NDArray } from './ndarray/ndarray.ts';

export interface FrameReductionOptions extends ReductionOptions {
  /** Reduce only the columns the reduction applies to (numbers, booleans) and skip the rest. */
  numericOnly?: boolean;
}

/** A frame's output: its partitions as one Table. */
const frameTable = (node: FrameNode): Output<Table> => frameOutput(node, tableOf);

/** A record's output: one reduction per column, lowered fused with every other output's reductions. */
function recordOutput(node: RecordNode): Output<Record<string, ScalarValue>> {
  return {
    frames: [],
    reductions: node.requests,
    withFrames: (rw: FrameRewrite) => recordOutput({ names: node.names, requests: node.requests.map((r) => rw.request(r)) }),
    lower: (builder) => [builder.record(node)],
    finish: (values) => values[0] as Record<string, ScalarValue>,
    explain: () => describeReductions(node.requests),
  };
}

export class DataFrame implements Collection {
  #node: FrameNode;
  /** Each source under the plan and its token when #node was built: a changed token means a stale plan. */
  #sources: Array<readonly [PartitionSource, string]>;

  constructor(node: FrameNode) {
    this.#node = node;
    this.#sources = sourcesUnder(node);
  }

  /**
   * The plan. A compute may have widened a source's column (CSV type conflicts) since it was built: then
   * it is rebuilt from the sources' current schemas, so expressions built from here on (df.col('b').eq('x'))
   * see the type the data has, as `dtypes` does.
   */
  get node(): FrameNode {
    if (this.#sources.some(([source, token]) => source.token !== token)) {
      this.#node = refreshNode(this.#node);
      this.#sources = sourcesUnder(this.#node);
    }
    return this.#node;
  }

  static fromSource(source: PartitionSource): DataFrame {
    return new DataFrame(sourceNode(source));
  }

  /** The current schema: a source that widened a column during a compute (CSV type conflicts) shows it here. */
  get schema(): Schema {
    return this.node.schema;
  }
  get columns(): string[] {
    return this.schema.fields.map((f) => f.name);
  }
  /** Column name -> Arrow type name (e.g. 'Float64', 'Dictionary<Int32, Utf8>'). */
  get dtypes(): Record<string, string> {
    return recordOf(this.schema.fields.map((f) => [f.name, String(f.type)] as const));
  }
  get npartitions(): number {
    return this.node.npartitions;
  }

  col(name: string): Series {
    if (!this.node.schema.fields.some((f) => f.name === name)) throw unknownColumn(name, this.node.schema);
    return new Series(this.node, { t: 'col', name }, name);
  }

  select(columns: readonly string[]): DataFrame {
    if (!Array.isArray(columns)) throw new TypeError('select() takes an array of column names');
    return new DataFrame(projectNode(this.node, columns));
  }

  /** Add or replace columns from Series of this frame or literals: df.assign({gain: df.col('a').sub(df.col('b'))}). */
  assign(columns: Record<string, Series | Literal> | ReadonlyMap<string, Series | Literal>): DataFrame {
    const assignments: Array<[string, ColExpr]> = entriesOf(columns).map(([name, v]) => [name, this.exprFor(v, `assign('${name}')`)]);
    return new DataFrame(assignNode(this.node, assignments));
  }

  /** Keep the rows where `condition` is true (null counts as false). */
  filter(condition: Series): DataFrame {
    return new DataFrame(filterNode(this.node, this.exprFor(condition, 'filter')));
  }

  private exprFor(v: Series | Literal, where: string): ColExpr {
    if (isSeries(v)) {
      // A Series built before a widening holds the plan of then: compare it as rebuilt today.
      const frame = v.frame.token === this.node.token ? v.frame : refreshNode(v.frame);
      if (frame.token !== this.node.token && !rowAligned(this.node, frame, columnsOf(v.expr))) {
        throw new Error(`${where}: the Series was built from a different DataFrame whose rows do not line up with this one; build it from this DataFrame (df.col(...))`);
      }
      return v.expr;
    }
    if (v === null || ['number', 'bigint', 'string', 'boolean'].includes(typeof v)) return { t: 'lit', value: v };
    throw new TypeError(`${where}: expected a Series or a literal, got ${String(v)}`);
  }

  private reduce(name: ReductionName, options: FrameReductionOptions = {}): ReducedRow {
    const names: string[] = [];
    const skipped: string[] = [];
    for (const f of this.node.schema.fields) {
      if (supports(kindOf(f.type), name)) names.push(f.name);
      else skipped.push(`${f.name} (${String(f.type)})`);
    }
    if (skipped.length > 0 && !options.numericOnly) {
      throw new TypeError(`${name}() does not apply to ${skipped.join(', ')}; select other columns or pass {numericOnly: true}`);
    }
    const requests = names.map((n) => reductionRequest(this.node, { t: 'col', name: n }, name, options));
    return new ReducedRow({ names, requests });
  }
  sum(o?: FrameReductionOptions): ReducedRow { return this.reduce('sum', o); }
  mean(o?: FrameReductionOptions): ReducedRow { return this.reduce('mean', o); }
  min(o?: FrameReductionOptions): ReducedRow { return this.reduce('min', o); }
  max(o?: FrameReductionOptions): ReducedRow { return this.reduce('max', o); }
  count(o?: FrameReductionOptions): ReducedRow { return this.reduce('count', o); }
  var(o?: FrameReductionOptions): ReducedRow { return this.reduce('var', o); }
  std(o?: FrameReductionOptions): ReducedRow { return this.reduce('std', o); }
  prod(o?: FrameReductionOptions): ReducedRow { return this.reduce('prod', o); }
  any(o?: FrameReductionOptions): ReducedRow { return this.reduce('any', o); }
  all(o?: FrameReductionOptions): ReducedRow { return this.reduce('all', o); }

  // --- verbs: cleaning, arithmetic, strings, dates (verbs-elem) ---
  /** Rows without nulls: {how: 'any' | 'all', subset, thresh} as pandas (NaN is a value, not missing). */
  dropna(options?: cleaning.DropnaOptions): DataFrame { return cleaning.dropna(this, options); }
  /** Nulls replaced: fillna(0) fills every column the value fits; fillna({a: 0, b: 'x'}) per column. */
  fillna(value: cleaning.FillValue | Record<string, cleaning.FillValue> | ReadonlyMap<string, cleaning.FillValue>): DataFrame { return cleaning.fillna(this, value); }
  isna(): DataFrame { return cleaning.isnaFrame(this, false); }
  notna(): DataFrame { return cleaning.isnaFrame(this, true); }
  astype(dtypes: string | Record<string, string> | ReadonlyMap<string, string>): DataFrame { return cleaning.astype(this, dtypes); }
  rename(mapping: Record<string, string> | ReadonlyMap<string, string> | ((name: string) => string)): DataFrame { return cleaning.rename(this, mapping); }
  drop(columns: string | readonly string[], options?: { errors?: 'raise' | 'ignore' }): DataFrame { return cleaning.drop(this, columns, options); }
  round(decimals?: number | Record<string, number>): DataFrame { return cleaning.roundFrame(this, decimals); }
  clip(lower?: Literal, upper?: Literal): DataFrame { return cleaning.clipFrame(this, lower, upper); }
  // --- end verbs-elem ---

  // --- verbs: summaries, cumulative, duplicates (verbs-summary) ---
  /** count, mean, std, min, 25%, 50%, 75%, max of every numeric column (dates: count, min, max), one pass per partition. */
  describe(o?: DescribeOptions): SummaryTable { return frameDescribe(this.node, o); }
  /** Per-column quantile: a record for one q, a table [quantile, columns...] for a list. Exact unless {approx: true}. */
  quantile(q: number, o?: QuantileOptions & { numericOnly?: boolean }): ReducedRow;
  quantile(q: readonly number[], o?: QuantileOptions & { numericOnly?: boolean }): SummaryTable;
  quantile(q: number | readonly number[], o?: QuantileOptions & { numericOnly?: boolean }): ReducedRow | SummaryTable { return frameQuantile(this.node, q, o); }
  median(o?: QuantileOptions & { numericOnly?: boolean }): ReducedRow { return frameQuantile(this.node, 0.5, o) as ReducedRow; }
  /** Pairwise Pearson correlation matrix of the numeric columns, as a table [column, columns...]. */
  corr(o?: CorrOptions): SummaryTable { return frameCorrCov('corr', this.node, o); }
  /** Pairwise covariance matrix (ddof 1 by default). */
  cov(o?: CovOptions): SummaryTable { return frameCorrCov('cov', this.node, o); }
  /** Number of rows (len(df)) as a lazy Scalar; count() stays pandas' per-column non-null count. */
  numRows(): Scalar<number> { return frameNumRows(this.node); }
  /** Running sums of every numeric column (booleans count as 0/1; {numericOnly: true} passes other columns through). */
  cumsum(o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameCarry(this.node, { kind: 'cum', op: 'cumsum' }, 'cumsum()', o.numericOnly)); }
  cumprod(o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameCarry(this.node, { kind: 'cum', op: 'cumprod' }, 'cumprod()', o.numericOnly)); }
  cummin(o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameCarry(this.node, { kind: 'cum', op: 'cummin' }, 'cummin()', o.numericOnly)); }
  cummax(o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameCarry(this.node, { kind: 'cum', op: 'cummax' }, 'cummax()', o.numericOnly)); }
  /** Every column moved down by `periods` rows (up when negative), across partitions; vacated rows are null. */
  shift(periods = 1): DataFrame { return new DataFrame(frameShift(this.node, periods)); }
  diff(periods = 1, o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameLagged(this.node, periods, 'diff', o.numericOnly)); }
  pctChange(periods = 1, o: { numericOnly?: boolean } = {}): DataFrame { return new DataFrame(frameLagged(this.node, periods, 'pctChange', o.numericOnly)); }
  /** Nulls of every column replaced by the last non-null value before them (across partitions). */
  ffill(options?: FillOptions): DataFrame { return new DataFrame(frameCarry(this.node, fillMode('forward', options), 'ffill()')); }
  /** Nulls of every column replaced by the next non-null value after them (across partitions). */
  bfill(options?: FillOptions): DataFrame { return new DataFrame(frameCarry(this.node, fillMode('backward', options), 'bfill()')); }
  /** Rows without repeats of `subset` (default all columns), in input order; keep 'first', 'last' or false. */
  dropDuplicates(o?: DropDuplicatesOptions): DataFrame { return new DataFrame(dropDuplicatesNode(this.node, o)); }
  /** The n rows with the largest values of `columns` (later columns break ties; then the earlier row). One partition. */
  nlargest(n: number, columns: string | readonly string[]): DataFrame { return new DataFrame(topNode(this.node, n, columns, true, 'nlargest()')); }
  nsmallest(n: number, columns: string | readonly string[]): DataFrame { return new DataFrame(topNode(this.node, n, columns, false, 'nsmallest()')); }
  /** Distinct values of every column as a record {column: n}; {dropna: false} counts null as a value. */
  nunique(o?: { dropna?: boolean }): ScalarRecord { return frameNunique(this.node, o); }
  // --- end verbs-summary ---

  /** Group rows by one or several key columns: df.groupby('Origin').agg({...}), .apply(fn), .getGroup(key). */
  groupby(keys: string | readonly string[], options: GroupByOptions = {}): GroupBy {
    assertKnownOptions('groupby()', options, ['dropna', 'sort']);
    return new GroupBy(this, typeof keys === 'string' ? [keys] : [...keys], { dropna: options.dropna ?? true, sort: options.sort ?? true });
  }

  /** The first n rows, computing partitions in order only until n rows are found. */
  head(n = 5, options: ComputeOptions = {}): Promise<Table> {
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`head(n) needs a non-negative integer; got ${String(n)}`);
    return headOf(this.node, n, options);
  }

  // --- verbs: reshaping, joins, mapPartitions (verbs-reshape) ---
  /** The last n rows, computing partitions from the last one backwards only until n rows are found. */
  tail(n = 5, options: ComputeOptions = {}): Promise<Table> { return reshape.tailOf(this.node, n, options); }
  /** Change the number of partitions, keeping row order: {npartitions} (lazy) or {partitionSize: '100MB'} (measures the data: a Promise). */
  repartition(options: { npartitions: number }): DataFrame;
  repartition(options: { partitionSize: number | string }, compute?: ComputeOptions): Promise<DataFrame>;
  repartition(options: reshape.RepartitionOptions, compute: ComputeOptions = {}): DataFrame | Promise<DataFrame> {
    reshape.checkRepartitionOptions(options);
    if (options.npartitions !== undefined) return new DataFrame(reshape.repartitionByCount(this.node, options.npartitions));
    return reshape.repartitionBySize(this.node, options.partitionSize!, compute).then((n) => new DataFrame(n));
  }
  /** fn on every whole partition. With {meta} lazy; without, the schema comes from fn on the first non-empty partition (a Promise). */
  mapPartitions(fn: mapParts.PartitionFunction | ModuleUdf, options: mapParts.MapPartitionsOptions & { meta: mapParts.Meta }): DataFrame;
  mapPartitions(fn: mapParts.PartitionFunction | ModuleUdf, options?: mapParts.MapPartitionsOptions & ComputeOptions): Promise<DataFrame>;
  mapPartitions(fn: mapParts.PartitionFunction | ModuleUdf, options: mapParts.MapPartitionsOptions & ComputeOptions = {}): DataFrame | Promise<DataFrame> {
    if (options.meta !== undefined) return new DataFrame(mapParts.mapPartitionsWithMeta(this.node, fn, options));
    return mapParts.mapPartitionsInferred(this.node, fn, options).then((n) => new DataFrame(n));
  }
  /** SQL join with another frame: {on | leftOn/rightOn, how: inner|left|right|outer|semi|anti, suffixes, broadcast}. */
  merge(other: DataFrame, options: mergeVerb.MergeOptions = {}): DataFrame {
    if (!(other instanceof DataFrame)) throw new TypeError('merge(other, options): other must be a DataFrame');
    return new DataFrame(mergeVerb.merge(this.node, other.node, options));
  }
  /** This frame's partitions followed by those of `others` (columns unioned; see concat()). */
  concat(others: readonly DataFrame[]): DataFrame { return new DataFrame(reshape.concatNode([this.node, ...others.map((o) => o.node)])); }
  /** Sort by one or several columns (sampled range partitioning: the result stays partitioned). */
  sortValues(by: string | readonly string[], options: sortVerb.SortOptions = {}): DataFrame {
    return new DataFrame(sortVerb.sortNode(this.node, sortVerb.sortSpecOf(this.node, by, options), options.npartitions ?? this.npartitions));
  }
  /** Each row kept with probability frac, drawn from {seed}: the same rows for the same seed and partitions on any scheduler. */
  sample(options: sampleVerb.SampleOptions): DataFrame { return new DataFrame(sampleVerb.sampleNode(this.node, options)); }
  /** Disjoint frames holding about fracs[i] / sum(fracs) of the rows each, together every row. */
  randomSplit(fracs: readonly number[], options: { seed?: number | bigint }): DataFrame[] {
    return sampleVerb.randomSplitNodes(this.node, fracs, options).map((n) => new DataFrame(n));
  }
  /** Sort by `column` with known divisions (each value in one partition); input already in order stays put. */
  setIndex(column: string): DataFrame { return new DataFrame(sortVerb.setIndexNode(this.node, column)); }
  /** The same rows without the index; {drop: true} drops the index column too. */
  resetIndex(options: { drop?: boolean } = {}): DataFrame { return new DataFrame(sortVerb.resetIndexNode(this.node, options)); }
  /** Where each partition of an indexed frame starts, and where the last ends (npartitions + 1 values; null: empty). */
  divisions(options: ComputeOptions = {}): Promise<unknown[]> { return sortVerb.divisionsOf(this.node, options); }
  /** The index column (setIndex), or null. */
  get index(): string | null { return sortVerb.indexOf(this.node); }
  /** Wide table of aggfunc(values) per index value and column value: lazy with {columnValues}, else a Promise (the values are counted first). */
  pivotTable(options: pivotVerb.PivotOptions & { columnValues: readonly unknown[] }): DataFrame;
  pivotTable(options: pivotVerb.PivotOptions, compute?: ComputeOptions): Promise<DataFrame>;
  pivotTable(options: pivotVerb.PivotOptions, compute: ComputeOptions = {}): DataFrame | Promise<DataFrame> {
    if (options?.columnValues !== undefined) return new DataFrame(pivotVerb.pivotLazy(this.node, options));
    return pivotVerb.pivotCounted(this.node, options, compute).then((n) => new DataFrame(n));
  }
  // --- end verbs-reshape ---

  [COLLECTION](): Output<Table> {
    return frameTable(this.node);
  }

  /** Compute into one Arrow Table (one record batch per non-empty partition). */
  async compute(options: ComputeOptions = {}): Promise<Table> {
    return computeOne(frameTable(this.node), options);
  }
  toArrow(options: ComputeOptions = {}): Promise<Table> {
    return this.compute(options);
  }

  /** Compute, then rows as plain objects: nulls stay null, int64 beyond 2^53 is a bigint, dates are Date. */
  async toRecords(options: ComputeOptions = {}): Promise<Record<string, PlainValue>[]> {
    return toRecords(await this.compute(options));
  }
  /** Same as toRecords(). */
  toObjects(options: ComputeOptions = {}): Promise<Record<string, PlainValue>[]> {
    return this.toRecords(options);
  }
  /** Compute, then `{column: values}`: typed arrays for null-free numeric columns up to 32 bits, else arrays. */
  async toColumns(options: ComputeOptions = {}): Promise<ReturnType<typeof toColumns>> {
    return toColumns(await this.compute(options));
  }

  /**
   * Print (and return) the first rows as a table like pandas' repr, with dtypes. Computes only what
   * head() needs; `rows` (default 10) rows are shown.
   */
  async print(format: FormatOptions = {}, options: ComputeOptions = {}): Promise<string> {
    const rows = Math.max(1, format.rows ?? 10);
    const head = await this.head(rows + 1, options);
    const more = head.numRows > rows;
    const text = formatHead(more ? head.slice(0, rows) : head, more, this.npartitions, format);
    console.log(text);
    return text;
  }

  /** What the frame is, without computing anything: partitions and column dtypes (print() shows rows). */
  toString(): string {
    return describeLazy('DataFrame', this.npartitions, this.schema.fields);
  }

  /**
   * Compute every partition and keep it: in memory by default, or spilled to Arrow IPC files with
   * {to: dir} (for results larger than memory). Later work starts from here instead of the sources.
   * `to` must be a new or empty directory (nothing is ever deleted), not holding an input of this frame.
   */
  async persist(options: ComputeOptions & { to?: string } = {}): Promise<DataFrame> {
    const { to, ...compute } = options;
    if (to !== undefined) {
      // Loaded lazily: the IPC modules import this one. A fresh directory only: persist never deletes.
      const [writer, reader] = await Promise.all([import('../io/arrow-ipc/write.ts'), import('../io/arrow-ipc/read.ts')]);
      await writer.writeArrowIpc(this, to, compute, 'persist({to})', true);
      return reader.readArrowIpc(to);
    }
    const batches: RecordBatch[] = await computeBatches(this.node, compute);
    return DataFrame.fromSource(new MemorySource(this.schema, batches, 'persisted'));
  }

  /** The optimised plan and the number of tasks it runs as. */
  // ---- arrays (issue 14): logic in collections/ndarray/from-frame.ts ----
  /** Numeric columns as a 2-D NDArray, one row block per partition (row counts unknown until read); nulls -> NaN. */
  toArray(columns?: readonly string[], options?: ToArrayOptions): NDArray { return frameToArray(this.node, columns, options); }

  explain(options: ComputeOptions = {}): string {
    return explainOutputs([frameTable(this.node)], options);
  }
}

/** One reduction per column (df.sum()): computes to {column: value}. */
export class ReducedRow implements Collection {
  constructor(readonly node: RecordNode) {}
  [COLLECTION](): Output<Record<string, ScalarValue>> {
    return recordOutput(this.node);
  }
  async compute(options: ComputeOptions = {}): Promise<Record<string, ScalarValue>> {
    return computeOne(recordOutput(this.node), options);
  }
  explain(options: ComputeOptions = {}): string {
    return explainOutputs([recordOutput(this.node)], options);
  }
}

export type { DataType };
