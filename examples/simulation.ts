// A simulation study: 1000 replicates, each with its own random stream. random.generator(seed).spawn(n)
// gives n independent generators; each travels to its task as plain data (its state) and the task
// rebuilds it, so every replicate draws the same numbers on sync, threads or processes, in any order.
// The study: how often does the 95% t-interval for the mean of a skewed (exponential) sample cover it?
// Run: node --import tsx examples/simulation.ts

import { createClient, random, udf, type SchedulerName } from '../src/index.ts';

/** One replicate: n exponential draws (mean 1) from its own stream; the sample mean and whether the 95% interval covers 1. */
export function replicate(job: { stream: random.GeneratorState; n: number }): { mean: number; covered: boolean } {
  const rng = random.generator(job.stream);
  const x = rng.exponentialArray(job.n, 1);
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]! / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  const half = 2.0096 * Math.sqrt(ss / (x.length - 1) / x.length); // t(0.975, 49) for n = 50
  return { mean, covered: mean - half <= 1 && 1 <= mean + half };
}

export async function simulate(replicates: number, seed: number, scheduler: SchedulerName = 'threads', numWorkers = 2): Promise<{ coverage: number; means: number[] }> {
  const streams = random.generator(seed).spawn(replicates);
  const client = await createClient({ scheduler, numWorkers });
  try {
    // 1000 small tasks: map's automatic chunking batches them (one stream per replicate either way)
    const runs = client.map(udf(import.meta.url, 'replicate'), streams.map((stream) => ({ stream, n: 50 })));
    const out = (await client.gather(runs)) as Array<{ mean: number; covered: boolean }>;
    return { coverage: out.filter((r) => r.covered).length / out.length, means: out.map((r) => r.mean) };
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { coverage, means } = await simulate(1000, 2024);
  console.log(`coverage of the 95% interval: ${(coverage * 100).toFixed(1)}% over ${means.length} replicates`);
}
