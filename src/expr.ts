// Column expressions as plain data: what `df.col('a').mul(2).gt(df.col('b'))` means, independent of
// any partition. They travel inside tasks to kernels (src/kernels/evaluate.ts), and know their result
// type from a schema, so a bad column or a type mismatch fails when the expression is built.

import { type DataType, type Schema, Bool, Dictionary, Float64, Int64, Null, Utf8, Type } from 'apache-arrow';
import { exprFunction } from './kernels/expr-functions.ts';
import { typeFromTag } from './kernels/type-tags.ts';
import { parseTimestamp } from './io/csv/values.ts';
import { acceptProvisional } from './collections/provisional-types.ts';

export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div' | 'floordiv' | 'mod' | 'pow';
export type ComparisonOp = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
export type LogicalOp = 'and' | 'or';
export type BinaryOp = ArithmeticOp | ComparisonOp | LogicalOp;
export type UnaryOp = 'neg' | 'abs' | 'not' | 'isNull' | 'notNull';
export type Literal = number | bigint | string | boolean | null;

export type ColExpr =
  | { readonly t: 'col'; readonly name: string }
  | { readonly t: 'lit'; readonly value: Literal }
  | { readonly t: 'bin'; readonly op: BinaryOp; readonly l: ColExpr; readonly r: ColExpr }
  | { readonly t: 'un'; readonly op: UnaryOp; readonly x: ColExpr }
  /** A named element-wise function (kernels/expr-functions.ts): fill, cast, string and date kernels. */
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly ColExpr[]; readonly opts: unknown }
  /**
   * A lazy Scalar broadcast to every row (x.sub(x.mean())). Before lowering `slot` holds the scalar's plan
   * (collections/scalar-leaf.ts); lowering replaces it with a Ref to the scalar's task, so tasks carry its value.
   */
  | { readonly t: 'scalar'; readonly type: string; readonly slot: unknown };

export const ARITHMETIC: readonly ArithmeticOp[] = ['add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow'];
export const COMPARISON: readonly ComparisonOp[] = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'];

/** Broad kinds that decide which kernels and reductions apply. */
export type ValueKind = 'float' | 'int' | 'bigint' | 'bool' | 'string' | 'null' | 'other';

export function kindOf(type: DataType): ValueKind {
  switch (type.typeId) {
    case Type.Float:
      return 'float';
    case Type.Int: {
      const t = type as unknown as { bitWidth: number };
      return t.bitWidth === 64 ? 'bigint' : 'int';
    }
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary:
      return kindOf((type as Dictionary).dictionary) === 'string' ? 'string' : 'other';
    case Type.Null:
      return 'null';
    default:
      return 'other';
  }
}

export function isNumericKind(k: ValueKind): boolean {
  return k === 'float' || k === 'int' || k === 'bigint' || k === 'bool' || k === 'null';
}

/** Columns an expression reads. */
export function columnsOf(e: ColExpr, out: Set<string> = new Set()): Set<string> {
  switch (e.t) {
    case 'col':
      out.add(e.name);
      break;
    case 'bin':
      columnsOf(e.l, out);
      columnsOf(e.r, out);
      break;
    case 'un':
      columnsOf(e.x, out);
      break;
    case 'call':
      for (const a of e.args) columnsOf(a, out);
      break;
  }
  return out;
}

export function describeExpr(e: ColExpr): string {
  switch (e.t) {
    case 'col':
      return e.name;
    case 'lit':
      return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'bin':
      return `${e.op}(${describeExpr(e.l)}, ${describeExpr(e.r)})`;
    case 'un':
      return `${e.op}(${describeExpr(e.x)})`;
    case 'call':
      return `${e.fn}(${e.args.map(describeExpr).join(', ')})`;
    case 'scalar':
      return `scalar<${e.type}>`;
  }
}

function literalType(v: Literal): DataType {
  if (v === null) return new Null();
  switch (typeof v) {
    case 'number':
      return new Float64();
    case 'bigint':
      return new Int64();
    case 'string':
      return new Utf8();
    default:
      return new Bool();
  }
}

/** Result type of `e` over `schema`; throws a message naming the columns that exist or the types that clash. */
export function exprType(e: ColExpr, schema: Schema): DataType {
  switch (e.t) {
    case 'col': {
      const f = schema.fields.find((x) => x.name === e.name);
      if (!f) throw unknownColumn(e.name, schema);
      return f.type;
    }
    case 'lit':
      return literalType(e.value);
    case 'scalar':
      return typeFromTag(e.type);
    case 'call': {
      const f = exprFunction(e.fn);
      return f.type(e.args.map((a) => exprType(a, schema)), e.opts, e.args, describeExpr(e));
    }
    case 'un': {
      const t = exprType(e.x, schema);
      const k = kindOf(t);
      if (e.op === 'isNull' || e.op === 'notNull') return new Bool();
      if (e.op === 'not') {
        if (k !== 'bool' && k !== 'null') throw typeError(e, `not() needs a boolean, got ${t}`);
        return new Bool();
      }
      if (!isNumericKind(k) || k === 'bool') throw typeError(e, `${e.op}() needs a number, got ${t}`);
      // neg/abs keep an integer type (overflow, e.g. -(-2^31) in int32, is an error at run time).
      return k === 'bigint' ? new Int64() : k === 'int' ? signedIntType(t) : new Float64();
    }
    case 'bin': {
      const lt = exprType(e.l, schema);
      const rt = exprType(e.r, schema);
      const lk = kindOf(lt);
      const rk = kindOf(rt);
      if ((ARITHMETIC as readonly string[]).includes(e.op)) {
        if (!isNumericKind(lk) || !isNumericKind(rk)) throw typeError(e, `${e.op} needs numbers, got ${lt} and ${rt}`);
        return arithmeticType(e.op as ArithmeticOp, e.l, lt, e.r, rt);
      }
      if (e.op === 'and' || e.op === 'or') {
        if (!['bool', 'null'].includes(lk) || !['bool', 'null'].includes(rk)) throw typeError(e, `${e.op} needs booleans, got ${lt} and ${rt}`);
        return new Bool();
      }
      // A column typed from a sample, equal (or not) to a string: the data may yet make it a string, as a word
      // among numbers ('NA', 'x') often does (provisional-types.ts). Orderings (gt('yesterday')) stay strict.
      const fieldOf = (x: ColExpr) => (x.t === 'col' ? schema.fields.find((f) => f.name === x.name) : undefined);
      const equality = e.op === 'eq' || e.op === 'ne';
      const provisional = () => equality && ((rk === 'string' && acceptProvisional(fieldOf(e.l))) || (lk === 'string' && acceptProvisional(fieldOf(e.r))));
      let comparable: boolean;
      try {
        comparable =
          lk === 'null' ||
          rk === 'null' ||
          (isNumericKind(lk) && isNumericKind(rk) && lk !== 'bool' && rk !== 'bool') ||
          lk === rk ||
          temporalComparable(e.l, lt, e.r, rt);
      } catch (err) {
        if (provisional()) return new Bool(); // a date column against text that is no date
        throw err;
      }
      if (!comparable && !provisional()) throw typeError(e, `cannot compare ${lt} with ${rt}`);
      return new Bool();
    }
  }
}

/** True for Arrow date and timestamp types. */
export function isTemporal(t: DataType): boolean {
  return t.typeId === Type.Date || t.typeId === Type.Timestamp;
}

/** Dates and timestamps compare with each other and with ISO text literals (checked when built). */
function temporalComparable(l: ColExpr, lt: DataType, r: ColExpr, rt: DataType): boolean {
  const isoLiteral = (e: ColExpr) => {
    if (e.t !== 'lit' || typeof e.value !== 'string') return false;
    if (parseTimestamp(e.value) === undefined) {
      throw new TypeError(`'${e.value}' is not an ISO date (YYYY-MM-DD) or timestamp (YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM]) to compare a ${String(isTemporal(lt) ? lt : rt)} column with`);
    }
    return true;
  };
  if (isTemporal(lt) && isTemporal(rt)) return true;
  return (isTemporal(lt) && isoLiteral(r)) || (isTemporal(rt) && isoLiteral(l));
}

/** Width and signedness of an integer type, or null for every other type. */
export function intInfo(t: DataType): { readonly bits: number; readonly signed: boolean } | null {
  if (t.typeId !== Type.Int) return null;
  const i = t as unknown as { bitWidth: number; isSigned: boolean };
  return { bits: i.bitWidth, signed: i.isSigned };
}

function signedIntType(t: DataType): DataType {
  const i = intInfo(t)!;
  // neg/abs of an unsigned value can be negative or need the next width: int64 holds every case.
  return i.signed ? t : new Int64();
}

/** A JS number literal that is a safe integer counts as an integer next to an integer column (as in pandas and polars). */
function isIntegerLiteral(e: ColExpr): boolean {
  return e.t === 'lit' && typeof e.value === 'number' && Number.isSafeInteger(e.value);
}

/** True when integer `v` is representable in integer type `t` (int64 always, for the JS-number range). */
export function literalFits(v: number, t: DataType): boolean {
  const i = intInfo(t);
  if (!i) return false;
  if (i.bits === 64) return true;
  const lo = i.signed ? -(2 ** (i.bits - 1)) : 0;
  const hi = i.signed ? 2 ** (i.bits - 1) - 1 : 2 ** i.bits - 1;
  return v >= lo && v <= hi;
}

/**
 * Result type of `l op r` (see docs/TYPES.md): `/` gives float64; other operators on two integers give
 * the shared integer type when both sides have the same one, int64 otherwise; anything with a float is float64.
 */
function arithmeticType(op: ArithmeticOp, l: ColExpr, lt: DataType, r: ColExpr, rt: DataType): DataType {
  if (op === 'div') return new Float64();
  // A null side takes the other side's type (the result is all null anyway).
  if (lt.typeId === Type.Null && rt.typeId === Type.Null) return new Float64();
  if (lt.typeId === Type.Null) return intInfo(rt) ? rt : new Float64();
  if (rt.typeId === Type.Null) return intInfo(lt) ? lt : new Float64();
  const li = intInfo(lt);
  const ri = intInfo(rt);
  // An integer literal next to an integer column takes the column's type when it fits (int64 when not).
  if (!li && ri && isIntegerLiteral(l)) return ri.bits < 64 && literalFits((l as { value: number }).value, rt) ? rt : new Int64();
  if (!ri && li && isIntegerLiteral(r)) return li.bits < 64 && literalFits((r as { value: number }).value, lt) ? lt : new Int64();
  if (!li || !ri) return new Float64();
  if (li.bits === ri.bits && li.signed === ri.signed) return li.bits === 64 ? new Int64() : lt;
  return new Int64();
}

export function unknownColumn(name: string, schema: Schema): Error {
  const names = schema.fields.map((f) => f.name);
  return new Error(`no column named '${name}'; the columns are: ${names.map((n) => `'${n}'`).join(', ') || '(none)'}`);
}

function typeError(e: ColExpr, what: string): TypeError {
  return new TypeError(`in ${describeExpr(e)}: ${what}`);
}
