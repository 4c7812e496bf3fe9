// Ordinary least squares for one group, written as a module function so that every worker imports it
// once: groupby('Origin').apply(udf(import.meta.url, 'fitOls'), {params: {...}}).
// Fits y ~ 1 + x1 + ... + xk by accumulating X'X and X'y in one pass and solving with Cholesky.

import type { GroupFrame } from '../src/index.ts';

export interface OlsParams {
  y: string;
  x: readonly string[];
}

export function fitOls(group: GroupFrame, params: OlsParams): Record<string, number | null> {
  const y = group.numbers(params.y);
  const xs = params.x.map((name) => group.numbers(name));
  const p = xs.length + 1;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const row = new Float64Array(p);
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    // rows with a missing value in any variable are left out (NaN marks nulls)
    if (y[i]! !== y[i]!) continue;
    row[0] = 1;
    let ok = true;
    for (let j = 0; j < xs.length; j++) {
      const v = xs[j]![i]!;
      if (v !== v) ok = false;
      row[j + 1] = v;
    }
    if (!ok) continue;
    n++;
    for (let a = 0; a < p; a++) {
      xty[a]! += row[a]! * y[i]!;
      for (let b = 0; b <= a; b++) xtx[a * p + b]! += row[a]! * row[b]!;
    }
  }
  const out: Record<string, number | null> = { n };
  const beta = n > p ? choleskySolve(xtx, xty, p) : null;
  out.intercept = beta ? beta[0]! : null;
  params.x.forEach((name, j) => (out[name] = beta ? beta[j + 1]! : null));
  return out;
}

/** Solve A b = y for symmetric positive definite A (lower triangle filled); null when singular. */
function choleskySolve(a: Float64Array, y: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (s <= 1e-12 * Math.abs(a[i * p + i]!)) return null;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j]!;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * z[k]!;
    z[i] = s / l[i * p + i]!;
  }
  const b = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * b[k]!;
    b[i] = s / l[i * p + i]!;
  }
  return b;
}
