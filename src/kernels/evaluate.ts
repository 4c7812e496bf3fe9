// Evaluating a column expression (collections/expr.ts) over one partition. Arithmetic follows JS numbers
// (float64) except int64 op int64, which stays exact in BigInt; comparisons and logic give booleans with
// SQL null semantics (null in -> null out; `and`/`or` use three-valued logic).

import { type Data, type DataType, type RecordBatch, Bool, Float64, Int64, Null, Type, makeData } from 'apache-arrow';
import { arithmeticColumn, floatOp } from './arithmetic.ts';
import {
  type ArithmeticOp,
  type ColExpr,
  type ComparisonOp,
  type Literal,
  ARITHMETIC,
  describeExpr,
  exprType,
  intInfo,
  kindOf,
  unknownColumn,
} from '../expr.ts';
import { sharedArray, utf8Data, primitiveData } from './arrow-build.ts';
import { asFloat64, boolBytes, compareBytes, packBits } from './column-values.ts';
import { andValidity, validityOf } from './validity.ts';
import { stableStringify } from '../scheduler/tokenize.ts';
import { exprFunction } from './expr-functions.ts';
import './all-functions.ts';
import { compareTemporal, isTemporalData, scalarLiteral } from './dates.ts';

export type Evaluated = { readonly data: Data } | { readonly lit: Literal };

const encoder = new TextEncoder();

/** Evaluate `expr` over `batch`; `cache` shares sub-expressions between several expressions of one task. */
export function evaluate(batch: RecordBatch, expr: ColExpr, cache: Map<string, Evaluated> = new Map()): Evaluated {
  if (expr.t === 'lit') return { lit: expr.value };
  if (expr.t === 'scalar') return { lit: scalarLiteral(expr.slot, expr.type) };
  if (expr.t === 'col') {
    const i = batch.schema.fields.findIndex((f) => f.name === expr.name);
    if (i < 0) throw unknownColumn(expr.name, batch.schema);
    return { data: batch.data.children[i]! };
  }
  const key = stableStringify(expr);
  const hit = cache.get(key);
  if (hit) return hit;
  let out: Evaluated;
  if (expr.t === 'un') {
    out = unary(expr.op, evaluate(batch, expr.x, cache), batch.numRows, describeExpr(expr));
  } else if (expr.t === 'call') {
    const args = expr.args.map((a) => evaluate(batch, a, cache));
    out = exprFunction(expr.fn).evaluate(args, batch.numRows, expr.opts, exprType(expr, batch.schema), describeExpr(expr));
  } else {
    const l = evaluate(batch, expr.l, cache);
    const r = evaluate(batch, expr.r, cache);
    if ((ARITHMETIC as readonly string[]).includes(expr.op)) {
      out = arithmetic(expr.op as ArithmeticOp, l, r, batch.numRows, exprType(expr, batch.schema), describeExpr(expr));
    } else if (expr.op === 'and' || expr.op === 'or') {
      out = logical(expr.op, l, r, batch.numRows);
    } else {
      out = compare(expr.op as ComparisonOp, l, r, batch.numRows);
    }
  }
  cache.set(key, out);
  return out;
}

/** Evaluate and materialise as a column of `length` rows (literals are broadcast). */
export function evaluateColumn(batch: RecordBatch, expr: ColExpr, cache?: Map<string, Evaluated>): Data {
  const e = evaluate(batch, expr, cache);
  return 'data' in e ? e.data : broadcast(e.lit, batch.numRows);
}

export function broadcast(v: Literal, n: number): Data {
  if (v === null) return makeData({ type: new Null(), length: n, nullCount: n } as any);
  switch (typeof v) {
    case 'number': {
      const a = sharedArray(Float64Array, n);
      a.fill(v);
      return primitiveData(new Float64(), n, a, null);
    }
    case 'bigint': {
      const a = sharedArray(BigInt64Array, n);
      a.fill(v);
      return primitiveData(new Int64(), n, a, null);
    }
    case 'boolean': {
      const bits = sharedArray(Uint8Array, (n + 7) >> 3);
      if (v) bits.fill(0xff);
      return primitiveData(new Bool(), n, bits, null);
    }
    default: {
      const b = encoder.encode(v);
      const offs = sharedArray(Int32Array, n + 1);
      const bytes = sharedArray(Uint8Array, b.length * n);
      for (let i = 0; i < n; i++) {
        bytes.set(b, i * b.length);
        offs[i + 1] = (i + 1) * b.length;
      }
      return utf8Data(n, offs, bytes, null);
    }
  }
}

function validityOfEval(e: Evaluated, n: number): Uint8Array | null {
  if ('lit' in e) return e.lit === null ? sharedArray(Uint8Array, (n + 7) >> 3) : null;
  return validityOf(e.data);
}

function arithmetic(op: ArithmeticOp, l: Evaluated, r: Evaluated, n: number, type: DataType, what: string): Evaluated {
  if ('lit' in l && 'lit' in r) return { lit: foldArithmetic(op, l.lit, r.lit) };
  return { data: arithmeticColumn(op, l, r, n, type, what) };
}

function foldArithmetic(op: ArithmeticOp, a: Literal, b: Literal): Literal {
  if (a === null || b === null) return null;
  if (typeof a === 'bigint' && typeof b === 'bigint' && op !== 'div') {
    const col = arithmeticColumn(op, { lit: a }, { lit: b }, 1, new Int64(), `${op}(${a}, ${b})`);
    return col.nullCount > 0 ? null : (col.values as BigInt64Array)[0]!;
  }
  return floatOp(op)(Number(a), Number(b));
}

function boolResult(bytes: Uint8Array, valid: Uint8Array | null): Evaluated {
  return { data: primitiveData(new Bool(), bytes.length, packBits(bytes), valid) };
}

function unary(op: string, x: Evaluated, n: number, what: string): Evaluated {
  if ('lit' in x) {
    const v = x.lit;
    if (op === 'isNull') return { lit: v === null };
    if (op === 'notNull') return { lit: v !== null };
    if (v === null) return { lit: null };
    if (op === 'not') return { lit: !v };
    if (typeof v === 'bigint') return { lit: op === 'neg' ? -v : v < 0n ? -v : v };
    return { lit: op === 'neg' ? -Number(v) : Math.abs(Number(v)) };
  }
  const d = x.data;
  const valid = validityOf(d);
  if (op === 'isNull' || op === 'notNull') {
    const bytes = new Uint8Array(n);
    const want = op === 'isNull' ? 0 : 1;
    for (let i = 0; i < n; i++) bytes[i] = (valid === null ? 1 : (valid[i >> 3]! >> (i & 7)) & 1) === want ? 1 : 0;
    return boolResult(bytes, null);
  }
  if (op === 'not') {
    const b = boolBytes(d);
    for (let i = 0; i < n; i++) b[i] = b[i] ? 0 : 1;
    return boolResult(b, valid);
  }
  if (intInfo(d.type)) {
    // Integers keep an integer type (signed: the same; unsigned: int64); -(-2^31) in int32 is an overflow.
    const info = intInfo(d.type)!;
    const zero: Evaluated = info.bits === 64 || !info.signed ? { lit: 0n } : { lit: 0 };
    const type = info.bits === 64 || !info.signed ? new Int64() : d.type;
    if (op === 'neg') return { data: arithmeticColumn('sub', zero, x, n, type, what) };
    const negated = arithmeticColumn('sub', zero, x, n, type, what);
    return { data: pickNonNegative(d, negated, type) };
  }
  const v = asFloat64(d);
  const out = sharedArray(Float64Array, n);
  if (op === 'neg') for (let i = 0; i < n; i++) out[i] = -v[i]!;
  else for (let i = 0; i < n; i++) out[i] = Math.abs(v[i]!);
  return { data: primitiveData(new Float64(), n, out, valid) };
}

/** abs(): each row from the column itself when it is >= 0, else from its negation (already range-checked). */
function pickNonNegative(d: Data, negated: Data, type: DataType): Data {
  const n = d.length;
  const v = d.values as ArrayLike<number | bigint>;
  const neg = negated.values as ArrayLike<number | bigint>;
  const wide = type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth === 64;
  const out = wide ? sharedArray(BigInt64Array, n) : sharedArray((type as unknown as { ArrayType: any }).ArrayType, n);
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    (out as any)[i] = x >= 0 ? (wide ? BigInt(x) : x) : neg[i]!;
  }
  return primitiveData(type, n, out as ArrayBufferView, validityOf(d));
}

function logical(op: 'and' | 'or', l: Evaluated, r: Evaluated, n: number): Evaluated {
  const lv = 'lit' in l ? null : boolBytes(l.data);
  const rv = 'lit' in r ? null : boolBytes(r.data);
  const lvalid = validityOfEval(l, n);
  const rvalid = validityOfEval(r, n);
  const bytes = new Uint8Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const la = lvalid === null || (lvalid[i >> 3]! >> (i & 7)) & 1;
    const ra = rvalid === null || (rvalid[i >> 3]! >> (i & 7)) & 1;
    const a = lv ? lv[i]! : (l as { lit: Literal }).lit ? 1 : 0;
    const b = rv ? rv[i]! : (r as { lit: Literal }).lit ? 1 : 0;
    // Kleene logic: false AND null = false, true OR null = true; otherwise null wins.
    if (op === 'and') {
      if ((la && !a) || (ra && !b)) valid[i] = 1;
      else if (la && ra) {
        valid[i] = 1;
        bytes[i] = 1;
      }
    } else if ((la && a) || (ra && b)) {
      valid[i] = 1;
      bytes[i] = 1;
    } else if (la && ra) valid[i] = 1;
  }
  let allValid = true;
  for (let i = 0; i < n; i++) if (!valid[i]) allValid = false;
  return boolResult(bytes, allValid ? null : packBits(valid));
}

/** Row i of a string column as a UTF-8 byte range, for Utf8 and dictionary-of-Utf8 alike. */
function stringRows(d: Data): (i: number) => [Uint8Array, number, number] {
  if (d.typeId === Type.Dictionary) {
    const dict = d.dictionary!.data[0]!;
    const offs = dict.valueOffsets as Int32Array;
    const bytes = dict.values as Uint8Array;
    const codes = d.values as Int32Array;
    return (i) => [bytes, offs[codes[i]!]!, offs[codes[i]! + 1]!];
  }
  const offs = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  return (i) => [bytes, offs[i]!, offs[i + 1]!];
}

export function cmpResult(op: ComparisonOp, c: number): number {
  switch (op) {
    case 'gt':
      return c > 0 ? 1 : 0;
    case 'ge':
      return c >= 0 ? 1 : 0;
    case 'lt':
      return c < 0 ? 1 : 0;
    case 'le':
      return c <= 0 ? 1 : 0;
    case 'eq':
      return c === 0 ? 1 : 0;
    case 'ne':
      return c !== 0 ? 1 : 0;
  }
}

function compare(op: ComparisonOp, l: Evaluated, r: Evaluated, n: number): Evaluated {
  if ('lit' in l && 'lit' in r) {
    if (l.lit === null || r.lit === null) return { lit: null };
    const a = l.lit as number | string;
    const b = r.lit as number | string;
    return { lit: cmpResult(op, a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN) === 1 };
  }
  const valid = andValidity(validityOfEval(l, n), validityOfEval(r, n), n);
  if (('lit' in l && l.lit === null) || ('lit' in r && r.lit === null)) return boolResult(new Uint8Array(n), sharedArray(Uint8Array, (n + 7) >> 3));
  const bytes = new Uint8Array(n);
  const sample = 'data' in l ? l.data : (r as { data: Data }).data;
  if (isTemporalData(l) || isTemporalData(r)) {
    compareTemporal(op, l, r, n, bytes);
    return boolResult(bytes, valid);
  }
  const kind = kindOf(sample.type);
  if (kind === 'string') {
    compareStrings(op, l, r, n, bytes);
    return boolResult(bytes, valid);
  }
  if (bothBigInt(l, r)) {
    const a = 'lit' in l ? null : (l.data.values as BigInt64Array);
    const b = 'lit' in r ? null : (r.data.values as BigInt64Array);
    const ka = 'lit' in l ? (l.lit as bigint) : 0n;
    const kb = 'lit' in r ? (r.lit as bigint) : 0n;
    for (let i = 0; i < n; i++) {
      const x = a ? a[i]! : ka;
      const y = b ? b[i]! : kb;
      bytes[i] = cmpResult(op, x < y ? -1 : x > y ? 1 : 0);
    }
    return boolResult(bytes, valid);
  }
  if ('data' in l && 'lit' in r && typeof r.lit === 'number' && kindOf(l.data.type) === 'bigint') {
    compareBigIntWithNumber(op, l.data.values as BigInt64Array | BigUint64Array, r.lit, n, bytes);
    return boolResult(bytes, valid);
  }
  if ('lit' in l && typeof l.lit === 'number' && 'data' in r && kindOf(r.data.type) === 'bigint') {
    const flipped: Record<ComparisonOp, ComparisonOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', eq: 'eq', ne: 'ne' };
    compareBigIntWithNumber(flipped[op], r.data.values as BigInt64Array | BigUint64Array, l.lit, n, bytes);
    return boolResult(bytes, valid);
  }
  if (anyBigInt(l) || anyBigInt(r)) {
    // An int64 side: compare exactly (a float64 copy would make 2^53 + 1 equal 2^53).
    const a = exactAt(l);
    const b = exactAt(r);
    for (let i = 0; i < n; i++) bytes[i] = cmpResult(op, compareExact(a(i), b(i)));
    return boolResult(bytes, valid);
  }
  const a = 'lit' in l ? null : asFloat64(l.data);
  const b = 'lit' in r ? null : asFloat64(r.data);
  const ka = 'lit' in l ? Number(l.lit) : 0;
  const kb = 'lit' in r ? Number(r.lit) : 0;
  for (let i = 0; i < n; i++) {
    const x = a ? a[i]! : ka;
    const y = b ? b[i]! : kb;
    // NaN compares false to everything except ne (IEEE), as in Arrow and JS.
    switch (op) {
      case 'gt': bytes[i] = x > y ? 1 : 0; break;
      case 'ge': bytes[i] = x >= y ? 1 : 0; break;
      case 'lt': bytes[i] = x < y ? 1 : 0; break;
      case 'le': bytes[i] = x <= y ? 1 : 0; break;
      case 'eq': bytes[i] = x === y ? 1 : 0; break;
      case 'ne': bytes[i] = x !== y ? 1 : 0; break;
    }
  }
  return boolResult(bytes, valid);
}

/** int64 column vs a JS number literal, exactly: the literal becomes floor + "has a fraction" once, then bigint compares. */
function compareBigIntWithNumber(op: ComparisonOp, v: BigInt64Array | BigUint64Array, lit: number, n: number, out: Uint8Array): void {
  if (lit !== lit || lit === Infinity || lit === -Infinity) {
    // NaN: only ne holds; ±Infinity is beyond every integer.
    const c = lit !== lit ? NaN : lit === Infinity ? -1 : 1;
    out.fill(cmpResult(op, c));
    return;
  }
  const fl = Math.floor(lit);
  const floor = BigInt(fl);
  const atFloor = fl === lit ? 0 : -1; // x == floor(lit) < lit when lit has a fraction
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    out[i] = cmpResult(op, x < floor ? -1 : x > floor ? 1 : atFloor);
  }
}

function anyBigInt(e: Evaluated): boolean {
  return 'lit' in e ? typeof e.lit === 'bigint' : kindOf(e.data.type) === 'bigint';
}

/** Row i of a numeric operand as its exact value: bigint for 64-bit integers, number otherwise. */
function exactAt(e: Evaluated): (i: number) => number | bigint {
  if ('lit' in e) {
    const k = typeof e.lit === 'bigint' ? e.lit : Number(e.lit);
    return () => k;
  }
  const v = e.data.values as ArrayLike<number | bigint>;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return (i) => v[i]!;
  const f = asFloat64(e.data);
  return (i) => f[i]!;
}

/**
 * Exact order of two numbers that may be bigints: -1, 0, 1, or NaN when either is NaN (so every comparison
 * but ne is false, as IEEE). A number is compared with a bigint through its floor, which is exact.
 */
export function compareExact(x: number | bigint, y: number | bigint): number {
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  if (typeof x === 'number') return -compareExact(y, x);
  const big = x as bigint;
  const num = y as number;
  if (num !== num) return NaN;
  if (num === Infinity) return -1;
  if (num === -Infinity) return 1;
  const fl = Math.floor(num);
  const bf = BigInt(fl);
  if (big < bf) return -1;
  if (big > bf) return 1;
  return fl === num ? 0 : -1; // big = floor(num) < num
}

function bothBigInt(l: Evaluated, r: Evaluated): boolean {
  const isBig = (e: Evaluated) => ('lit' in e ? typeof e.lit === 'bigint' : kindOf(e.data.type) === 'bigint');
  return isBig(l) && isBig(r);
}

function compareStrings(op: ComparisonOp, l: Evaluated, r: Evaluated, n: number, out: Uint8Array): void {
  // Dictionary column against a literal: compare each dictionary entry once, then map the codes.
  if ('data' in l && 'lit' in r && l.data.typeId === Type.Dictionary) {
    const dict = l.data.dictionary!.data[0]!;
    const lit = encoder.encode(r.lit as string);
    const offs = dict.valueOffsets as Int32Array;
    const bytes = dict.values as Uint8Array;
    const perEntry = new Uint8Array(dict.length);
    for (let j = 0; j < dict.length; j++) perEntry[j] = cmpResult(op, compareBytes(bytes, offs[j]!, offs[j + 1]!, lit, 0, lit.length));
    const codes = l.data.values as Int32Array;
    for (let i = 0; i < n; i++) out[i] = perEntry[codes[i]!]!;
    return;
  }
  if ('lit' in l) {
    // Flip to column-vs-literal form: a < col  <=>  col > a.
    const flipped: Record<ComparisonOp, ComparisonOp> = { gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', eq: 'eq', ne: 'ne' };
    compareStrings(flipped[op], r, l, n, out);
    return;
  }
  const left = stringRows(l.data);
  if ('lit' in r) {
    const lit = encoder.encode(r.lit as string);
    for (let i = 0; i < n; i++) {
      const [a, a0, a1] = left(i);
      out[i] = cmpResult(op, compareBytes(a, a0, a1, lit, 0, lit.length));
    }
    return;
  }
  const right = stringRows(r.data);
  for (let i = 0; i < n; i++) {
    const [a, a0, a1] = left(i);
    const [b, b0, b1] = right(i);
    out[i] = cmpResult(op, compareBytes(a, a0, a1, b, b0, b1));
  }
}
