// Four slow and twelve fast tasks, allocated dynamically (chunksize 1: a free worker takes the next task)
// or statically (chunksize 4: four tasks per batch, decided up front). Prints the wall time of each.
// Run: node --import tsx examples/slow-fast.ts

import { createClient, udf, type SchedulerName } from '../src/index.ts';

/** Busy work for `ms` milliseconds (a CPU-bound task), returning its input. */
export function work(job: { id: number; ms: number }): number {
  const end = performance.now() + job.ms;
  while (performance.now() < end);
  return job.id;
}

export async function slowFast(slowMs: number, fastMs: number, scheduler: SchedulerName = 'threads'): Promise<Array<{ policy: string; ms: number; ids: number[] }>> {
  // The slow tasks come first, as they do when a loop is ordered by problem size.
  const jobs = [...Array.from({ length: 4 }, (_, i) => ({ id: i, ms: slowMs })), ...Array.from({ length: 12 }, (_, i) => ({ id: 4 + i, ms: fastMs }))];
  const out = [];
  for (const [policy, chunksize] of [['dynamic (chunksize 1)', 1], ['static (chunksize 4)', 4]] as const) {
    const client = await createClient({ scheduler, numWorkers: 2, chunksize: 1 });
    try {
      await client.submit(udf(import.meta.url, 'work'), { id: -1, ms: 1 }).result(); // warm the pool
      const t0 = performance.now();
      const ids = (await client.gather(client.map(udf(import.meta.url, 'work'), jobs, { chunksize }))) as number[];
      out.push({ policy, ms: performance.now() - t0, ids });
    } finally {
      await client.close();
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await slowFast(400, 20)) console.log(`${r.policy.padEnd(22)} ${r.ms.toFixed(0)} ms`);
}
