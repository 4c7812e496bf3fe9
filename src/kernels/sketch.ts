// A mergeable quantile sketch for {approx: true}: a stack of compactors (the idea behind KLL), made
// deterministic so results repeat, and carrying its own worst-case rank error, which it can state exactly.
//
// Level h holds items of weight 2^h. When a level reaches K items it is sorted and every other item moves
// up a level with double weight (which half alternates per level, so errors tend to cancel). For any
// value x, one such compaction changes the estimated count of items <= x by at most 2^h; `err` adds up
// those 2^h, so the estimated rank of every x is within `err` of its true rank, whatever the data and
// however partials were merged. With K = 4096, err <= n * (log2(n / K) + 2) / K: under 0.5% of n for
// n up to 10^9 (and in practice a small fraction of that).

import { type Data, Type } from 'apache-arrow';
import { validityOf } from './validity.ts';
import { asFloat64 } from './column-values.ts';

/** Items per level before it is compacted. */
export const SKETCH_K = 4096;

/** Plain data, so it crosses threads and processes. */
export interface QuantileSketch {
  /** Number of values summarised (NaN excluded). */
  n: number;
  /** levels[h]: unsorted items of weight 2^h. */
  levels: number[][];
  /** Which half the next compaction of each level keeps (alternates). */
  parity: number[];
  /** Worst-case error of any estimated rank (sum of the weights of all compactions). */
  err: number;
  /** A NaN was seen: quantiles are NaN (NaN is a value, as in the exact path). */
  nan: boolean;
}

export function emptySketch(): QuantileSketch {
  return { n: 0, levels: [[]], parity: [0], err: 0, nan: false };
}

/** Sketch of a column's non-null values. */
export function sketchColumn(data: Data): QuantileSketch {
  const s = emptySketch();
  if (data.typeId === Type.Null) return s;
  const xs = asFloat64(data);
  const valid = validityOf(data);
  let level0 = s.levels[0]!;
  for (let i = 0; i < data.length; i++) {
    if (valid !== null && ((valid[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const x = xs[i]!;
    if (x !== x) {
      s.nan = true;
      continue;
    }
    level0.push(x);
    s.n++;
    if (level0.length >= SKETCH_K) {
      compactFrom(s, 0);
      level0 = s.levels[0]!; // compaction replaced the level's array
    }
  }
  return s;
}

function compactFrom(s: QuantileSketch, start: number): void {
  for (let h = start; h < s.levels.length; h++) {
    const items = s.levels[h]!;
    if (items.length < SKETCH_K) continue;
    // Native numeric sort (no comparator call per pair); NaN never reaches a sketch.
    const sorted = Float64Array.from(items).sort();
    // An odd item out stays (the largest): the compacted run is then of even length.
    const even = sorted.length - (sorted.length % 2);
    const keepBack = even < sorted.length ? sorted[even]! : null;
    if (h + 1 === s.levels.length) {
      s.levels.push([]);
      s.parity.push(0);
    }
    const up = s.levels[h + 1]!;
    const offset = s.parity[h]!;
    for (let i = offset; i < even; i += 2) up.push(sorted[i]!);
    s.parity[h] = 1 - offset;
    s.err += 2 ** h;
    s.levels[h] = keepBack === null ? [] : [keepBack];
  }
}

/** Merge two sketches; the error bounds add, then any full level is compacted. */
export function mergeSketches(a: QuantileSketch, b: QuantileSketch): QuantileSketch {
  const height = Math.max(a.levels.length, b.levels.length);
  const out: QuantileSketch = { n: a.n + b.n, levels: [], parity: [], err: a.err + b.err, nan: a.nan || b.nan };
  for (let h = 0; h < height; h++) {
    out.levels.push([...(a.levels[h] ?? []), ...(b.levels[h] ?? [])]);
    out.parity.push(((a.parity[h] ?? 0) + (b.parity[h] ?? 0)) % 2);
  }
  compactFrom(out, 0);
  return out;
}

/**
 * The value at quantile q: an item whose rank is within `err` of q * (n - 1) (exactly that rank when
 * nothing was compacted, i.e. fewer than K values). Null without values, NaN when a NaN was seen.
 */
export function sketchQuantile(s: QuantileSketch, q: number): number | null {
  if (s.nan) return NaN;
  if (s.n === 0) return null;
  const items: Array<[number, number]> = [];
  s.levels.forEach((level, h) => {
    for (const x of level) items.push([x, 2 ** h]);
  });
  items.sort((x, y) => x[0] - y[0]);
  if (s.err === 0) {
    // Nothing was compacted: every value is here once, so interpolate exactly like the exact path.
    const pos = q * (s.n - 1);
    const lo = Math.floor(pos);
    const a = items[lo]![0];
    const frac = pos - lo;
    if (frac === 0) return a;
    const b = items[lo + 1]![0];
    return a === b ? a : a + (b - a) * frac;
  }
  const target = q * (s.n - 1);
  let seen = 0;
  for (const [x, w] of items) {
    seen += w;
    if (seen > target) return x;
  }
  return items[items.length - 1]![0];
}
