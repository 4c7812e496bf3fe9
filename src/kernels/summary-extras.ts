// The statistics a reduction chunk gathers beyond sums and moments: sorted values (exact quantiles), a
// quantile sketch ({approx: true}) and co-moments with partner expressions (cov/corr). They ride in the
// same Summary, so describe(), quantile(), corr() and sum() of one frame share one chunk task per partition.

import type { Data } from 'apache-arrow';
import { type ValueRuns, mergeRuns, quantileOfRuns, valueRuns } from './quantile.ts';
import { type QuantileSketch, mergeSketches, sketchColumn, sketchQuantile } from './sketch.ts';
import { type CoMoments, coMoments, correlation, covariance, mergeCoMoments } from './corr.ts';

export interface ExtraNeeds {
  /** Sorted values, for exact quantiles. */
  values?: boolean;
  /** A mergeable sketch, for approximate quantiles. */
  sketch?: boolean;
  /** Indices of the partner expressions to gather co-moments with. */
  co?: number[];
}

export interface ExtraStats {
  runs?: ValueRuns;
  sketch?: QuantileSketch;
  /** [partner expression index, co-moments over rows where both are non-null]. */
  co?: Array<[number, CoMoments]>;
}

/** The extra statistics of one expression's column in one partition. */
export function gatherExtras(data: Data, needs: ExtraNeeds, partner: (index: number) => Data): ExtraStats {
  const out: ExtraStats = {};
  if (needs.values) out.runs = valueRuns(data);
  if (needs.sketch) out.sketch = sketchColumn(data);
  if (needs.co && needs.co.length > 0) out.co = needs.co.map((j) => [j, coMoments(data, partner(j))]);
  return out;
}

export function mergeExtras(a: ExtraStats, b: ExtraStats): ExtraStats {
  const out: ExtraStats = {};
  if (a.runs || b.runs) out.runs = a.runs && b.runs ? mergeRuns(a.runs, b.runs) : (a.runs ?? b.runs)!;
  if (a.sketch || b.sketch) out.sketch = a.sketch && b.sketch ? mergeSketches(a.sketch, b.sketch) : (a.sketch ?? b.sketch)!;
  if (a.co || b.co) {
    if (!a.co || !b.co) out.co = a.co ?? b.co!;
    else out.co = a.co.map(([j, m], k) => [j, mergeCoMoments(m, b.co![k]![1])]);
  }
  return out;
}

/** Which extra a reduction output reads, and its parameters. */
export interface ExtraOutput {
  readonly q?: number;
  readonly approx?: boolean;
  /** Partner expression index (cov/corr). */
  readonly other?: number;
}

export function finalizeQuantile(x: ExtraStats, o: ExtraOutput): number | null {
  const q = o.q!;
  if (o.approx) return x.sketch ? sketchQuantile(x.sketch, q) : null;
  return x.runs ? quantileOfRuns(x.runs, q) : null;
}

export function finalizeCo(x: ExtraStats, name: 'cov' | 'corr', ddof: number, o: ExtraOutput): number | null {
  const hit = x.co?.find(([j]) => j === o.other);
  if (!hit) return null;
  return name === 'cov' ? covariance(hit[1], ddof) : correlation(hit[1]);
}
