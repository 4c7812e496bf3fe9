// Random query sets over a generated case, each run by tessera (on a chosen scheduler) and by DuckDB, and
// the comparison rules: tessera's documented semantics where they differ from DuckDB's, exact integers,
// and float tolerances derived from summation order only.

import type { Table } from 'apache-arrow';
import { type DataFrame, type SchedulerName, type Series, compute, readCsv } from '../../src/index.ts';
import { type ColType, type CsvCase, type Rand, columnCells, int, pick, typeDiffersFromSamples, typeUnsure } from './generate.ts';
import { dcol, query, selectExpr, sqlString } from './oracle.ts';

export type ReduceFn = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'var' | 'std';
export type CmpOp = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
export type AggFn = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'nunique' | 'size';

export type Query =
  | { kind: 'reduce'; col: number; fn: ReduceFn }
  | { kind: 'filterReduce'; where: number; op: CmpOp; lit: number | string | boolean; col: number; fn: ReduceFn }
  | { kind: 'dropnaReduce'; subset: number[]; col: number; fn: ReduceFn }
  | { kind: 'groupAgg'; keys: number[]; aggs: { col: number; fn: AggFn }[] }
  | { kind: 'valueCounts'; col: number }
  | { kind: 'nunique'; col: number }
  | { kind: 'head'; n: number }
  | { kind: 'toArrow' };

const NUMERIC: readonly ColType[] = ['int32', 'int64', 'float64'];
const isInt = (t: ColType): boolean => t === 'int32' || t === 'int64';
const U = 2 ** -53;

/** A readable one-line form of a query for reports, with the tessera column names. */
export function describeQuery(q: Query, names: string[]): string {
  const n = (j: number): string => JSON.stringify(names[j]);
  switch (q.kind) {
    case 'reduce': return `df.col(${n(q.col)}).${q.fn}()`;
    case 'filterReduce': return `df.filter(df.col(${n(q.where)}).${q.op}(${JSON.stringify(q.lit)})).col(${n(q.col)}).${q.fn}()`;
    case 'dropnaReduce': return `df.dropna({subset: [${q.subset.map(n).join(', ')}]}).col(${n(q.col)}).${q.fn}()`;
    case 'groupAgg': return `df.groupby([${q.keys.map(n).join(', ')}]).agg({${q.aggs.map((a, i) => `a${i}: [${n(a.col)}, '${a.fn}']`).join(', ')}}).toArrow()`;
    case 'valueCounts': return `df.col(${n(q.col)}).valueCounts().toArrow()`;
    case 'nunique': return `df.col(${n(q.col)}).nunique()`;
    case 'head': return `df.head(${q.n})`;
    case 'toArrow': return 'df.toArrow()';
  }
}

/** Does this float column hold NaN (the texts nan/NAN; NaN itself is a null marker)? */
function hasNaN(c: CsvCase, j: number): boolean {
  return columnCells(c, j).some((cell) => cell.cls !== 'null' && /^[+-]?nan$/i.test(cell.text));
}

/** Values past 1e150 square to infinity: DuckDB's variance then raises "out of range", so no oracle. */
function squaresOverflow(c: CsvCase, j: number): boolean {
  return columnCells(c, j).some((cell) => cell.cls !== 'null' && Math.abs(Number(cell.text)) >= 1e150);
}

/** Columns whose every value can be used as a literal for a comparison. */
function literalFrom(r: Rand, c: CsvCase, j: number, t: ColType): number | string | boolean | null {
  const cells = columnCells(c, j).filter((x) => x.cls !== 'null');
  if (cells.length === 0) return t === 'string' ? 'alpha' : 0;
  const text = pick(r, cells).text;
  if (t === 'string') return text;
  if (t === 'bool') return /^t/i.test(text);
  const x = Number(text);
  if (Number.isNaN(x)) return 0;
  return t === 'float64' && r() < 0.3 ? x + (r() - 0.5) : x;
}

/** A random query set for a case whose expected column types are `types`. */
export function generateQueries(r: Rand, c: CsvCase, types: ColType[], count: number): Query[] {
  const cols = types.map((_, j) => j).filter((j) => !typeUnsure(c, j));
  if (cols.length === 0) return [{ kind: 'head', n: 5 }];
  const numeric = cols.filter((j) => NUMERIC.includes(types[j]!));
  const keyable = cols.filter((j) => isInt(types[j]!) || types[j] === 'string' || types[j] === 'bool');
  const distinctable = cols.filter((j) => keyable.includes(j) || (types[j] === 'float64' && !hasNaN(c, j)));
  const out: Query[] = [];
  for (let tries = 0; out.length < count && tries < count * 10; tries++) {
    const k = r();
    if (k < 0.3) {
      const j = int(r, 0, cols.length - 1);
      const t = types[j]!;
      // Non-numeric columns: count, or a numeric reduction that must be refused (e.g. after a late string).
      const moments: ReduceFn[] = squaresOverflow(c, j) ? [] : ['var', 'std'];
      const fn: ReduceFn = NUMERIC.includes(t) ? pick(r, ['sum', 'mean', 'min', 'max', 'count', ...moments]) : t === 'string' ? pick(r, ['count', 'sum', 'mean']) : 'count';
      out.push({ kind: 'reduce', col: j, fn });
    } else if (k < 0.5) {
      const where = pick(r, cols);
      const t = types[where]!;
      if (!NUMERIC.includes(t) && t !== 'string' && t !== 'bool') continue;
      const lit = literalFrom(r, c, where, t);
      if (lit === null) continue;
      const op: CmpOp = NUMERIC.includes(t) ? pick(r, ['gt', 'ge', 'lt', 'le', 'eq', 'ne']) : pick(r, ['eq', 'ne']);
      const target = numeric.length > 0 && r() < 0.8 ? pick(r, numeric) : pick(r, cols);
      const fn: ReduceFn = NUMERIC.includes(types[target]!) ? pick(r, ['sum', 'mean', 'min', 'max', 'count']) : 'count';
      out.push({ kind: 'filterReduce', where, op, lit, col: target, fn });
    } else if (k < 0.7) {
      if (keyable.length === 0) continue;
      const keys = [pick(r, keyable)];
      if (keyable.length > 1 && r() < 0.4) {
        const second = pick(r, keyable.filter((j) => j !== keys[0]));
        keys.push(second);
      }
      const aggs: { col: number; fn: AggFn }[] = [];
      for (let a = int(r, 1, 3); a > 0; a--) {
        const values = cols.filter((j) => !keys.includes(j));
        const j = values.length > 0 ? pick(r, values) : -1;
        if (j >= 0 && NUMERIC.includes(types[j]!)) aggs.push({ col: j, fn: pick(r, ['sum', 'mean', 'min', 'max', 'count', 'nunique', 'size']) });
        else if (j >= 0 && distinctable.includes(j)) aggs.push({ col: j, fn: pick(r, ['count', 'nunique']) });
        else aggs.push({ col: j >= 0 ? j : keys[0]!, fn: 'size' });
      }
      if (aggs.some((a) => a.fn === 'nunique' && !distinctable.includes(a.col))) continue;
      out.push({ kind: 'groupAgg', keys, aggs });
    } else if (k < 0.8) {
      if (distinctable.length === 0) continue;
      out.push({ kind: r() < 0.5 ? 'valueCounts' : 'nunique', col: pick(r, distinctable) });
    } else if (k < 0.9) {
      out.push({ kind: 'head', n: pick(r, [1, 3, 5, int(r, 1, 80)]) });
    } else {
      out.push({ kind: 'toArrow' });
    }
  }
  // dropna (issue 18): drawn from a generator of its own, so the queries above stay what they were per seed.
  const own = ownRandom(c.names.join('\u0000').length * 7919 + c.files.length * 31 + count);
  if (own() < 0.5) {
    const subset = cols.filter(() => own() < 0.4);
    if (subset.length === 0) subset.push(cols[Math.floor(own() * cols.length)]!);
    const target = cols[Math.floor(own() * cols.length)]!;
    const fn: ReduceFn = NUMERIC.includes(types[target]!) ? (['sum', 'min', 'max', 'count'] as const)[Math.floor(own() * 4)]! : 'count';
    out.push({ kind: 'dropnaReduce', subset, col: target, fn });
  }
  return out;
}

/** mulberry32, for the queries added after the seeded stream's. */
function ownRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Values in one comparable form: integers as bigint, floats as number, dates as day numbers, timestamps as
// epoch milliseconds, strings, booleans, null.

export type Value = bigint | number | string | boolean | null;

function arrowFamily(typeText: string): ColType | 'other' {
  if (typeText === 'Int32') return 'int32';
  if (typeText === 'Int64') return 'int64';
  if (/^Float/.test(typeText)) return 'float64';
  if (typeText === 'Bool') return 'bool';
  if (typeText === 'Utf8' || /^Dictionary<.*Utf8>$/.test(typeText)) return 'string';
  if (/^Date/.test(typeText)) return 'date';
  if (/^Timestamp/.test(typeText)) return 'timestamp';
  return 'other';
}

function tesseraValue(v: unknown, fam: ColType | 'other'): Value {
  if (v === null || v === undefined) return null;
  if (fam === 'int32' || fam === 'int64') return typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v as number) : (v as number);
  if (fam === 'date') return v instanceof Date ? v.getTime() / 86400000 : (v as number) / 86400000;
  if (fam === 'timestamp') return v instanceof Date ? v.getTime() : Number(v);
  return v as Value;
}

function duckValue(v: unknown, t: ColType): Value {
  if (v === null || v === undefined) return null;
  if (isInt(t)) return BigInt(v as number | bigint);
  if (t === 'date' || t === 'timestamp') return Number(v);
  return v as Value;
}

export interface TableRows { types: (ColType | 'other')[]; names: string[]; rows: Value[][] }

export function tableRows(t: Table): TableRows {
  const fields = t.schema.fields;
  const types = fields.map((f) => arrowFamily(String(f.type)));
  const cols = fields.map((_, j) => t.getChildAt(j)!);
  const rows: Value[][] = [];
  for (let i = 0; i < t.numRows; i++) rows.push(cols.map((c, j) => tesseraValue(c.get(i), types[j]!)));
  return { types, names: fields.map((f) => f.name), rows };
}

const show = (v: unknown): string => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v) ?? String(v));
export const showValue = show;

/** Same value: NaN equals NaN, -0 differs from 0 (a lost sign is a bug), integers compared as bigint. */
function same(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  return a === b;
}

// ---------------------------------------------------------------------------------------------------------
// Running one query on each side.

export interface Answer { ok: true; value: unknown; types?: (ColType | 'other')[] }
export interface Refusal { ok: false; error: string; atBuild?: boolean }
export type Outcome = Answer | Refusal;

/** A fresh frame per query: a widening found by one query never leaks into the next. */
export function openFrame(c: CsvCase, paths: string[]): DataFrame {
  return readCsv(paths, {
    ...(c.giveDelimiter ? { delimiter: c.delimiter } : {}),
    ...(c.blocksize !== undefined ? { blocksize: c.blocksize } : {}),
    ...(c.sampleBytes !== undefined ? { sampleBytes: c.sampleBytes } : {}),
    parseDates: c.parseDates,
  });
}

export function readOptionsText(c: CsvCase): string {
  const o: Record<string, unknown> = {};
  if (c.giveDelimiter) o.delimiter = c.delimiter;
  if (c.blocksize !== undefined) o.blocksize = c.blocksize;
  if (c.sampleBytes !== undefined) o.sampleBytes = c.sampleBytes;
  o.parseDates = c.parseDates;
  return JSON.stringify(o);
}

function seriesReduce(s: Series, fn: ReduceFn) {
  return s[fn]();
}

export async function runTessera(c: CsvCase, paths: string[], q: Query, scheduler: SchedulerName): Promise<Outcome> {
  // Build the lazy query first, then compute: a refusal while building is checked against the inferred
  // (sampled) schema, which the comparison treats by the documented rule (see mayRefuseAtBuild).
  let atBuild = true;
  const run = <T>(f: () => Promise<T>): Promise<T> => {
    atBuild = false;
    return f();
  };
  try {
    const df = openFrame(c, paths);
    const name = (j: number): string => c.names[j]!;
    const opts = { scheduler, numWorkers: 2 };
    switch (q.kind) {
      case 'reduce': {
        const s = seriesReduce(df.col(name(q.col)), q.fn);
        const [v] = await run(() => compute(s, opts));
        return { ok: true, value: v };
      }
      case 'filterReduce': {
        const cond = df.col(name(q.where))[q.op](q.lit);
        const s = seriesReduce(df.filter(cond).col(name(q.col)), q.fn);
        const [v] = await run(() => compute(s, opts));
        return { ok: true, value: v };
      }
      case 'dropnaReduce': {
        const s = seriesReduce(df.dropna({ subset: q.subset.map(name) }).col(name(q.col)), q.fn);
        const [v] = await run(() => compute(s, opts));
        return { ok: true, value: v };
      }
      case 'groupAgg': {
        const spec = Object.fromEntries(q.aggs.map((a, i) => [`a${i}`, [name(a.col), a.fn] as const]));
        const g = df.groupby(q.keys.map(name)).agg(spec);
        const tr = tableRows(await run(() => g.toArrow(opts)));
        return { ok: true, value: tr.rows, types: tr.types };
      }
      case 'valueCounts': {
        const vc = df.col(name(q.col)).valueCounts();
        const tr = tableRows(await run(() => vc.toArrow(opts)));
        return { ok: true, value: tr.rows, types: tr.types };
      }
      case 'nunique': {
        const n = df.col(name(q.col)).nunique();
        const [v] = await run(() => compute(n, opts));
        return { ok: true, value: v };
      }
      case 'head': {
        const tr = tableRows(await run(() => df.head(q.n, opts)));
        return { ok: true, value: tr.rows, types: tr.types };
      }
      case 'toArrow': {
        const tr = tableRows(await run(() => df.toArrow(opts)));
        return { ok: true, value: tr.rows, types: tr.types };
      }
    }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), atBuild };
  }
}

/** Columns a query names, which a build-time type check looks at. */
function queryColumns(q: Query): number[] {
  switch (q.kind) {
    case 'reduce':
    case 'valueCounts':
    case 'nunique':
      return [q.col];
    case 'filterReduce':
      return [q.where, q.col];
    case 'dropnaReduce':
      return [...q.subset, q.col];
    case 'groupAgg':
      return [...q.keys, ...q.aggs.map((a) => a.col)];
    default:
      return [];
  }
}

/**
 * docs/CSV.md: a lazy query is type-checked when it is built, against the types inferred from the samples;
 * values outside the samples widen a column only at compute. So a query over a column whose samples cannot
 * show its final type (typeDiffersFromSamples) may be refused while building, with a TypeError naming that
 * column: the documented limit (pass `dtype` or `sampleBytes: 'full'`), not a wrong answer.
 */
function refusedAtBuildByRule(c: CsvCase, q: Query, actual: Refusal): boolean {
  if (!actual.atBuild || !actual.error.startsWith('TypeError')) return false;
  return queryColumns(q).some((j) => typeDiffersFromSamples(c, j) && actual.error.includes(c.names[j]!));
}

/** SQL for a reduction under tessera's rules: NaN wins min and max; NaN or ±inf make var/std NaN (IEEE). */
function reduceSql(fn: ReduceFn, j: number, t: ColType): string {
  const x = dcol(j);
  const float = t === 'float64';
  const nanWins = (agg: string): string => (float ? `CASE WHEN bool_or(isnan(${x})) THEN 'NaN'::DOUBLE ELSE ${agg} END` : agg);
  switch (fn) {
    case 'count': return `count(${x})`;
    // A sum of no values is 0, not null (pandas; kernels/summary.ts finalizeSummary).
    case 'sum': return `coalesce(sum(${x}), 0)`;
    case 'mean': return `avg(${x})`;
    case 'min': return nanWins(`min(${x})`);
    case 'max': return nanWins(`max(${x})`);
    case 'var':
    case 'std': {
      const agg = fn === 'var' ? 'var_samp' : 'stddev_samp';
      // DuckDB raises "out of range" on NaN/inf inputs; tessera's arithmetic propagates them as NaN.
      // A sample variance of fewer than two values is null (ddof 1) even when the one value is NaN.
      return float ? `CASE WHEN count(${x}) < 2 THEN NULL WHEN bool_or(isnan(${x}) OR isinf(${x})) THEN 'NaN'::DOUBLE ELSE ${agg}(${x}::DOUBLE) FILTER (WHERE NOT (isnan(${x}) OR isinf(${x}))) END` : `${agg}(${x}::DOUBLE)`;
    }
  }
}

/** Inputs of the float tolerance: n, sum|x|, sum x^2 (as doubles). */
function tolSql(j: number, t: ColType): string {
  if (!NUMERIC.includes(t)) return `count(${dcol(j)}), 0, 0`;
  return `count(${dcol(j)}), sum(abs(${dcol(j)}::DOUBLE)), sum(${dcol(j)}::DOUBLE * ${dcol(j)}::DOUBLE)`;
}

function literalSql(lit: number | string | boolean, t: ColType): string {
  if (typeof lit === 'string') return sqlString(lit);
  if (typeof lit === 'boolean') return lit ? 'true' : 'false';
  // An integer-valued literal is written exactly, so DuckDB compares an integer column in the integer domain.
  if (Number.isInteger(lit)) return isInt(t) ? BigInt(lit).toString() : `${BigInt(lit).toString()}::DOUBLE`;
  return `${sqlString(String(lit))}::DOUBLE`;
}

const OPS: Record<CmpOp, string> = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '=', ne: '<>' };

export interface Expected { ok: true; value: unknown; tol?: number[]; types?: ColType[] }
export interface ExpectedRefusal { ok: false; why: string }

/** What tessera must answer, from DuckDB plus the documented rules. */
export async function runDuck(c: CsvCase, types: ColType[], q: Query): Promise<Expected | ExpectedRefusal> {
  switch (q.kind) {
    case 'reduce':
    case 'filterReduce':
    case 'dropnaReduce': {
      const t = types[q.col]!;
      if (q.fn !== 'count' && !NUMERIC.includes(t)) return { ok: false, why: `${q.fn}() of a ${t} column` };
      let where = '';
      // dropna: a row stays when none of the subset is null (NaN is a value, not null).
      if (q.kind === 'dropnaReduce') where = `WHERE ${q.subset.map((j) => `${dcol(j)} IS NOT NULL`).join(' AND ')}`;
      if (q.kind === 'filterReduce') {
        const wt = types[q.where]!;
        where = `WHERE ${dcol(q.where)} ${OPS[q.op]} ${literalSql(q.lit, wt)}`;
        // IEEE: NaN compares false to everything but ne; DuckDB orders NaN above every number.
        if (wt === 'float64' && q.op !== 'ne') where += ` AND NOT isnan(${dcol(q.where)})`;
      }
      const [row] = await query(`SELECT ${reduceSql(q.fn, q.col, t)}, ${tolSql(q.col, t)} FROM t ${where}`);
      const [v, n, sabs, ssq] = row!;
      return { ok: true, value: v, tol: [Number(n), Number(sabs ?? 0), Number(ssq ?? 0)] };
    }
    case 'groupAgg': {
      const keys = q.keys.map((j) => dcol(j));
      const aggs = q.aggs.map((a) => {
        const t = types[a.col]!;
        if (a.fn === 'size') return 'count(*)';
        if (a.fn === 'nunique') return `count(DISTINCT ${dcol(a.col)})`;
        return reduceSql(a.fn, a.col, t);
      });
      const tol = q.aggs.map((a) => tolSql(a.col, types[a.col]!).replace(/, [^,]*$/, ''));
      const rows = await query(`SELECT ${keys.join(', ')}, ${aggs.join(', ')}, ${tol.join(', ')} FROM t WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')} GROUP BY ALL`);
      return { ok: true, value: rows.map((r) => r.map((v, i) => (i < q.keys.length ? duckValue(v, types[q.keys[i]!]!) : v))) };
    }
    case 'valueCounts': {
      const rows = await query(`SELECT ${dcol(q.col)}, count(*) FROM t WHERE ${dcol(q.col)} IS NOT NULL GROUP BY ALL`);
      return { ok: true, value: rows.map(([k, n]) => [duckValue(k, types[q.col]!), BigInt(n as bigint)]) };
    }
    case 'nunique': {
      const [[n]] = (await query(`SELECT count(DISTINCT ${dcol(q.col)}) FROM t`)) as [[bigint]];
      return { ok: true, value: n };
    }
    case 'head':
    case 'toArrow': {
      const limit = q.kind === 'head' ? ` LIMIT ${q.n}` : '';
      const rows = await query(`SELECT ${types.map((t, j) => selectExpr(j, t)).join(', ')} FROM t ORDER BY __rid${limit}`);
      return { ok: true, value: rows.map((r) => r.map((v, j) => duckValue(v, types[j]!))), types };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparison.

/**
 * A float result computed by summing n terms in any order differs from the exact sum by at most
 * (n-1)·u·Σ|x|; both sides carry that error, so the answers may differ by twice that (plus one rounding
 * of the result). Means divide it by n; variances use Σx² in place of Σ|x|.
 */
function floatBound(fn: ReduceFn | AggFn, n: number, sabs: number, ssq: number, expected: number): number {
  const round = 2 * U * Math.abs(expected);
  switch (fn) {
    case 'sum': return 2 * n * U * sabs + round;
    case 'mean': return (2 * n * U * sabs) / Math.max(1, n) + round;
    case 'var': return (4 * n * U * ssq) / Math.max(1, n - 1) + round;
    case 'std': {
      const dv = (4 * n * U * ssq) / Math.max(1, n - 1);
      return (expected > 0 ? Math.min(dv / (2 * expected), Math.sqrt(dv)) : Math.sqrt(dv)) + round;
    }
    default: return 0;
  }
}

function integerResult(fn: ReduceFn | AggFn, t: ColType): boolean {
  return ['count', 'nunique', 'size'].includes(fn) || (isInt(t) && ['sum', 'min', 'max'].includes(fn));
}

/** Compare one scalar; returns a reason or null. */
function compareScalar(actual: unknown, expected: unknown, fn: ReduceFn | AggFn, t: ColType, tol: number[]): string | null {
  if (expected === null || expected === undefined) return actual === null ? null : `expected null, got ${show(actual)}`;
  if (actual === null || actual === undefined) return `expected ${show(expected)}, got null`;
  if (integerResult(fn, t)) {
    if (typeof actual === 'number' && !Number.isInteger(actual)) return `expected integer ${show(expected)}, got ${show(actual)}`;
    if (typeof actual !== 'number' && typeof actual !== 'bigint') return `expected integer ${show(expected)}, got ${show(actual)}`;
    return BigInt(actual) === BigInt(expected as number | bigint) ? null : `expected ${show(BigInt(expected as number | bigint))}, got ${show(actual)}`;
  }
  const a = Number(actual);
  const e = Number(expected);
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a) ? null : `expected ${show(e)}, got ${show(actual)}`;
  if (!Number.isFinite(e) || !Number.isFinite(a) || fn === 'min' || fn === 'max') return Object.is(a, e) || a === e ? null : `expected ${show(e)}, got ${show(actual)}`;
  const bound = floatBound(fn, tol[0] ?? 0, tol[1] ?? 0, tol[2] ?? 0, e);
  return Math.abs(a - e) <= bound ? null : `expected ${show(e)} (±${bound.toExponential(2)} from summation order), got ${show(actual)}; diff ${Math.abs(a - e).toExponential(3)}`;
}

/** Group identity: 0 and -0 are one group (which sign represents it is not a rule either side makes). */
const keyText = (vs: Value[]): string => vs.map((v) => show(typeof v === 'number' && v === 0 ? 0 : v)).join('\u241f');

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function cmpKey(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'string' && typeof y === 'string') {
      const cx = [...x].map((ch) => ch.codePointAt(0)!);
      const cy = [...y].map((ch) => ch.codePointAt(0)!);
      for (let k = 0; k < Math.min(cx.length, cy.length); k++) if (cx[k] !== cy[k]) return cx[k]! - cy[k]!;
      return cx.length - cy.length;
    }
    return (x as number) < (y as number) ? -1 : 1;
  }
  return 0;
}

/** Where a type may legitimately be narrower in head(): sampled, not yet widened by later partitions. */
const WIDER: Record<ColType, ColType[]> = {
  int32: ['int64', 'float64', 'string'], int64: ['float64', 'string'], float64: ['string'], bool: ['string'],
  date: ['timestamp', 'string'], timestamp: ['string'], string: [],
};

function compareTables(c: CsvCase, q: Query, actual: Answer, expected: Expected): string | null {
  const rows = actual.value as Value[][];
  const exp = expected.value as Value[][];
  const types = expected.types!;
  const got = actual.types!;
  const compared: boolean[] = [];
  for (let j = 0; j < types.length; j++) {
    const g = got[j];
    if (typeUnsure(c, j)) compared.push(false);
    else if (g === types[j]) compared.push(true);
    else if (q.kind === 'head' && g !== undefined && g !== 'other' && WIDER[g].includes(types[j]!)) compared.push(false);
    else return `column ${j}: type ${g} where the data makes it ${types[j]}`;
  }
  if (rows.length !== exp.length) return `${exp.length} rows expected, got ${rows.length}`;
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < types.length; j++) {
      if (compared[j] && !same(rows[i]![j]!, exp[i]![j]!)) return `row ${i} column ${j}: expected ${show(exp[i]![j])}, got ${show(rows[i]![j])}`;
    }
  }
  return null;
}

/** null when tessera's outcome is right, else a one-line reason. */
export function compareOutcome(c: CsvCase, types: ColType[], q: Query, actual: Outcome, expected: Expected | ExpectedRefusal): string | null {
  if (!expected.ok) return actual.ok ? `expected a refusal (${expected.why}), got ${show(actual.value)}` : null;
  if (q.kind === 'groupAgg') {
    // docs/TYPES.md: a groupby sum of integers beyond int64 is a RangeError naming the column and group.
    const nk = q.keys.length;
    const overflow = q.aggs.some((a, i) => a.fn === 'sum' && isInt(types[a.col]!) && (expected.value as unknown[][]).some((r) => {
      const v = BigInt(r[nk + i] as bigint);
      return v < INT64_MIN || v > INT64_MAX;
    }));
    if (overflow) return !actual.ok && /beyond int64/.test(actual.error) ? null : `a group sum beyond int64 must be a RangeError; got ${actual.ok ? 'an answer' : actual.error}`;
  }
  if (!actual.ok) return refusedAtBuildByRule(c, q, actual) ? null : `threw ${actual.error.split('\n')[0]}`;
  switch (q.kind) {
    case 'reduce':
    case 'filterReduce':
    case 'dropnaReduce':
      return compareScalar(actual.value, expected.value, q.fn, types[q.col]!, expected.tol!);
    case 'nunique':
      return compareScalar(actual.value, expected.value, 'nunique', types[q.col]!, []);
    case 'valueCounts': {
      const rows = actual.value as Value[][];
      const fam = actual.types![0];
      if (fam !== types[q.col]) return `value column type ${fam}, expected ${types[q.col]}`;
      for (let i = 1; i < rows.length; i++) if ((rows[i]![1] as bigint) > (rows[i - 1]![1] as bigint)) return `counts not in descending order at row ${i}`;
      const want = new Map((expected.value as Value[][]).map(([k, n]) => [keyText([k!]), n]));
      if (want.size !== rows.length) return `${want.size} distinct values expected, got ${rows.length} rows`;
      for (const [k, n] of rows) if (want.get(keyText([k!])) !== n) return `count of ${show(k)}: expected ${show(want.get(keyText([k!])))}, got ${show(n)}`;
      return null;
    }
    case 'groupAgg': {
      const rows = actual.value as Value[][];
      const nk = q.keys.length;
      for (let i = 0; i < nk; i++) if (actual.types![i] !== types[q.keys[i]!]) return `key ${i} type ${actual.types![i]}, expected ${types[q.keys[i]!]}`;
      for (let a = 0; a < q.aggs.length; a++) {
        const { col, fn } = q.aggs[a]!;
        const ft = actual.types![nk + a];
        if (integerResult(fn, types[col]!) && ft !== 'int32' && ft !== 'int64') return `agg ${fn} of a ${types[col]} column has type ${ft}; integer results stay integers`;
      }
      for (let i = 1; i < rows.length; i++) if (cmpKey(rows[i - 1]!.slice(0, nk), rows[i]!.slice(0, nk)) >= 0) return `groups not sorted by key at row ${i}`;
      const want = new Map((expected.value as unknown[][]).map((r) => [keyText(r.slice(0, nk) as Value[]), r]));
      if (want.size !== rows.length) return `${want.size} groups expected, got ${rows.length}`;
      for (const row of rows) {
        const e = want.get(keyText(row.slice(0, nk)));
        if (!e) return `unexpected group ${keyText(row.slice(0, nk))}`;
        for (let a = 0; a < q.aggs.length; a++) {
          const { col, fn } = q.aggs[a]!;
          const base = nk + q.aggs.length + 2 * a;
          const why = compareScalar(row[nk + a], e[nk + a], fn, types[col]!, [Number(e[base]), Number(e[base + 1] ?? 0), 0]);
          if (why) return `group ${keyText(row.slice(0, nk))} agg ${fn}(${c.names[col]}): ${why}`;
        }
      }
      return null;
    }
    case 'head':
    case 'toArrow':
      return compareTables(c, q, actual, expected);
  }
}
