// cumsum / cumprod / cummin / cummax of one column of one partition, started from a carry (the running
// value of all earlier partitions). Nulls are skipped (null out, the running value goes on), NaN is a
// value and propagates (as in sum and min). Integer sums and products are exact int64 (RangeError beyond).

import { type Data, type DataType, Float64, Int64, Type } from 'apache-arrow';
import { primitiveData, sharedArray } from './arrow-build.ts';
import { validityOf } from './validity.ts';
import { asFloat64 } from './column-values.ts';

export type CumOp = 'cumsum' | 'cumprod' | 'cummin' | 'cummax';

/** The running value: a number, a bigint (exact integers beyond 2^53 or int64 columns), or null (nothing yet). */
export type CumValue = number | bigint | null;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Integer-like inputs: integers of any width and booleans. */
function integral(type: DataType): boolean {
  return type.typeId === Type.Int || type.typeId === Type.Bool;
}

/** Output type (docs/TYPES.md): sums and products of integers or booleans are int64; min/max keep integer types; floats are float64. */
export function cumulativeType(op: CumOp, input: DataType): DataType {
  if (op === 'cumsum' || op === 'cumprod') return integral(input) ? new Int64() : new Float64();
  return input.typeId === Type.Int ? input : new Float64();
}

function combineNumbers(op: CumOp, a: number, b: number): number {
  switch (op) {
    case 'cumsum':
      return a + b;
    case 'cumprod':
      return a * b;
    case 'cummin':
      return a !== a || b !== b ? NaN : b < a ? b : a;
    case 'cummax':
      return a !== a || b !== b ? NaN : b > a ? b : a;
  }
}

/** One step of the running value; integers stay exact (switching to bigint beyond 2^53). */
export function combine(op: CumOp, acc: CumValue, x: number | bigint, exact: boolean): CumValue {
  if (acc === null) return x;
  if (typeof acc === 'number' && typeof x === 'number') {
    const r = combineNumbers(op, acc, x);
    if (!exact || Number.isSafeInteger(r) || op === 'cummin' || op === 'cummax') return r;
  }
  if (op === 'cummin') return x < acc ? x : acc;
  if (op === 'cummax') return x > acc ? x : acc;
  const a = BigInt(acc);
  const b = BigInt(x);
  return op === 'cumsum' ? a + b : a * b;
}

/** Values of row i as the accumulator wants them. */
function reader(data: Data): (i: number) => number | bigint {
  const v = data.values as unknown;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return (i) => v[i]!;
  const f = asFloat64(data);
  return (i) => f[i]!;
}

/** The running value over a whole partition (what it contributes to later partitions' carries). */
export function cumulativeTotal(op: CumOp, data: Data): CumValue {
  const valid = validityOf(data);
  const at = reader(data);
  const exact = integral(data.type);
  let acc: CumValue = null;
  for (let i = 0; i < data.length; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    acc = combine(op, acc, at(i), exact);
  }
  return acc;
}

/** The partition's cumulative column, starting from `carry`; `column` names it in overflow errors. */
export function cumulativeColumn(op: CumOp, data: Data, carry: CumValue, column: string): Data {
  const n = data.length;
  const valid = validityOf(data);
  const outType = cumulativeType(op, data.type);
  const exact = integral(data.type);
  const at = reader(data);
  const validity = valid === null ? null : sharedArray(Uint8Array, (n + 7) >> 3);
  const bigOut = outType.typeId === Type.Int && (outType as unknown as { bitWidth: number }).bitWidth === 64;
  const out: Float64Array | BigInt64Array | BigUint64Array | Int32Array =
    outType.typeId === Type.Float ? sharedArray(Float64Array, n) : bigOut ? (data.values instanceof BigUint64Array && op !== 'cumsum' && op !== 'cumprod' ? sharedArray(BigUint64Array, n) : sharedArray(BigInt64Array, n)) : new (outType as unknown as { ArrayType: Int32ArrayConstructor }).ArrayType(new SharedArrayBuffer(Math.max(8, n * 4)), 0, n);
  let acc = carry;
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    if (validity) validity[i >> 3]! |= 1 << (i & 7);
    acc = combine(op, acc, at(i), exact);
    if (bigOut) {
      const b = BigInt(acc as number | bigint);
      if ((op === 'cumsum' || op === 'cumprod') && (b < I64_MIN || b > I64_MAX)) {
        const what = column.startsWith(`${op}(`) ? column : `${op} of '${column}'`;
        throw new RangeError(`${what} reaches ${b}, beyond int64; take it of a float64 copy instead (col.div(1))`);
      }
      (out as BigInt64Array)[i] = b;
    } else (out as Float64Array)[i] = Number(acc);
  }
  return primitiveData(outType, n, out, validity);
}
