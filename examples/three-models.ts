// Three different models fitted at once on the same data: each fit is a delayed call, and one compute()
// runs them in parallel (on threads by default). Run: node --import tsx examples/three-models.ts
// The model functions are exported so workers can import this module: delayed(udf(import.meta.url, name)).

import { compute, delayed, udf, type SchedulerName } from '../src/index.ts';

export interface Data {
  x: Float64Array;
  y: Float64Array;
}

/** y = 2x + 1 with noise and a few wild outliers; deterministic for a given seed. */
export function makeData(n: number, seed = 1): Data {
  let s = seed >>> 0;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rand() * 10;
    y[i] = 2 * x[i]! + 1 + (rand() - 0.5) + (i % 50 === 0 ? 40 : 0);
  }
  return { x, y };
}

/** Least squares slope. */
export function ols(d: Data): { method: string; slope: number } {
  const n = d.x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += d.x[i]! / n;
    my += d.y[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (d.x[i]! - mx) * (d.y[i]! - my);
    sxx += (d.x[i]! - mx) ** 2;
  }
  return { method: 'ols', slope: sxy / sxx };
}

/** Theil-Sen: the median of pairwise slopes (robust to the outliers), over consecutive pairs of a sample. */
export function theilSen(d: Data): { method: string; slope: number } {
  const slopes: number[] = [];
  const step = Math.max(1, Math.floor(d.x.length / 400));
  for (let i = 0; i < d.x.length; i += step) {
    for (let j = i + step; j < d.x.length; j += step * 7) {
      if (d.x[j] !== d.x[i]) slopes.push((d.y[j]! - d.y[i]!) / (d.x[j]! - d.x[i]!));
    }
  }
  slopes.sort((a, b) => a - b);
  return { method: 'theil-sen', slope: slopes[Math.floor(slopes.length / 2)]! };
}

/** Least absolute deviations by iteratively reweighted least squares. */
export function lad(d: Data): { method: string; slope: number } {
  let a = 0;
  let b = 0;
  for (let iter = 0; iter < 50; iter++) {
    let sw = 0, swx = 0, swy = 0, swxx = 0, swxy = 0;
    for (let i = 0; i < d.x.length; i++) {
      const w = 1 / Math.max(1e-6, Math.abs(d.y[i]! - a - b * d.x[i]!));
      sw += w;
      swx += w * d.x[i]!;
      swy += w * d.y[i]!;
      swxx += w * d.x[i]! * d.x[i]!;
      swxy += w * d.x[i]! * d.y[i]!;
    }
    b = (sw * swxy - swx * swy) / (sw * swxx - swx * swx);
    a = (swy - b * swx) / sw;
  }
  return { method: 'lad', slope: b };
}

export async function threeModels(n: number, scheduler: SchedulerName = 'threads'): Promise<Array<{ method: string; slope: number }>> {
  const data = makeData(n);
  const fits = ['ols', 'theilSen', 'lad'].map((name) => delayed(udf(import.meta.url, name))(data));
  return (await compute(...fits, { scheduler, numWorkers: 3 })) as Array<{ method: string; slope: number }>;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const fit of await threeModels(200_000)) console.log(`${fit.method.padEnd(10)} slope ${fit.slope.toFixed(4)}`);
}
