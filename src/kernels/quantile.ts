// Exact quantiles as a mergeable partial: a column's non-null values sorted and run-length encoded
// (distinct value + count), merged like merge sort, read by linear interpolation between ranks (pandas').

import { type Data, Type } from 'apache-arrow';
import { validityOf } from './validity.ts';
import { asFloat64 } from './column-values.ts';

/**
 * Sorted values of some rows: `values` ascending with NaN last, each distinct value once, and `counts`
 * its multiplicity (null when every count is 1: distinct floats cost 8 bytes a value, not 16).
 * Low-cardinality columns (delays in minutes, years, flags) stay small however many rows they have.
 */
export interface ValueRuns {
  values: Float64Array;
  counts: Float64Array | null;
  /** Total values (sum of counts). */
  n: number;
}

export function emptyRuns(): ValueRuns {
  return { values: new Float64Array(0), counts: null, n: 0 };
}

/** The non-null values of a numeric or boolean column as runs. */
export function valueRuns(data: Data): ValueRuns {
  if (data.typeId === Type.Null) return emptyRuns();
  const all = asFloat64(data);
  const valid = validityOf(data);
  let xs: Float64Array;
  if (valid === null) xs = Float64Array.from(all);
  else {
    xs = new Float64Array(data.length);
    let k = 0;
    for (let i = 0; i < data.length; i++) if ((valid[i >> 3]! >> (i & 7)) & 1) xs[k++] = all[i]!;
    xs = xs.slice(0, k);
  }
  xs.sort(); // typed-array sort is numeric and puts NaN last
  return runsOfSorted(xs);
}

function runsOfSorted(xs: Float64Array): ValueRuns {
  const n = xs.length;
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || !same(xs[i]!, xs[i - 1]!)) distinct++;
  if (distinct === n) return { values: xs, counts: null, n };
  const values = new Float64Array(distinct);
  const counts = new Float64Array(distinct);
  let j = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || !same(xs[i]!, xs[i - 1]!)) values[++j] = xs[i]!;
    counts[j]! += 1;
  }
  return { values, counts, n };
}

/** Equal values, NaN equal to NaN (all NaNs form one run at the end). */
function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** a < b with NaN greater than every number. */
function less(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

/** Merge two partials (any order of partitions gives the same result). */
export function mergeRuns(a: ValueRuns, b: ValueRuns): ValueRuns {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const la = a.values.length;
  const lb = b.values.length;
  const values = new Float64Array(la + lb);
  const counts = new Float64Array(la + lb);
  const ca = (i: number) => (a.counts ? a.counts[i]! : 1);
  const cb = (i: number) => (b.counts ? b.counts[i]! : 1);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < la || j < lb) {
    let v: number;
    let c: number;
    if (j >= lb || (i < la && less(a.values[i]!, b.values[j]!))) {
      v = a.values[i]!;
      c = ca(i++);
    } else if (i >= la || less(b.values[j]!, a.values[i]!)) {
      v = b.values[j]!;
      c = cb(j++);
    } else {
      v = a.values[i]!;
      c = ca(i++) + cb(j++);
    }
    values[k] = v;
    counts[k++] = c;
  }
  const n = a.n + b.n;
  if (k === n) return { values: values.slice(0, k), counts: null, n };
  return { values: values.slice(0, k), counts: counts.slice(0, k), n };
}

/** The value at 0-based rank r (0 <= r < n). */
function atRank(runs: ValueRuns, r: number): number {
  if (runs.counts === null) return runs.values[r]!;
  let seen = 0;
  for (let i = 0; i < runs.values.length; i++) {
    seen += runs.counts[i]!;
    if (r < seen) return runs.values[i]!;
  }
  return runs.values[runs.values.length - 1]!;
}

/**
 * Quantile q in [0, 1] by linear interpolation between the two nearest ranks (pandas' and numpy's
 * default 'linear': position q * (n - 1)). Null when there are no values; NaN when a value is NaN
 * (NaN is a value and propagates, as median does everywhere in tessera).
 */
export function quantileOfRuns(runs: ValueRuns, q: number): number | null {
  if (runs.n === 0) return null;
  const last = runs.values[runs.values.length - 1]!;
  if (last !== last) return NaN;
  return interpolate(q * (runs.n - 1), (r) => atRank(runs, r));
}

/** Linear interpolation at fractional position `pos` of a sorted sequence read by `at`. */
export function interpolate(pos: number, at: (rank: number) => number): number {
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = at(lo);
  if (frac === 0) return a;
  const b = at(lo + 1);
  // a == b (equal infinities too) needs no arithmetic; otherwise numpy's lerp form.
  return a === b ? a : a + (b - a) * frac;
}
