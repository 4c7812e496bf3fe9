// Row filters for readParquet, in the pyarrow/Dask form: [[col, op, value], ...] is an AND, and a list of
// such lists is an OR of ANDs. They are checked against the schema when readParquet is called, pruned
// against row-group statistics (and hive partition values) when the graph is built, and applied row by row
// in the read task. Resolved filters are plain data, so they travel inside tasks.

import { type DataType, type Field, type Schema, DataType as DT } from 'apache-arrow';
import type { ChunkStats, StatDomain } from './footer.ts';
import { ParquetOptionError } from './errors.ts';

export type FilterOp = '=' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';
export type FilterValue = number | bigint | string | boolean | Date;
export type FilterTuple = readonly [column: string, op: FilterOp, value: FilterValue | readonly FilterValue[]];
/** AND of tuples, or OR of ANDs. */
export type Filters = readonly FilterTuple[] | readonly (readonly FilterTuple[])[];

export type TermOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in' | 'notin';
/** A scalar in the column's comparison space: numbers/bigints, strings, booleans, or ms since the epoch. */
export type TermValue = number | bigint | string | boolean;

export interface Term {
  readonly column: string;
  readonly op: TermOp;
  /** One value, or the set for in/notin. */
  readonly values: readonly TermValue[];
}
/** OR of ANDs. An empty outer list means "no filter". */
export type Dnf = readonly (readonly Term[])[];

const OPS: Record<string, TermOp> = { '=': 'eq', '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', in: 'in', 'not in': 'notin' };
const SYMBOL: Record<TermOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', in: 'in', notin: 'not in' };

/** What a column compares as, from its Arrow type (null: no filters on it). */
export type ValueClass = 'number' | 'bool' | 'string' | 'time';

export function valueClassOf(type: DataType): ValueClass | null {
  if (DT.isInt(type) || DT.isFloat(type)) return 'number';
  if (DT.isBool(type)) return 'bool';
  if (DT.isUtf8(type) || DT.isLargeUtf8(type)) return 'string';
  if (DT.isDictionary(type)) return valueClassOf(type.dictionary) === 'string' ? 'string' : null;
  if (DT.isDate(type) || DT.isTimestamp(type)) return 'time';
  return null;
}

/**
 * Check filters against a schema and resolve them to plain data. `where` names the files in messages.
 * Throws ParquetOptionError naming the column for a missing column, an unknown operator, or a value of the
 * wrong type.
 */
export function resolveFilters(filters: Filters | undefined, schema: Schema, where: string): Dnf {
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) throw new ParquetOptionError(`filters must be a list like [['Year', '>=', 2005]] or a list of such lists; got ${describe(filters)}`);
  if (filters.length === 0) return [];
  const nested = Array.isArray(filters[0]) && Array.isArray((filters[0] as unknown[])[0]);
  const groups = (nested ? filters : [filters]) as readonly (readonly FilterTuple[])[];
  return groups.map((g) => {
    if (!Array.isArray(g) || g.length === 0) throw new ParquetOptionError(`each OR-group of filters must be a non-empty list of [column, op, value]; got ${describe(g)}`);
    return g.map((t) => resolveTerm(t, schema, where));
  });
}

function resolveTerm(t: FilterTuple, schema: Schema, where: string): Term {
  if (!Array.isArray(t) || t.length !== 3 || typeof t[0] !== 'string') {
    throw new ParquetOptionError(`a filter is [column, op, value], e.g. ['Year', '>=', 2005]; got ${describe(t)}`);
  }
  const [column, rawOp, value] = t;
  const field = schema.fields.find((f: Field) => f.name === column);
  if (!field) {
    throw new ParquetOptionError(`filter on missing column '${column}' in ${where}; the columns are: ${schema.fields.map((f) => `'${f.name}'`).join(', ')}`);
  }
  const op = OPS[rawOp as string];
  if (!op) throw new ParquetOptionError(`filter on '${column}': unknown operator ${JSON.stringify(rawOp)}; use one of ${Object.keys(OPS).map((o) => `'${o}'`).join(', ')}`);
  const cls = valueClassOf(field.type);
  if (cls === null) throw new ParquetOptionError(`filter on '${column}' in ${where}: columns of type ${String(field.type)} cannot be filtered yet`);
  const many = op === 'in' || op === 'notin';
  if (many !== Array.isArray(value)) {
    throw new ParquetOptionError(
      many ? `filter ['${column}', '${rawOp}', ...] needs a list of values; got ${describe(value)}` : `filter ['${column}', '${rawOp}', ...] needs one value, not a list; use 'in' for a list`,
    );
  }
  const raw = (many ? value : [value]) as readonly FilterValue[];
  const values = raw.map((v) => coerce(v, cls, field, where));
  return { column, op, values };
}

function coerce(v: FilterValue, cls: ValueClass, field: Field, where: string): TermValue {
  const wrong = (want: string) =>
    new ParquetOptionError(`filter on '${field.name}' (${String(field.type)}) in ${where}: value ${describe(v)} is ${typeName(v)}; expected ${want}`);
  switch (cls) {
    case 'number':
      if ((typeof v === 'number' && !Number.isNaN(v)) || typeof v === 'bigint') return v;
      throw wrong('a number or bigint');
    case 'bool':
      if (typeof v === 'boolean') return v;
      throw wrong('a boolean');
    case 'string':
      if (typeof v === 'string') return v;
      throw wrong('a string');
    case 'time': {
      const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isFinite(ms)) return ms;
      throw wrong('a Date, milliseconds since the epoch, or a date string such as "2005-01-01"');
    }
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Date) return 'an invalid Date';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  return `a ${typeof v}`;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

export function describeDnf(dnf: Dnf): string {
  const term = (t: Term) => `${t.column} ${SYMBOL[t.op]} ${t.values.length === 1 && t.op !== 'in' && t.op !== 'notin' ? fmt(t.values[0]!) : `[${t.values.map(fmt).join(', ')}]`}`;
  return dnf.map((g) => g.map(term).join(' and ')).join(' or ');
}

const fmt = (v: TermValue) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v));

export function dnfColumns(dnf: Dnf): Set<string> {
  return new Set(dnf.flatMap((g) => g.map((t) => t.column)));
}

/** AND of two DNFs (distributes; filters are short, so the product stays small). */
export function andDnf(a: Dnf, b: Dnf): Dnf {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return a.flatMap((x) => b.map((y) => [...x, ...y]));
}

// ---- comparisons --------------------------------------------------------------------------------------

const enc = new TextEncoder();

/** -1/0/1 for number|bigint mixes (JS relational operators compare them exactly). */
export function cmpNum(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Does `x op values` hold for a non-null x that compares via `cmp`? */
export function holds(op: TermOp, values: readonly unknown[], cmp: (v: unknown) => number): boolean {
  switch (op) {
    case 'eq':
      return cmp(values[0]) === 0;
    case 'ne':
      return cmp(values[0]) !== 0;
    case 'lt':
      return cmp(values[0]) < 0;
    case 'le':
      return cmp(values[0]) <= 0;
    case 'gt':
      return cmp(values[0]) > 0;
    case 'ge':
      return cmp(values[0]) >= 0;
    case 'in':
      return values.some((v) => cmp(v) === 0);
    case 'notin':
      return values.every((v) => cmp(v) !== 0);
  }
}

/**
 * Can any row of a chunk with these statistics satisfy the term? False only when the statistics prove
 * that none can. Nulls satisfy no comparison, so an all-null chunk never matches.
 */
export function chunkMayMatch(term: Term, stats: ChunkStats | undefined, numRows: number, domain: StatDomain, exactBounds: boolean): boolean {
  if (!stats) return true;
  if (numRows > 0 && stats.nullCount === numRows) return false;
  const { min, max } = stats;
  if (min === undefined || max === undefined || domain === null) return true;
  const toDomain = (v: TermValue): number | bigint | Uint8Array => (domain === 'bytes' ? enc.encode(String(v)) : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number | bigint));
  const c = (a: number | bigint | Uint8Array, b: number | bigint | Uint8Array): number =>
    a instanceof Uint8Array ? cmpBytes(a, b as Uint8Array) : cmpNum(a, b as number | bigint);
  const vs = term.values.map(toDomain);
  const inRange = (v: number | bigint | Uint8Array) => c(min, v) <= 0 && c(max, v) >= 0;
  switch (term.op) {
    case 'eq':
    case 'in':
      return vs.some(inRange);
    case 'lt':
      return c(min, vs[0]!) < 0;
    case 'le':
      return c(min, vs[0]!) <= 0;
    case 'gt':
      return c(max, vs[0]!) > 0;
    case 'ge':
      return c(max, vs[0]!) >= 0;
    case 'ne':
    case 'notin':
      // Only a chunk holding one value (exactly known, no NaN hiding outside the bounds) can be ruled out.
      if (!exactBounds || c(min, max) !== 0) return true;
      return !vs.some((v) => c(min, v) === 0);
  }
}

/**
 * Do the statistics prove that EVERY row of a chunk satisfies the term? Only with exact bounds (no NaN or
 * truncated strings outside them) and a null count known to be 0 (a null satisfies no comparison). Used to
 * drop a filter that cannot remove any row (ParquetSource.allRowsMatch).
 */
export function chunkAllMatch(term: Term, stats: ChunkStats | undefined, domain: StatDomain, exactBounds: boolean): boolean {
  if (!stats || !exactBounds || stats.nullCount !== 0) return false;
  const { min, max } = stats;
  if (min === undefined || max === undefined || min instanceof Uint8Array || max instanceof Uint8Array) return false;
  if (domain !== 'number' && domain !== 'bigint' && domain !== 'bool') return false;
  // Rows are compared as doubles by the row filter: beyond 2^53 an exact proof could disagree with it.
  const safe = (v: number | bigint): boolean => (typeof v === 'bigint' ? v >= -(2n ** 53n) && v <= 2n ** 53n : Math.abs(v) <= 2 ** 53);
  if (!safe(min) || !safe(max)) return false;
  const vs: (number | bigint)[] = [];
  for (const v of term.values) {
    if (typeof v === 'boolean') vs.push(v ? 1 : 0);
    else if (typeof v === 'number' || typeof v === 'bigint') vs.push(v);
    else return false;
  }
  if (!vs.every(safe)) return false;
  const single = cmpNum(min, max) === 0;
  switch (term.op) {
    case 'eq':
    case 'in':
      return single && vs.some((v) => cmpNum(min, v) === 0);
    case 'lt':
      return cmpNum(max, vs[0]!) < 0;
    case 'le':
      return cmpNum(max, vs[0]!) <= 0;
    case 'gt':
      return cmpNum(min, vs[0]!) > 0;
    case 'ge':
      return cmpNum(min, vs[0]!) >= 0;
    case 'ne':
    case 'notin':
      return vs.every((v) => cmpNum(v, min) < 0 || cmpNum(v, max) > 0);
  }
}
