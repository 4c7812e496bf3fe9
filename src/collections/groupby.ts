// df.groupby(keys): named aggregations over groups (a lazy DataFrame with one row per key tuple), and
// groupby-apply of user functions (groupby-apply.ts). Validation happens here, against the schema.

import { availableParallelism } from 'node:os';
import { type DataFrame } from './dataframe.ts';
import { type ColExpr, type Literal, kindOf } from '../expr.ts';
import { type FrameNode, type GroupOrder, filterNode, groupAggNode, projectNode } from './plan.ts';
import { AppliedFrame } from './applied-frame.ts';
import { type ModuleUdf, isModuleUdf } from './udf.ts';
import { tokenize } from '../scheduler/tokenize.ts';
import { assertKnownOptions } from '../config.ts';
import { registerLocalFunction } from '../kernels/groupby/udf-runtime.ts';
import type { GroupFrame } from '../kernels/groupby/group-frame.ts';
import { GROUP_AGGS, type GroupAggName, type GroupAggSpec } from '../kernels/groupby/aggregate.ts';
import { entriesOf } from '../kernels/name-records.ts';
import { type ValueCountsOptions, groupedValueCounts } from './verbs/value-counts.ts';
import { type AggFn, isAggFnSpec, parseAggFn } from './verbs/agg-fn.ts';

export interface GroupByOptions {
  /** Drop rows whose key is null (default true, as pandas); false keeps null as its own group. */
  dropna?: boolean;
  /** Sort result rows by key (default true). */
  sort?: boolean;
}

export interface AggOptions {
  /** Output partitions, hash-partitioned by key: use > 1 for very many groups (default 1). */
  splitOut?: number;
  /** Partials merged per task (default from config, 8). */
  splitEvery?: number;
  /** Delta degrees of freedom for var/std (default 1). */
  ddof?: number;
}

const CUSTOM = Symbol.for('tessera.customAgg');

/** A user-defined aggregation (see customAgg). */
export interface CustomAggregation {
  readonly [CUSTOM]: true;
  readonly chunk: unknown;
  readonly combine: unknown;
  readonly finalize: unknown;
  readonly params: unknown;
  readonly type: 'float64' | 'int32' | 'utf8' | 'bool';
}

/**
 * A custom aggregation in three steps, each a self-contained function or udf(import.meta.url, 'name'):
 * chunk(values, params) -> state for one group's non-null values in one partition (a Float64Array for
 * numbers); combine(states, params) -> state; finalize(state, params) -> number | string | boolean | null.
 */
export function customAgg<S>(spec: {
  chunk: ((values: Float64Array | unknown[], params: any) => S) | ModuleUdf;
  combine: ((states: S[], params: any) => S) | ModuleUdf;
  finalize: ((state: S, params: any) => number | string | boolean | null) | ModuleUdf;
  params?: unknown;
  type?: CustomAggregation['type'];
}): CustomAggregation {
  for (const k of ['chunk', 'combine', 'finalize'] as const) {
    if (typeof spec[k] !== 'function' && !isModuleUdf(spec[k])) throw new TypeError(`customAgg: ${k} must be a function or udf(import.meta.url, 'name')`);
  }
  const type = spec.type ?? 'float64';
  if (!['float64', 'int32', 'utf8', 'bool'].includes(type)) throw new TypeError(`customAgg: type must be 'float64', 'int32', 'utf8' or 'bool'; got ${String(type)}`);
  return { [CUSTOM]: true, chunk: spec.chunk, combine: spec.combine, finalize: spec.finalize, params: spec.params ?? null, type };
}

function isCustom(x: unknown): x is CustomAggregation {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[CUSTOM] === true;
}

/**
 * Named aggregations: {out: ['column', 'mean']}, {out: ['column', customAgg(...)]}, {column: 'mean'} or
 * {column: ['sum', 'mean']}; any aggregation may be {op: 'var', ddof: 0} for its own ddof.
 */
export type AggSpec = Record<string, readonly [string, AggFn | CustomAggregation] | AggFn | readonly AggFn[]>;

export interface ApplyOptions {
  /** Plain data handed to the function as its second argument (typed arrays travel without copies). */
  params?: unknown;
  /** Shuffle buckets = parallel tasks (default: max(input partitions, 2 x cores)). */
  npartitions?: number;
  /** Only these value columns reach the function (the reader then parses only them and the keys). */
  columns?: readonly string[];
  /** transform(): name of the new column when the function returns an array. */
  name?: string;
}

/** A function given one group; returns an object (one row), an array of objects, a frame, or a scalar. */
export type GroupFunction = (group: GroupFrame, params: any) => unknown;

/** Aggregations that need numbers (the rest also take strings and booleans). */
const NUMERIC_ONLY: readonly GroupAggName[] = ['sum', 'mean', 'min', 'max', 'var', 'std', 'median'];

export class GroupBy {
  constructor(
    private readonly df: DataFrame,
    readonly keys: readonly string[],
    private readonly options: Required<GroupByOptions>,
  ) {
    for (const k of keys) {
      const f = df.schema.fields.find((x) => x.name === k);
      if (!f) throw new Error(`groupby: no column named '${k}'; the columns are: ${df.columns.map((c) => `'${c}'`).join(', ')}`);
      const kind = kindOf(f.type);
      if (!['string', 'int', 'bigint', 'float', 'bool'].includes(kind)) throw new TypeError(`groupby: cannot group by '${k}' of type ${String(f.type)}`);
    }
    if (keys.length === 0) throw new TypeError('groupby needs at least one key column');
  }

  /** The frame being grouped (for groupby-apply). */
  get frame(): FrameNode {
    return this.df.node;
  }
  get dropna(): boolean {
    return this.options.dropna;
  }

  private valueColumns(): string[] {
    return this.df.columns.filter((c) => !this.keys.includes(c));
  }

  private build(specs: GroupAggSpec[], options: AggOptions, order?: GroupOrder): DataFrame {
    assertKnownOptions('groupby aggregation', options, ['splitOut', 'splitEvery', 'ddof', 'numericOnly']);
    const splitOut = options.splitOut ?? 1;
    if (!Number.isInteger(splitOut) || splitOut < 1) throw new TypeError(`splitOut must be a positive integer; got ${String(options.splitOut)}`);
    const splitEvery = options.splitEvery ?? null;
    if (splitEvery !== null && (!Number.isInteger(splitEvery) || splitEvery < 2)) throw new TypeError(`splitEvery must be an integer >= 2; got ${String(splitEvery)}`);
    for (const s of specs) {
      if (!GROUP_AGGS.includes(s.fn) || (s.fn === 'custom' && !s.customFns)) throw new TypeError(`unknown aggregation '${s.fn}' for '${s.out}'; known: ${GROUP_AGGS.join(', ')}`);
      if (s.column === null) continue;
      const f = this.df.schema.fields.find((x) => x.name === s.column);
      if (!f) throw new Error(`agg '${s.out}': no column named '${s.column}'; the columns are: ${this.df.columns.map((c) => `'${c}'`).join(', ')}`);
      const kind = kindOf(f.type);
      const numeric = ['int', 'bigint', 'float', 'bool', 'null'].includes(kind);
      if (s.fn === 'custom') continue;
      if (NUMERIC_ONLY.includes(s.fn) && !numeric) throw new TypeError(`agg '${s.out}': ${s.fn}() needs a numeric column, '${s.column}' is ${String(f.type)}`);
      if (!numeric && kind !== 'string') throw new TypeError(`agg '${s.out}': cannot aggregate '${s.column}' of type ${String(f.type)}`);
    }
    const node = groupAggNode(this.df.node, this.keys, specs, {
      dropna: this.options.dropna,
      order: order ?? (this.options.sort ? { by: 'keys' } : { by: 'none' }),
      splitOut,
      splitEvery,
    });
    return new (this.df.constructor as new (n: FrameNode) => DataFrame)(node);
  }

  /** Named aggregations, e.g. agg({delay: ['ArrDelay', 'mean'], n: ['ArrDelay', 'count']}). */
  agg(spec: AggSpec | ReadonlyMap<string, AggSpec[string]>, options: AggOptions = {}): DataFrame {
    const ddof = options.ddof ?? 1;
    const specs: GroupAggSpec[] = [];
    // A Map takes any output name, including '__proto__'.
    for (const [name, v] of entriesOf<AggSpec[string]>(spec)) {
      if (Array.isArray(v) && v.length === 2 && isCustom(v[1])) {
        const c = v[1] as CustomAggregation;
        specs.push({ out: name, column: v[0] as string, fn: 'custom', ddof: 0, customType: c.type, customFns: { chunk: c.chunk, combine: c.combine, finalize: c.finalize, params: c.params } });
      } else if (typeof v === 'string' || isAggFnSpec(v)) {
        const a = parseAggFn(v as AggFn, ddof, `agg '${name}'`);
        specs.push({ out: name, column: a.fn === 'size' ? null : name, fn: a.fn, ddof: a.ddof });
      } else if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !GROUP_AGGS.includes(v[0] as GroupAggName)) {
        const a = parseAggFn(v[1] as AggFn, ddof, `agg '${name}'`);
        specs.push({ out: name, column: a.fn === 'size' ? null : (v[0] as string), fn: a.fn, ddof: a.ddof });
      } else if (Array.isArray(v)) {
        for (const f of v as readonly AggFn[]) {
          const a = parseAggFn(f, ddof, `agg '${name}'`);
          // var with its own ddof next to the default one needs its own output name
          specs.push({ out: a.ownDdof ? `${name}_${a.fn}_ddof${a.ddof}` : `${name}_${a.fn}`, column: a.fn === 'size' ? null : name, fn: a.fn, ddof: a.ddof });
        }
      } else throw new TypeError(`agg '${name}': expected ['column', 'fn'], 'fn' or a list of fns; got ${JSON.stringify(v)}`);
    }
    if (specs.length === 0) throw new TypeError('agg needs at least one aggregation');
    return this.build(specs, options);
  }

  private all(fn: GroupAggName, options: AggOptions & { numericOnly?: boolean } = {}): DataFrame {
    const cols = this.valueColumns().filter((c) => {
      if (!NUMERIC_ONLY.includes(fn)) return true;
      const k = kindOf(this.df.schema.fields.find((f) => f.name === c)!.type);
      const ok = ['int', 'bigint', 'float', 'bool', 'null'].includes(k);
      if (!ok && !options.numericOnly) throw new TypeError(`${fn}() does not apply to '${c}'; select other columns or pass {numericOnly: true}`);
      return ok;
    });
    return this.build(cols.map((c) => ({ out: c, column: c, fn, ddof: options.ddof ?? 1 })), options);
  }
  sum(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('sum', o); }
  mean(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('mean', o); }
  min(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('min', o); }
  max(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('max', o); }
  var(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('var', o); }
  std(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('std', o); }
  median(o?: AggOptions & { numericOnly?: boolean }): DataFrame { return this.all('median', o); }
  count(o?: AggOptions): DataFrame { return this.all('count', o); }
  first(o?: AggOptions): DataFrame { return this.all('first', o); }
  last(o?: AggOptions): DataFrame { return this.all('last', o); }
  nunique(o?: AggOptions): DataFrame { return this.all('nunique', o); }
  /** Rows per group (nulls in value columns included). */
  size(o?: AggOptions): DataFrame {
    return this.build([{ out: 'size', column: null, fn: 'size', ddof: 0 }], o ?? {});
  }
  /** One value column: groupby('k').col('x').mean() -> frame [k, x]. */
  col(name: string): GroupedColumn {
    if (!this.df.columns.includes(name)) throw new Error(`no column named '${name}'; the columns are: ${this.df.columns.map((c) => `'${c}'`).join(', ')}`);
    return new GroupedColumn(this, name);
  }
  /**
   * Run `fn` on every group, in parallel. `fn` is a self-contained function (values it needs come in
   * `params`) or udf(import.meta.url, 'name') for a module function; any closure works on 'sync'.
   */
  apply(fn: GroupFunction | ModuleUdf, options: ApplyOptions = {}): AppliedFrame {
    return this.applyLike('apply', fn, options);
  }

  /** Like apply, but `fn` returns one value per row of the group (an array, or an object of arrays): new columns on the input rows, returned in input order (as pandas). */
  transform(fn: GroupFunction | ModuleUdf, options: ApplyOptions = {}): AppliedFrame {
    return this.applyLike('transform', fn, options);
  }

  private applyLike(mode: 'apply' | 'transform', fn: GroupFunction | ModuleUdf, options: ApplyOptions): AppliedFrame {
    assertKnownOptions(`groupby ${mode}()`, options, ['params', 'npartitions', 'columns', 'name']);
    if (typeof fn !== 'function' && !isModuleUdf(fn)) throw new TypeError(`${mode}() takes a function or udf(import.meta.url, 'name'); got ${String(fn)}`);
    let input = this.df.node;
    if (options.columns) {
      const cols = [...this.keys, ...options.columns.filter((c) => !this.keys.includes(c))];
      input = projectNode(input, cols);
    }
    const nbuckets = options.npartitions ?? Math.max(input.npartitions, 2 * availableParallelism());
    if (!Number.isInteger(nbuckets) || nbuckets < 1) throw new TypeError(`npartitions must be a positive integer; got ${String(options.npartitions)}`);
    // Closures with equal source can capture different values: identify functions by object, modules by name.
    const fnIdentity = typeof fn === 'function' ? `fn${registerLocalFunction(fn as (...a: unknown[]) => unknown)}:${fn.toString()}` : fn;
    const name = options.name ?? 'transformed';
    const token = tokenize(`groupby-${mode}`, input.token, this.keys, this.options.dropna, this.options.sort, fnIdentity, options.params ?? null, nbuckets, name);
    return new AppliedFrame({ token, input, keys: this.keys, dropna: this.options.dropna, sort: this.options.sort, fn, params: options.params ?? null, nbuckets, mode, name });
  }

  /** The rows of one group, lazily: getGroup('SFO') or getGroup(['SFO', 2008]) for several keys. */
  getGroup(key: Literal | readonly Literal[]): DataFrame {
    const values = Array.isArray(key) ? key : [key];
    if (values.length !== this.keys.length) throw new TypeError(`getGroup needs ${this.keys.length} key value(s) for [${this.keys.join(', ')}]; got ${values.length}`);
    let pred: ColExpr | null = null;
    this.keys.forEach((k, i) => {
      const v = values[i] as Literal;
      const col: ColExpr = { t: 'col', name: k };
      const one: ColExpr = v === null ? { t: 'un', op: 'isNull', x: col } : { t: 'bin', op: 'eq', l: col, r: { t: 'lit', value: v } };
      pred = pred === null ? one : { t: 'bin', op: 'and', l: pred, r: one };
    });
    return new (this.df.constructor as new (n: FrameNode) => DataFrame)(filterNode(this.df.node, pred!));
  }

  /** Internal: build from specs with an explicit row order (valueCounts). */
  _build(specs: GroupAggSpec[], options: AggOptions, order?: GroupOrder): DataFrame {
    return this.build(specs, options, order);
  }
}

export class GroupedColumn {
  constructor(
    private readonly gb: GroupBy,
    readonly name: string,
  ) {}
  private one(fn: GroupAggName, o: AggOptions = {}): DataFrame {
    return this.gb._build([{ out: this.name, column: this.name, fn, ddof: o.ddof ?? 1 }], o);
  }
  sum(o?: AggOptions): DataFrame { return this.one('sum', o); }
  mean(o?: AggOptions): DataFrame { return this.one('mean', o); }
  min(o?: AggOptions): DataFrame { return this.one('min', o); }
  max(o?: AggOptions): DataFrame { return this.one('max', o); }
  count(o?: AggOptions): DataFrame { return this.one('count', o); }
  var(o?: AggOptions): DataFrame { return this.one('var', o); }
  std(o?: AggOptions): DataFrame { return this.one('std', o); }
  first(o?: AggOptions): DataFrame { return this.one('first', o); }
  last(o?: AggOptions): DataFrame { return this.one('last', o); }
  nunique(o?: AggOptions): DataFrame { return this.one('nunique', o); }
  median(o?: AggOptions): DataFrame { return this.one('median', o); }
  // --- verbs: summaries, cumulative, duplicates (verbs-summary) ---
  /** Count of each value of this column within each group: [keys..., column, count], by key then most frequent first. */
  valueCounts(o?: Omit<ValueCountsOptions, 'splitOut'>): DataFrame { return groupedValueCounts(this.gb.frame, this.gb.keys, this.gb.dropna, this.name, o); }
  // --- end verbs-summary ---
}
