// Methods x folds as nested loops: the outer map runs one task per method, and each of those tasks maps
// its 10 folds with getClient() (a task submitting tasks). While a method's task waits for its folds it
// leaves its worker to the pool, so this works with any number of workers, even one.
// Run: node --import tsx examples/nested.ts

import { createClient, getClient, udf, type SchedulerName } from '../src/index.ts';
import { type Data, lad, makeData, ols, theilSen } from './three-models.ts';

const METHODS = { ols, 'theil-sen': theilSen, lad } as const;
export type Method = keyof typeof METHODS;

/** Mean absolute error on fold `k` of a line fitted with `method` on the other folds. */
export function foldScore(job: { method: Method; data: Data; k: number; folds: number }): number {
  const { method, data, k, folds } = job;
  const keep = (_: number, i: number): boolean => i % folds !== k;
  const train: Data = { x: data.x.filter(keep), y: data.y.filter(keep) };
  const { slope } = METHODS[method](train);
  // intercept: the median residual, which the outliers do not pull
  const residuals = Array.from(train.x, (x, i) => train.y[i]! - slope * x).sort((a, b) => a - b);
  const intercept = residuals[Math.floor(residuals.length / 2)]!;
  let sum = 0;
  let m = 0;
  for (let i = k; i < data.x.length; i += folds) {
    sum += Math.abs(data.y[i]! - intercept - slope * data.x[i]!);
    m += 1;
  }
  return sum / m;
}

/** One method's cross-validation: a task that maps its folds on the task's own client. */
export async function crossValidateMethod(job: { method: Method; data: Data; folds: number }): Promise<{ method: Method; mae: number; perFold: number[] }> {
  const client = getClient();
  const jobs = Array.from({ length: job.folds }, (_, k) => ({ ...job, k }));
  const perFold = (await client.gather(client.map(udf(import.meta.url, 'foldScore'), jobs))) as number[];
  return { method: job.method, mae: perFold.reduce((s, v) => s + v, 0) / perFold.length, perFold };
}

export async function methodsByFolds(n: number, scheduler: SchedulerName = 'threads', numWorkers = 2): Promise<Array<{ method: Method; mae: number; perFold: number[] }>> {
  const client = await createClient({ scheduler, numWorkers });
  try {
    const d = makeData(n);
    const data = { x: client.scatter(d.x), y: client.scatter(d.y) }; // shared memory, once
    const jobs = (Object.keys(METHODS) as Method[]).map((method) => ({ method, data, folds: 10 }));
    return (await client.gather(client.map(udf(import.meta.url, 'crossValidateMethod'), jobs))) as Array<{ method: Method; mae: number; perFold: number[] }>;
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await methodsByFolds(20_000)) console.log(`${r.method.padEnd(10)} mean absolute error ${r.mae.toFixed(4)}`);
}
