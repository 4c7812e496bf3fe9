// 10-fold cross-validation as a parallel map: the data is scattered once, each fold is one task that
// fits on nine folds and scores the tenth. Run: node --import tsx examples/cv-map.ts

import { createClient, udf, type SchedulerName } from '../src/index.ts';
import { type Data, makeData, ols } from './three-models.ts';

/** Mean squared error on fold `k` of `folds` of a least-squares line fitted on the other folds. */
export function foldError(job: { data: Data; k: number; folds: number }): { k: number; mse: number } {
  const { data, k, folds } = job;
  const train: Data = { x: data.x.filter((_, i) => i % folds !== k), y: data.y.filter((_, i) => i % folds !== k) };
  const { slope } = ols(train);
  const n = train.x.length;
  const intercept = train.y.reduce((s, v) => s + v, 0) / n - slope * (train.x.reduce((s, v) => s + v, 0) / n);
  let se = 0;
  let m = 0;
  for (let i = k; i < data.x.length; i += folds) {
    se += (data.y[i]! - intercept - slope * data.x[i]!) ** 2;
    m += 1;
  }
  return { k, mse: se / m };
}

export async function crossValidate(n: number, scheduler: SchedulerName = 'threads'): Promise<{ folds: Array<{ k: number; mse: number }>; mean: number }> {
  const client = await createClient({ scheduler, numWorkers: 2 });
  try {
    const d = makeData(n);
    // The two arrays go to shared memory once; every fold's task reads them in place on threads.
    const [x, y] = [client.scatter(d.x), client.scatter(d.y)];
    const jobs = Array.from({ length: 10 }, (_, k) => ({ data: { x, y }, k, folds: 10 }));
    const folds = (await client.gather(client.map(udf(import.meta.url, 'foldError'), jobs))) as Array<{ k: number; mse: number }>;
    return { folds, mean: folds.reduce((s, f) => s + f.mse, 0) / folds.length };
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { folds, mean } = await crossValidate(100_000);
  for (const f of folds) console.log(`fold ${f.k}: mse ${f.mse.toFixed(3)}`);
  console.log(`mean mse ${mean.toFixed(3)}`);
}
