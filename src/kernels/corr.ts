// Co-moments of two columns for Pearson cov/corr: over the rows where BOTH are non-null (pandas'
// pairwise-complete rule), gathered in one pass with Welford's update and merged by Chan's formula, so
// data offset by 1e8 keeps its covariance (no sum-of-products cancellation).

import type { Data } from 'apache-arrow';
import { validityOf } from './validity.ts';
import { asFloat64 } from './column-values.ts';

/** Plain data: crosses threads. */
export interface CoMoments {
  n: number;
  meanX: number;
  meanY: number;
  /** Sums of squared deviations and of cross products of deviations. */
  m2x: number;
  m2y: number;
  cxy: number;
}

export function emptyCoMoments(): CoMoments {
  return { n: 0, meanX: 0, meanY: 0, m2x: 0, m2y: 0, cxy: 0 };
}

export function coMoments(x: Data, y: Data): CoMoments {
  const xs = asFloat64(x);
  const ys = asFloat64(y);
  const vx = validityOf(x);
  const vy = validityOf(y);
  let n = 0;
  let mx = 0;
  let my = 0;
  let m2x = 0;
  let m2y = 0;
  let cxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (vx !== null && ((vx[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    if (vy !== null && ((vy[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const a = xs[i]!;
    const b = ys[i]!;
    n++;
    const dx = a - mx;
    mx += dx / n;
    const dy = b - my;
    my += dy / n;
    m2x += dx * (a - mx);
    m2y += dy * (b - my);
    cxy += dx * (b - my);
  }
  return { n, meanX: mx, meanY: my, m2x, m2y, cxy };
}

export function mergeCoMoments(a: CoMoments, b: CoMoments): CoMoments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const dx = b.meanX - a.meanX;
  const dy = b.meanY - a.meanY;
  const f = (a.n * b.n) / n;
  return {
    n,
    meanX: a.meanX + (dx * b.n) / n,
    meanY: a.meanY + (dy * b.n) / n,
    m2x: a.m2x + b.m2x + dx * dx * f,
    m2y: a.m2y + b.m2y + dy * dy * f,
    cxy: a.cxy + b.cxy + dx * dy * f,
  };
}

/** Sample covariance (ddof 1 by default, as pandas); null with n - ddof <= 0 pairs. */
export function covariance(m: CoMoments, ddof: number): number | null {
  if (m.n - ddof <= 0) return null;
  return m.cxy / (m.n - ddof);
}

/**
 * Pearson correlation; null with fewer than 2 pairs, NaN when a column is constant over the pairs
 * (0/0, as pandas). Clamped to [-1, 1]: rounding can push a perfect correlation to 1.0000000000000002.
 */
export function correlation(m: CoMoments): number | null {
  if (m.n < 2) return null;
  const r = m.cxy / Math.sqrt(m.m2x * m.m2y);
  return r !== r ? NaN : Math.max(-1, Math.min(1, r));
}
