// One-pass column summaries: the chunk / combine / finalize kernels behind every reduction.
// A chunk scans a column once and fills only the statistics that were asked for (several reductions
// of one column share the pass); partials merge exactly (integer sums in BigInt) or stably (variance
// by Chan's pairwise update, so data offset by 1e8 keeps its variance).

import { type Data, Type } from 'apache-arrow';
import { kernelStats } from './stats.ts';
import { validityOf } from './validity.ts';
import { type ExtraNeeds, type ExtraOutput, type ExtraStats, finalizeCo, finalizeQuantile, mergeExtras } from './summary-extras.ts';
import { temporalSummary } from './temporal-summary.ts';

export type ReductionName = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'var' | 'std' | 'prod' | 'any' | 'all' | 'quantile' | 'cov' | 'corr';
/** The reductions a summary alone answers (Series methods of the same names). */
export const REDUCTIONS: readonly ReductionName[] = ['sum', 'mean', 'min', 'max', 'count', 'var', 'std', 'prod', 'any', 'all'];
/** Reductions that need extras gathered by lowering (summary-extras.ts); built by their verbs with parameters. */
export const EXTRA_REDUCTIONS: readonly ReductionName[] = ['quantile', 'cov', 'corr'];

/** Which statistics a scan must gather (quantile/cov/corr: the extras, set by lowering). */
export interface Needs extends ExtraNeeds {
  sum?: boolean;
  minmax?: boolean;
  moments?: boolean;
  prod?: boolean;
  anyAll?: boolean;
}

export function needsOf(names: readonly ReductionName[]): Needs {
  const n: Needs = {};
  for (const r of names) {
    if (r === 'sum' || r === 'mean') n.sum = true;
    else if (r === 'min' || r === 'max') n.minmax = true;
    else if (r === 'var' || r === 'std') n.moments = true;
    else if (r === 'prod') n.prod = true;
    else if (r === 'any' || r === 'all') n.anyAll = true;
  }
  return n;
}

/** Partial statistics of some rows of one column. Plain data: crosses threads and processes. */
export interface Summary {
  /** Non-null values seen. */
  n: number;
  /** Float sum, or null when the column is integral (then `isum` is exact). */
  sum: number;
  isum: bigint | null;
  min: number | bigint | boolean | null;
  max: number | bigint | boolean | null;
  /** A NaN was seen: min/max become NaN (NaN is a value, not a missing value, as in Arrow and IEEE). */
  nan: boolean;
  mean: number;
  m2: number;
  prod: number;
  any: boolean;
  all: boolean;
  /** Sorted values, a sketch, co-moments (summary-extras.ts), when asked for. */
  extra?: ExtraStats;
}

export function emptySummary(integral: boolean): Summary {
  return { n: 0, sum: 0, isum: integral ? 0n : null, min: null, max: null, nan: false, mean: 0, m2: 0, prod: 1, any: false, all: true };
}

const BLOCK = 1 << 20; // 2^20 values of at most 2^32 sum exactly in a double before flushing to BigInt

/** Scan `data` once, gathering `needs`. */
export function summarize(data: Data, needs: Needs): Summary {
  kernelStats.reductionPasses += 1;
  const type = data.typeId;
  const n = data.length;
  const valid = validityOf(data);
  if (type === Type.Null) return emptySummary(false);
  if (type === Type.Bool) return summarizeBool(data, valid, needs);
  if (type === Type.Date || type === Type.Timestamp) return { ...emptySummary(false), ...temporalSummary(data, valid) };
  const values = data.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  // No Float16 here: half floats (stored as 16-bit patterns) are widened to Float32 on the way in (ingest-types.ts).
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return summarizeBigInt(values, n, valid, needs);
  if (type !== Type.Int && type !== Type.Float) {
    // Strings, dates and others: only counting applies (the plan rejects other reductions up front).
    let count = n;
    if (valid) for (let i = 0; i < n; i++) count -= 1 - ((valid[i >> 3]! >> (i & 7)) & 1);
    return { ...emptySummary(false), n: count };
  }
  const integral = type === Type.Int;
  if (!needs.moments && !needs.prod && !needs.anyAll) {
    // sum / mean / min / max / count, the common reductions: a tight loop without per-value flag checks.
    return integral ? summarizeIntSumMinMax(values as IntArray, n, valid, needs) : summarizeFloatSumMinMax(values as FloatArray, n, valid, needs);
  }
  const s = emptySummary(integral);
  const v = values as ArrayLike<number>;
  let count = 0;
  let sum = 0;
  let block = 0;
  let isum = 0n;
  let min = Infinity;
  let max = -Infinity;
  let nan = false;
  let mean = 0;
  let m2 = 0;
  let prod = 1;
  let any = false;
  let all = true;
  const { sum: wantSum, minmax, moments, prod: wantProd, anyAll } = needs;
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const x = v[i]!;
    count++;
    if (wantSum) {
      if (integral) {
        sum += x;
        if (++block === BLOCK) {
          isum += BigInt(sum);
          sum = 0;
          block = 0;
        }
      } else sum += x;
    }
    if (minmax) {
      if (x < min) min = x;
      if (x > max) max = x;
      if (x !== x) nan = true;
    }
    if (moments) {
      const d = x - mean;
      mean += d / count;
      m2 += d * (x - mean);
    }
    if (wantProd) prod *= x;
    if (anyAll) {
      if (x !== 0) any = true;
      else all = false;
    }
  }
  s.n = count;
  if (integral) s.isum = isum + BigInt(sum);
  else s.sum = sum;
  if (count > 0 && minmax) {
    s.min = nan ? NaN : min;
    s.max = nan ? NaN : max;
    s.nan = nan;
  }
  s.mean = mean;
  s.m2 = m2;
  s.prod = prod;
  s.any = any;
  s.all = all;
  return s;
}

type IntArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
type FloatArray = Float32Array | Float64Array;

/**
 * Count, exact sum and min/max of an integer column of at most 32 bits. The same values as the general
 * loop: the double sum of at most BLOCK values of at most 2^32 is exact, so flushing it to BigInt at
 * fixed positions rather than after every BLOCK valid values changes nothing; ties keep the first value.
 */
function summarizeIntSumMinMax(v: IntArray, n: number, valid: Uint8Array | null, needs: Needs): Summary {
  const s = emptySummary(true);
  let count = 0;
  let isum = 0n;
  let min = Infinity;
  let max = -Infinity;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK); // BLOCK is a multiple of 8: blocks start on a validity byte
    let sum = 0;
    if (valid === null) {
      for (let i = start; i < end; i++) {
        const x = v[i]!;
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      count += end - start;
    } else {
      for (let i = start; i < end; i += 8) {
        const m = valid[i >> 3]!;
        if (m === 0) continue;
        const stop = Math.min(end, i + 8);
        if (m === 255 && stop === i + 8) {
          for (let j = i; j < stop; j++) {
            const x = v[j]!;
            sum += x;
            if (x < min) min = x;
            if (x > max) max = x;
          }
          count += 8;
        } else {
          for (let j = i; j < stop; j++) {
            if (((m >> (j - i)) & 1) === 0) continue;
            const x = v[j]!;
            sum += x;
            count++;
            if (x < min) min = x;
            if (x > max) max = x;
          }
        }
      }
    }
    isum += BigInt(sum);
  }
  s.n = count;
  if (needs.sum) s.isum = isum;
  if (count > 0 && needs.minmax) {
    s.min = min;
    s.max = max;
  }
  return s;
}

/** Count, sum (in order, as the general loop adds) and min/max (NaN if any) of a float column. */
function summarizeFloatSumMinMax(v: FloatArray, n: number, valid: Uint8Array | null, needs: Needs): Summary {
  const s = emptySummary(false);
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let nan = false;
  if (valid === null) {
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x !== x) nan = true;
    }
    count = n;
  } else {
    for (let i = 0; i < n; i += 8) {
      const m = valid[i >> 3]!;
      if (m === 0) continue;
      const stop = Math.min(n, i + 8);
      for (let j = i; j < stop; j++) {
        if (((m >> (j - i)) & 1) === 0) continue;
        const x = v[j]!;
        sum += x;
        count++;
        if (x < min) min = x;
        if (x > max) max = x;
        if (x !== x) nan = true;
      }
    }
  }
  s.n = count;
  if (needs.sum) s.sum = sum;
  if (count > 0 && needs.minmax) {
    s.min = nan ? NaN : min;
    s.max = nan ? NaN : max;
    s.nan = nan;
  }
  return s;
}

function summarizeBigInt(v: BigInt64Array | BigUint64Array, n: number, valid: Uint8Array | null, needs: Needs): Summary {
  const s = emptySummary(true);
  let isum = 0n;
  let min: bigint | null = null;
  let max: bigint | null = null;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let prod = 1;
  for (let i = 0; i < n; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const x = v[i]!;
    count++;
    if (needs.sum) isum += x;
    if (needs.minmax) {
      if (min === null || x < min) min = x;
      if (max === null || x > max) max = x;
    }
    if (needs.moments || needs.prod) {
      const f = Number(x);
      const d = f - mean;
      mean += d / count;
      m2 += d * (f - mean);
      prod *= f;
    }
    if (needs.anyAll) {
      if (x !== 0n) s.any = true;
      else s.all = false;
    }
  }
  return { ...s, n: count, isum, min, max, mean, m2, prod };
}

function summarizeBool(data: Data, valid: Uint8Array | null, needs: Needs): Summary {
  const bits = data.values as Uint8Array;
  const s = emptySummary(true);
  let trues = 0;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < data.length; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const j = data.offset + i;
    const x = (bits[j >> 3]! >> (j & 7)) & 1;
    count++;
    trues += x;
    if (needs.moments) {
      const d = x - mean;
      mean += d / count;
      m2 += d * (x - mean);
    }
  }
  s.n = count;
  s.isum = BigInt(trues);
  if (count > 0) {
    s.min = trues === count;
    s.max = trues > 0;
  }
  s.any = trues > 0;
  s.all = trues === count;
  s.prod = trues === count ? 1 : 0;
  s.mean = mean;
  s.m2 = m2;
  return s;
}

function pickMin(a: Summary['min'], b: Summary['min']): Summary['min'] {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'boolean') return a && (b as boolean);
  return (b as number) < (a as number) ? b : a;
}

function pickMax(a: Summary['max'], b: Summary['max']): Summary['max'] {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'boolean') return a || (b as boolean);
  return (b as number) > (a as number) ? b : a;
}

/** Merge two partials of the same column. */
export function mergeSummaries(a: Summary, b: Summary): Summary {
  const n = a.n + b.n;
  let mean = 0;
  let m2 = 0;
  if (n > 0) {
    const delta = b.mean - a.mean;
    mean = a.mean + (delta * b.n) / n;
    m2 = a.m2 + b.m2 + (delta * delta * a.n * b.n) / n;
  }
  const nan = a.nan || b.nan;
  const merged: Summary = {
    n,
    sum: a.sum + b.sum,
    isum: a.isum === null || b.isum === null ? null : a.isum + b.isum,
    min: nan ? NaN : pickMin(a.min, b.min),
    max: nan ? NaN : pickMax(a.max, b.max),
    nan,
    mean,
    m2,
    prod: a.prod * b.prod,
    any: a.any || b.any,
    all: a.all && b.all,
  };
  if (a.extra || b.extra) {
    // A partial with values but without the extras its sibling has would silently drop its rows from a
    // quantile or correlation (a kernel backend whose chunk does not gather them): refuse instead.
    const lacking = a.extra ? b : a;
    if (!lacking.extra && lacking.n > 0) throw new Error('internal: a reduce.chunk partial lacks the sorted values, sketch or co-moments that quantile/corr need (a kernel backend that does not gather them?); run with {backend: \'cpu\'}');
    merged.extra = mergeExtras(a.extra ?? {}, b.extra ?? {});
  }
  return merged;
}

export type ScalarValue = number | bigint | boolean | null;

/** A BigInt result as a JS number when exact, else as the BigInt itself. */
export function exactInteger(x: bigint): number | bigint {
  return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
}

/** The value of reduction `name` from a complete summary. Missing results (mean of nothing) are null. */
export function finalizeSummary(s: Summary, name: ReductionName, ddof = 1, extra: ExtraOutput = {}): ScalarValue {
  switch (name) {
    case 'count':
      return s.n;
    case 'sum':
      return s.isum !== null ? exactInteger(s.isum) : s.sum;
    case 'mean':
      if (s.n === 0) return null;
      return s.isum !== null ? Number(s.isum) / s.n : s.sum / s.n;
    case 'min':
      return typeof s.min === 'bigint' ? exactInteger(s.min) : s.min;
    case 'max':
      return typeof s.max === 'bigint' ? exactInteger(s.max) : s.max;
    case 'var':
    case 'std': {
      if (s.n - ddof <= 0) return null;
      const v = Math.max(0, s.m2) / (s.n - ddof);
      return name === 'var' ? v : Math.sqrt(v);
    }
    case 'prod':
      return s.prod;
    case 'any':
      return s.any;
    case 'all':
      return s.all;
    case 'quantile':
    case 'cov':
    case 'corr':
      if (!s.extra && s.n > 0) throw new Error(`internal: the partial of ${name}() lacks what it needs (a kernel backend that does not gather it?); run with {backend: 'cpu'}`);
      return name === 'quantile' ? finalizeQuantile(s.extra ?? {}, extra) : finalizeCo(s.extra ?? {}, name, ddof, extra);
  }
}
