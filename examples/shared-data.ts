// One big array used by 8 tasks without a copy per task: the array is made on a SharedArrayBuffer (so
// scatter places it without copying) and every task on 'threads' reads that same memory. The script
// measures the process's peak resident memory and reports it in copies of the array.
// Run: node --import tsx examples/shared-data.ts [megabytes]   (--json prints the numbers as JSON)

import { createClient, udf, type SchedulerName } from '../src/index.ts';

/** The share of the array's values above `threshold` (each task reads every element). */
export function shareAbove(job: { data: Float64Array; threshold: number }): number {
  const { data, threshold } = job;
  let above = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > threshold) above += 1;
  return above / data.length;
}

export interface SharedDataRun {
  readonly scheduler: SchedulerName;
  readonly arrayMb: number;
  /** Resident memory after the pool started, before the array existed. */
  readonly baselineMb: number;
  /** Peak resident memory of this process (worker threads included) over the whole run. */
  readonly peakMb: number;
  /** (peak - baseline) / array size: 1 means one copy of the array, whatever the number of tasks. */
  readonly copies: number;
  readonly ms: number;
  /** Task k's answer: the share of values above k / 9, k = 1..8. */
  readonly shares: number[];
}

export async function sharedData(megabytes: number, scheduler: SchedulerName = 'threads', numWorkers = 2): Promise<SharedDataRun> {
  const client = await createClient({ scheduler, numWorkers });
  try {
    await client.gather(client.map(udf(import.meta.url, 'shareAbove'), Array.from({ length: numWorkers }, (_, k) => ({ data: new Float64Array(8), threshold: k })))); // start the pool
    const baseline = process.memoryUsage().rss;
    const n = Math.floor((megabytes * 2 ** 20) / 8);
    const data = new Float64Array(new SharedArrayBuffer(n * 8)); // shared from the start: scatter copies nothing
    for (let i = 0; i < n; i++) data[i] = (i % 1000) / 1000;
    const t0 = performance.now();
    const shared = client.scatter(data);
    const shares = (await client.gather(client.map(udf(import.meta.url, 'shareAbove'), Array.from({ length: 8 }, (_, k) => ({ data: shared, threshold: (k + 1) / 9 }))))) as number[];
    const ms = performance.now() - t0;
    const peak = process.resourceUsage().maxRSS * 1024;
    return { scheduler, arrayMb: (n * 8) / 2 ** 20, baselineMb: baseline / 2 ** 20, peakMb: peak / 2 ** 20, copies: (peak - baseline) / (n * 8), ms, shares };
  } finally {
    await client.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100);
  const r = await sharedData(mb);
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else {
    console.log(`8 tasks over one ${r.arrayMb.toFixed(0)} MB array on ${r.scheduler}: ${r.ms.toFixed(0)} ms`);
    console.log(`peak memory ${r.peakMb.toFixed(0)} MB over a baseline of ${r.baselineMb.toFixed(0)} MB: ${r.copies.toFixed(2)} copies of the array`);
  }
}
