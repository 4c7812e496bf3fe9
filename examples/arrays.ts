// Two array workloads from the parallel-statistics scenarios, on worker threads: a Gram matrix x.T @ x of a
// row-chunked array (a tree of per-chunk products) factored by Cholesky, and a fused mean(exp(x) + 3 sin(x)).
// usage: node --import tsx examples/arrays.ts [rows] [cols] [n]

import { array, compute, random, closeExecutors, type SchedulerName } from '../src/index.ts';

/** G = x.T @ x for x ~ N(0,1) of rows x cols in row chunks, its Cholesky factor L, and max |L L^T - G| / max |G|. */
export async function gramCholesky(rows: number, cols: number, options: { chunkRows?: number; scheduler?: SchedulerName; seed?: number } = {}) {
  const x = random.generator(options.seed ?? 7).normal([rows, cols], { chunks: [options.chunkRows ?? Math.ceil(rows / 8), cols] });
  const gram = x.T.matmul(x);
  const factor = array.linalg.cholesky(gram);
  // one graph: the Gram tree is computed once and feeds both results
  const [g, l] = await compute(gram, factor, { scheduler: options.scheduler ?? 'threads' });
  const G = g.data as Float64Array, L = l.data as Float64Array;
  let worst = 0, scale = 0;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let p = 0; p <= Math.min(i, j); p++) s += L[i * cols + p]! * L[j * cols + p]!;
      worst = Math.max(worst, Math.abs(s - G[i * cols + j]!));
      scale = Math.max(scale, Math.abs(G[i * cols + j]!));
    }
  }
  return { gram: G, factor: L, relativeError: worst / scale };
}

/** mean(exp(x) + 3 sin(x)) for x ~ U(0,1) of n values: one fused pass per chunk, no temporaries. */
export async function expSinMean(n: number, options: { chunks?: number; scheduler?: SchedulerName; seed?: number } = {}): Promise<number> {
  const x = random.generator(options.seed ?? 11).uniform(n, { chunks: options.chunks ?? 2 ** 22 });
  const m = await x.exp().add(x.sin().mul(3)).mean().compute({ scheduler: options.scheduler ?? 'threads' });
  return m.data[0] as number;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows = 20000, cols = 500, n = 2e7] = process.argv.slice(2).map(Number);
  let t = performance.now();
  const { factor, relativeError } = await gramCholesky(rows, cols);
  console.log(`x.T @ x of ${rows} x ${cols}, then Cholesky: ${(performance.now() - t).toFixed(0)} ms; L[0,0] = ${factor[0]!.toFixed(4)} (sqrt(rows) is about ${Math.sqrt(rows).toFixed(1)}); max |L L^T - G| / max |G| = ${relativeError.toExponential(2)}`);
  t = performance.now();
  const m = await expSinMean(n);
  // E[exp(U) + 3 sin(U)] = (e - 1) + 3 (1 - cos 1)
  console.log(`mean(exp(x) + 3 sin(x)) over ${n} uniforms: ${m.toFixed(6)} (exact expectation ${(Math.E - 1 + 3 * (1 - Math.cos(1))).toFixed(6)}), ${(performance.now() - t).toFixed(0)} ms`);
  await closeExecutors();
}
