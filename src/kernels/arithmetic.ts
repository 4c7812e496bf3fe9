// Element-wise arithmetic of one partition, in the result type the expression's type rule chose
// (collections/expr.ts, docs/TYPES.md): float64 by IEEE rules, integers exactly with overflow as an error.

import { type Data, type DataType, Type } from 'apache-arrow';
import type { ArithmeticOp, Literal } from '../expr.ts';
import { primitiveData, sharedArray } from './arrow-build.ts';
import { asFloat64 } from './column-values.ts';
import { andValidity, validityOf } from './validity.ts';
import { floatMod, floatPow } from './float-semantics.ts';

/** An operand: a column of the partition or a literal (broadcast). */
export type Operand = { readonly data: Data } | { readonly lit: Literal };

function validityOfOperand(e: Operand, n: number): Uint8Array | null {
  if ('lit' in e) return e.lit === null ? sharedArray(Uint8Array, (n + 7) >> 3) : null;
  return validityOf(e.data);
}

function isValidRow(valid: Uint8Array | null, i: number): boolean {
  return valid === null || ((valid[i >> 3]! >> (i & 7)) & 1) === 1;
}

/** The result's validity: the inputs' one, copied on the first row a kernel turns null. */
class NullMaker {
  private owned = false;
  constructor(
    public validity: Uint8Array | null,
    private readonly n: number,
  ) {}
  clear(i: number): void {
    if (!this.owned) {
      const out = sharedArray(Uint8Array, (this.n + 7) >> 3);
      if (this.validity) out.set(this.validity.subarray(0, out.length));
      else out.fill(0xff);
      this.validity = out;
      this.owned = true;
    }
    this.validity![i >> 3]! &= ~(1 << (i & 7));
  }
}

/** `l op r` over n rows in `type`; `what` names the expression for error messages. */
export function arithmeticColumn(op: ArithmeticOp, l: Operand, r: Operand, n: number, type: DataType, what: string): Data {
  const valid = andValidity(validityOfOperand(l, n), validityOfOperand(r, n), n);
  if (type.typeId === Type.Int) {
    const t = type as unknown as { bitWidth: number; isSigned: boolean };
    if (t.bitWidth === 64) return int64Column(op, l, r, n, valid, type, what);
    return narrowIntColumn(op, l, r, n, valid, type, t.bitWidth, t.isSigned, what);
  }
  return floatColumn(op, l, r, n, valid, type);
}

// ---------------------------------------------------------------------------------------------------
// float64

function floatColumn(op: ArithmeticOp, l: Operand, r: Operand, n: number, valid: Uint8Array | null, type: DataType): Data {
  const out = sharedArray(Float64Array, n);
  const a = 'lit' in l ? null : asFloat64(l.data);
  const b = 'lit' in r ? null : asFloat64(r.data);
  const ka = 'lit' in l ? Number(l.lit) : 0;
  const kb = 'lit' in r ? Number(r.lit) : 0;
  // One loop per common case keeps each loop monomorphic and branch-free.
  if (a && b && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    else for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
  } else if (a && !b && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + kb;
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i]! - kb;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * kb;
    else for (let i = 0; i < n; i++) out[i] = a[i]! / kb;
  } else {
    const f = floatOp(op);
    for (let i = 0; i < n; i++) out[i] = f(a ? a[i]! : ka, b ? b[i]! : kb);
  }
  return primitiveData(type, n, out, valid);
}

/** float64 semantics of each operator; floordiv and mod follow Python/numpy (floor, remainder takes the divisor's sign). */
export function floatOp(op: ArithmeticOp): (x: number, y: number) => number {
  switch (op) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      return (x, y) => x * y;
    case 'div':
      return (x, y) => x / y;
    case 'floordiv':
      return floatFloorDiv;
    case 'mod':
      return floatMod;
    case 'pow':
      return floatPow;
  }
}

function floatFloorDiv(x: number, y: number): number {
  if (y === 0) return x / y; // ±Infinity, or NaN for 0/0 (numpy)
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) div -= 1;
  if (div === 0) return Object.is(x / y, -0) || x / y < 0 ? -0 : 0;
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

// ---------------------------------------------------------------------------------------------------
// integers of 8-32 bits: computed in float64, exact for these widths, then range-checked

function narrowIntColumn(
  op: ArithmeticOp,
  l: Operand,
  r: Operand,
  n: number,
  valid: Uint8Array | null,
  type: DataType,
  bits: number,
  signed: boolean,
  what: string,
): Data {
  const Ctor = (type as unknown as { ArrayType: { new (b: ArrayBufferLike, o: number, l: number): Int32Array; BYTES_PER_ELEMENT: number } }).ArrayType;
  const out = sharedArray(Ctor, n);
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if ((op === 'add' || op === 'sub' || op === 'mul') && fastIntLoop(op, l, r, n, out, lo, hi)) return primitiveData(type, n, out, valid);
  const a = 'lit' in l ? null : asFloat64(l.data);
  const b = 'lit' in r ? null : asFloat64(r.data);
  const ka = 'lit' in l ? Number(l.lit) : 0;
  const kb = 'lit' in r ? Number(r.lit) : 0;
  const nulls = new NullMaker(valid, n);
  if (op === 'floordiv' || op === 'mod') {
    // Division by zero gives null (as polars and DuckDB); pandas would switch the whole column to float.
    for (let i = 0; i < n; i++) if ((b ? b[i]! : kb) === 0) nulls.clear(i);
  }
  const outValid = nulls.validity;
  const f = intOp(op);
  for (let i = 0; i < n; i++) {
    const x = a ? a[i]! : ka;
    const y = b ? b[i]! : kb;
    let v = f(x, y);
    if (!(v >= lo && v <= hi)) {
      if (isValidRow(outValid, i)) {
        if (op === 'pow' && y < 0) throw negativePower(what, x, y);
        throw overflow(what, v, typeLabel(bits, signed));
      }
      v = 0; // a null slot: its value does not matter
    }
    out[i] = v;
  }
  return primitiveData(type, n, out, outValid);
}

/** The integer values of a narrow integer column without a copy, or null (booleans, other types). */
function intValues(e: Operand): ArrayLike<number> | null {
  if ('lit' in e) return null;
  const v = e.data.values as unknown;
  if (e.data.typeId !== Type.Int || v instanceof BigInt64Array || v instanceof BigUint64Array) return null;
  return v as ArrayLike<number>;
}

/**
 * add/sub/mul in monomorphic loops straight over the input arrays (the common case). Returns false when
 * some row left the type's range (maybe only a null slot): the caller then redoes it row by row, checked.
 */
function fastIntLoop(op: 'add' | 'sub' | 'mul', l: Operand, r: Operand, n: number, out: Int32Array, lo: number, hi: number): boolean {
  const a = intValues(l);
  const b = intValues(r);
  let ok = true;
  if (a && b) {
    if (op === 'add') for (let i = 0; i < n; i++) { const v = a[i]! + b[i]!; out[i] = v; if (v < lo || v > hi) ok = false; }
    else if (op === 'sub') for (let i = 0; i < n; i++) { const v = a[i]! - b[i]!; out[i] = v; if (v < lo || v > hi) ok = false; }
    else for (let i = 0; i < n; i++) { const v = a[i]! * b[i]!; out[i] = v; if (v < lo || v > hi) ok = false; }
    return ok;
  }
  if (a && 'lit' in r && typeof r.lit === 'number') {
    const k = r.lit;
    if (op === 'add') for (let i = 0; i < n; i++) { const v = a[i]! + k; out[i] = v; if (v < lo || v > hi) ok = false; }
    else if (op === 'sub') for (let i = 0; i < n; i++) { const v = a[i]! - k; out[i] = v; if (v < lo || v > hi) ok = false; }
    else for (let i = 0; i < n; i++) { const v = a[i]! * k; out[i] = v; if (v < lo || v > hi) ok = false; }
    return ok;
  }
  return false;
}

/** Integer semantics on exact small integers held as numbers. */
function intOp(op: ArithmeticOp): (x: number, y: number) => number {
  switch (op) {
    case 'add':
      return (x, y) => x + y;
    case 'sub':
      return (x, y) => x - y;
    case 'mul':
      return (x, y) => x * y;
    case 'div':
      return (x, y) => x / y;
    case 'floordiv':
      // |x|, |y| < 2^32: the rounded quotient cannot cross an integer, so floor of it is exact.
      return (x, y) => (y === 0 ? 0 : Math.floor(x / y));
    case 'mod':
      return (x, y) => {
        if (y === 0) return 0;
        const m = x % y;
        return m !== 0 && m < 0 !== y < 0 ? m + y : m + 0;
      };
    case 'pow':
      return (x, y) => {
        if (y < 0) return NaN; // reported as a negative power
        const p = Number(bigPow(BigInt(x), BigInt(y)) ?? 2n ** 64n);
        return p;
      };
  }
}

// ---------------------------------------------------------------------------------------------------
// int64: exact in BigInt, range-checked

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function bigintAt(e: Operand): (i: number) => bigint {
  if ('lit' in e) {
    const k = e.lit === null ? 0n : BigInt(e.lit as number | bigint);
    return () => k;
  }
  const d = e.data;
  const v = d.values as ArrayLike<number | bigint>;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return (i) => v[i]!;
  if (d.typeId === Type.Int) return (i) => BigInt(v[i] as number);
  const f = asFloat64(d); // booleans
  return (i) => BigInt(f[i]!);
}

/** x ** y for y >= 0, or null when it certainly leaves int64 (so 2n ** 10n ** 9n is never built). */
function bigPow(x: bigint, y: bigint): bigint | null {
  if (x === 0n) return y === 0n ? 1n : 0n;
  if (x === 1n) return 1n;
  if (x === -1n) return y % 2n === 0n ? 1n : -1n;
  if (y > 64n) return null;
  return x ** y;
}

function int64Column(op: ArithmeticOp, l: Operand, r: Operand, n: number, valid: Uint8Array | null, type: DataType, what: string): Data {
  const out = sharedArray(BigInt64Array, n);
  const a = bigintAt(l);
  const b = bigintAt(r);
  const nulls = new NullMaker(valid, n);
  for (let i = 0; i < n; i++) {
    const x = a(i);
    const y = b(i);
    let v: bigint | null;
    switch (op) {
      case 'add':
        v = x + y;
        break;
      case 'sub':
        v = x - y;
        break;
      case 'mul':
        v = x * y;
        break;
      case 'floordiv':
      case 'mod': {
        if (y === 0n) {
          nulls.clear(i); // division by zero gives null, as for the narrower integers
          v = 0n;
          break;
        }
        const q = x / y;
        const m = x % y;
        const adjust = m !== 0n && m < 0n !== y < 0n;
        v = op === 'floordiv' ? (adjust ? q - 1n : q) : adjust ? m + y : m;
        break;
      }
      case 'pow':
        if (y < 0n) {
          if (isValidRow(nulls.validity, i)) throw negativePower(what, x, y);
          v = 0n;
        } else v = bigPow(x, y);
        break;
      default:
        throw new Error(`internal: ${op} has no int64 kernel`);
    }
    if (v === null || v < I64_MIN || v > I64_MAX) {
      if (isValidRow(nulls.validity, i)) throw overflow(what, v ?? `${x} ** ${y}`, 'Int64');
      v = 0n;
    }
    out[i] = v;
  }
  return primitiveData(type, n, out, nulls.validity);
}

function typeLabel(bits: number, signed: boolean): string {
  return `${signed ? 'Int' : 'Uint'}${bits}`;
}

function overflow(what: string, value: number | bigint | string, type: string): RangeError {
  const widen = type === 'Int64' ? 'compute in float64 instead (divide first, e.g. a.div(1).mul(b))' : 'widen one side to int64 first (e.g. col.mul(1n))';
  return new RangeError(`in ${what}: a result (${String(value)}) overflows ${type}; ${widen}`);
}

function negativePower(what: string, x: number | bigint, y: number | bigint): RangeError {
  return new RangeError(`in ${what}: an integer to a negative integer power (${String(x)} ** ${String(y)}) is not an integer; divide first (e.g. .div(1).pow(...)) to compute in float64`);
}
