// The cleaning verbs pandas users reach for first: dropna, fillna, isna/notna, astype, rename, drop,
// where/mask, clip, isin, between, round. Each builds plain select/assign/filter plans (lazy, schema known).

import type { ColExpr, Literal } from '../../expr.ts';
import { kindOf } from '../../expr.ts';
import { DataFrame } from '../dataframe.ts';
import { Series, isSeries } from '../series.ts';
import { isScalar } from '../scalar.ts';
import { assignNode, filterNode, projectNode } from '../plan.ts';
import { type Operand, callSeries, compareWith, operandOf, optionsOf } from './operands.ts';
import { type CastTarget, CAST_TARGETS, castTarget } from '../../kernels/cast.ts';
import { entriesOf } from '../../kernels/name-records.ts';
import { isTemporalType } from '../../kernels/dates.ts';

export interface DropnaOptions {
  /** 'any' (default): drop a row with a null in any of `subset`; 'all': only when every one is null. */
  how?: 'any' | 'all';
  /** Columns to look at (default: all). */
  subset?: string | readonly string[];
  /** Keep rows with at least this many non-null values among `subset` (cannot be combined with `how`). */
  thresh?: number;
}

function columnList(df: DataFrame, cols: string | readonly string[], where: string): string[] {
  const list = typeof cols === 'string' ? [cols] : Array.isArray(cols) ? [...cols] : null;
  if (list === null || list.some((c) => typeof c !== 'string')) throw new TypeError(`${where}: expected a column name or an array of names; got ${String(cols)}`);
  const names = new Set(df.columns);
  const missing = list.filter((c) => !names.has(c));
  if (missing.length > 0) throw new Error(`${where}: no column named ${missing.map((c) => `'${c}'`).join(', ')}; the columns are: ${df.columns.map((c) => `'${c}'`).join(', ')}`);
  return list;
}

const notNull = (name: string): ColExpr => ({ t: 'un', op: 'notNull', x: { t: 'col', name } });

/** Rows without nulls (null only: NaN is a value, as everywhere in tessera). */
export function dropna(df: DataFrame, options?: DropnaOptions): DataFrame {
  const o = optionsOf('dropna()', options, ['how', 'subset', 'thresh']);
  const cols = o.subset === undefined ? df.columns : columnList(df, o.subset, 'dropna({subset})');
  if (o.how !== undefined && o.thresh !== undefined) throw new TypeError("dropna(): pass either {how} or {thresh}, not both (as pandas)");
  if (o.how !== undefined && o.how !== 'any' && o.how !== 'all') throw new TypeError(`dropna(): how must be 'any' or 'all'; got ${String(o.how)}`);
  if (o.thresh !== undefined && (!Number.isInteger(o.thresh) || o.thresh < 0)) throw new TypeError(`dropna(): thresh must be a non-negative integer; got ${String(o.thresh)}`);
  if (cols.length === 0) return df;
  let predicate: ColExpr;
  if (o.thresh !== undefined) {
    // Count the non-null values per row (as int32 0/1 terms).
    const count = cols
      .map((c): ColExpr => ({ t: 'call', fn: 'cast', args: [notNull(c)], opts: { to: 'int32' } }))
      .reduce((a, b): ColExpr => ({ t: 'bin', op: 'add', l: a, r: b }));
    predicate = { t: 'bin', op: 'ge', l: count, r: { t: 'lit', value: o.thresh } };
  } else {
    const op = o.how === 'all' ? 'or' : 'and';
    predicate = cols.map(notNull).reduce((a, b): ColExpr => ({ t: 'bin', op, l: a, r: b }));
  }
  return new DataFrame(filterNode(df.node, predicate));
}

export type FillValue = Literal | Date | Series | import('../scalar.ts').Scalar;

/** Nulls replaced by `value` (every column) or by `{column: value}`; NaN stays (it is a value). */
export function fillna(df: DataFrame, value: FillValue | Record<string, FillValue> | ReadonlyMap<string, FillValue>): DataFrame {
  const perColumn = value !== null && typeof value === 'object' && !isSeries(value) && !isScalar(value) && !(value instanceof Date);
  const entries: Array<readonly [string, FillValue]> = perColumn
    ? entriesOf(value as Record<string, FillValue> | ReadonlyMap<string, FillValue>)
    : df.columns.map((c) => [c, value as FillValue] as const);
  if (perColumn) columnList(df, entries.map(([c]) => c), 'fillna({column: value})');
  if (entries.length === 0) return df;
  let node = df.node;
  const assignments: Array<[string, ColExpr]> = [];
  for (const [name, v] of entries) {
    const column = new Series(node, { t: 'col', name }, name);
    // One value for every column: columns it does not fit keep their nulls (df.fillna(0) leaves text alone).
    if (!perColumn && !fits(column, v)) continue;
    const s = fillnaSeries(column, v);
    node = s.frame;
    assignments.push([name, s.expr]);
  }
  return new DataFrame(assignNode(node, assignments));
}

/** Whether a fill value (a literal, a Series, a Scalar) shares a type with a column. */
function fits(column: Series, v: FillValue): boolean {
  if (v === null) return false;
  try {
    fillnaSeries(column, v);
    return true;
  } catch (e) {
    if (e instanceof TypeError) return false;
    throw e;
  }
}

export function fillnaSeries(s: Series, value: FillValue): Series {
  return callSeries(s, 'fill_null', [value], null, `fillna('${s.name}')`);
}

/** A frame of booleans: true where the value is null. */
export function isnaFrame(df: DataFrame, negate: boolean): DataFrame {
  const op = negate ? 'notNull' : 'isNull';
  return new DataFrame(assignNode(df.node, df.columns.map((c) => [c, { t: 'un', op, x: { t: 'col', name: c } }] as const)));
}

function targetOf(dtype: unknown, where: string): CastTarget {
  const t = castTarget(dtype);
  if (t === null) throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; known: ${CAST_TARGETS.join(', ')}`);
  return t;
}

export function astypeSeries(s: Series, dtype: string): Series {
  const to = targetOf(dtype, `astype('${s.name}')`);
  return new Series(s.frame, { t: 'call', fn: 'cast', args: [s.expr], opts: { to } }, s.name);
}

/** Columns converted: astype('float64') for every column or astype({column: dtype}). */
export function astype(df: DataFrame, dtypes: string | Record<string, string> | ReadonlyMap<string, string>): DataFrame {
  const entries = typeof dtypes === 'string' ? df.columns.map((c) => [c, dtypes] as const) : entriesOf(dtypes);
  columnList(df, entries.map(([c]) => c), 'astype({column: dtype})');
  const assignments = entries.map(([c, d]) => [c, { t: 'call', fn: 'cast', args: [{ t: 'col', name: c }], opts: { to: targetOf(d, `astype({'${c}': ...})`) } } as ColExpr] as const);
  return new DataFrame(assignNode(df.node, assignments));
}

/** Columns renamed by `{old: new}` (or a function of the old name); order and data stay. */
export function rename(df: DataFrame, mapping: Record<string, string> | ReadonlyMap<string, string> | ((name: string) => string)): DataFrame {
  const names = df.columns;
  let map: Map<string, string>;
  if (typeof mapping === 'function') {
    map = new Map(names.map((n) => [n, mapping(n)]));
  } else {
    map = new Map(entriesOf(mapping));
    columnList(df, [...map.keys()], 'rename({old: new})');
  }
  const out = names.map((n) => map.get(n) ?? n);
  for (const n of out) if (typeof n !== 'string') throw new TypeError(`rename(): new names must be strings; got ${String(n)}`);
  const dup = out.find((n, i) => out.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`rename(): two columns would be named '${dup}'; column names must stay unique`);
  const changed = names.filter((n, i) => out[i] !== n);
  if (changed.length === 0) return df;
  // Assign every new name from its old column at once (swaps work), then keep the new names in order.
  const assigned = assignNode(df.node, changed.map((n) => [map.get(n)!, { t: 'col', name: n }] as const));
  return new DataFrame(projectNode(assigned, out));
}

/** The frame without some columns; naming one that does not exist is an error unless {errors: 'ignore'}. */
export function drop(df: DataFrame, columns: string | readonly string[], options?: { errors?: 'raise' | 'ignore' }): DataFrame {
  const o = optionsOf('drop()', options, ['errors']);
  if (o.errors !== undefined && o.errors !== 'raise' && o.errors !== 'ignore') throw new TypeError(`drop(): errors must be 'raise' or 'ignore'; got ${String(o.errors)}`);
  const list = typeof columns === 'string' ? [columns] : [...columns];
  if (o.errors !== 'ignore') columnList(df, list, 'drop()');
  const gone = new Set(list);
  return new DataFrame(projectNode(df.node, df.columns.filter((c) => !gone.has(c))));
}

/** The condition of where/mask: a boolean Series. */
function checkCondition(s: Series, cond: unknown, verb: string): asserts cond is Series {
  if (!isSeries(cond)) throw new TypeError(`${verb}('${s.name}'): the condition must be a boolean Series`);
  const k = kindOf(cond.dtype);
  if (k !== 'bool' && k !== 'null') throw new TypeError(`${verb}('${s.name}'): the condition must be a boolean Series, got ${String(cond.dtype)}`);
}

/** Values where `cond` is true, `other` (default null) where it is false or null (pandas' where). */
export function where(s: Series, cond: Series, other: Operand = null): Series {
  checkCondition(s, cond, 'where');
  return ifElse(s, cond, s, other, 'where');
}

/** `other` (default null) where `cond` is true, the values elsewhere (pandas' mask). */
export function mask(s: Series, cond: Series, other: Operand = null): Series {
  checkCondition(s, cond, 'mask');
  return ifElse(s, cond, other, s, 'mask');
}

function ifElse(s: Series, cond: Series, a: Operand, b: Operand, verb: string): Series {
  const where = `${verb}('${s.name}')`;
  const c = operandOf(s, cond, where);
  const base = new Series(c.frame, s.expr, s.name);
  const ea = operandOf(base, a, where);
  const eb = operandOf(new Series(ea.frame, s.expr, s.name), b, where);
  return new Series(eb.frame, { t: 'call', fn: 'if_else', args: [c.expr, ea.expr, eb.expr], opts: null }, s.name);
}

/** Values limited to [lower, upper] (either may be null/absent); nulls and NaN stay. */
export function clip(s: Series, lower: Operand = null, upper: Operand = null): Series {
  const where = `clip('${s.name}')`;
  const k = kindOf(s.dtype);
  if (k !== 'int' && k !== 'bigint' && k !== 'float' && !isTemporalType(s.dtype)) throw new TypeError(`${where}: clip() needs numbers or dates, got ${String(s.dtype)}`);
  let out = s;
  if (lower !== null && lower !== undefined) out = ifElse(out, compareWith(out, 'lt', lower, where), lower, out, 'clip');
  if (upper !== null && upper !== undefined) out = ifElse(out, compareWith(out, 'gt', upper, where), upper, out, 'clip');
  if (lower !== null && upper !== null && typeof lower === 'number' && typeof upper === 'number' && lower > upper) throw new RangeError(`${where}: lower ${lower} is above upper ${upper}`);
  return out;
}

/** True where the value is one of `values` (a null value is true only when null is listed, as pandas). */
export function isin(s: Series, values: Iterable<Literal | Date>): Series {
  if (values === null || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function' || typeof values === 'string') {
    throw new TypeError(`isin('${s.name}'): expected an array (or Set) of values; got ${String(values)}`);
  }
  const list = [...values].map((v) => (v instanceof Date ? v.toISOString() : v));
  for (const v of list) if (v !== null && !['number', 'bigint', 'string', 'boolean'].includes(typeof v)) throw new TypeError(`isin('${s.name}'): ${String(v)} is not a number, bigint, string, boolean, Date or null`);
  return new Series(s.frame, { t: 'call', fn: 'is_in', args: [s.expr], opts: { values: list } }, s.name);
}

/** left <= value <= right (inclusive: 'both' | 'neither' | 'left' | 'right'); null gives false, as pandas. */
export function between(s: Series, left: Operand, right: Operand, options?: { inclusive?: 'both' | 'neither' | 'left' | 'right' }): Series {
  const o = optionsOf('between()', options, ['inclusive']);
  const inc = o.inclusive ?? 'both';
  if (!['both', 'neither', 'left', 'right'].includes(inc)) throw new TypeError(`between(): inclusive must be 'both', 'neither', 'left' or 'right'; got ${String(inc)}`);
  const lo = compareWith(s, inc === 'both' || inc === 'left' ? 'ge' : 'gt', left, 'between()');
  const hi = compareWith(s, inc === 'both' || inc === 'right' ? 'le' : 'lt', right, 'between()');
  return fillnaSeries(lo.and(hi), false);
}

/** Rounded to `decimals` (half to even, as numpy and pandas); integers stay integers. */
export function round(s: Series, decimals = 0): Series {
  if (!Number.isInteger(decimals)) throw new TypeError(`round('${s.name}'): decimals must be an integer; got ${String(decimals)}`);
  return new Series(s.frame, { t: 'call', fn: 'round', args: [s.expr], opts: { decimals } }, s.name);
}

/** round/clip over every numeric column of a frame (others stay as they are). */
export function roundFrame(df: DataFrame, decimals: number | Record<string, number> = 0): DataFrame {
  const per = typeof decimals === 'number' ? null : new Map(entriesOf(decimals));
  if (per) columnList(df, [...per.keys()], 'round({column: decimals})');
  const assignments: Array<readonly [string, ColExpr]> = [];
  for (const f of df.schema.fields) {
    const k = kindOf(f.type);
    if (k !== 'int' && k !== 'bigint' && k !== 'float') continue;
    const d = per ? per.get(f.name) : (decimals as number);
    if (d === undefined) continue;
    assignments.push([f.name, round(df.col(f.name), d).expr]);
  }
  return new DataFrame(assignNode(df.node, assignments));
}

export function clipFrame(df: DataFrame, lower: Literal = null, upper: Literal = null): DataFrame {
  const assignments: Array<readonly [string, ColExpr]> = [];
  for (const f of df.schema.fields) {
    const k = kindOf(f.type);
    if (k !== 'int' && k !== 'bigint' && k !== 'float') continue;
    assignments.push([f.name, clip(df.col(f.name), lower, upper).expr]);
  }
  return new DataFrame(assignNode(df.node, assignments));
}
