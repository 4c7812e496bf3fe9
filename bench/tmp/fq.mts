import { readParquet, compute, closeExecutors } from '../../src/index.ts';

const dir = process.argv[2]!;
const pq = readParquet(dir);
const fq = pq.filter(pq.col('Year').eq(Number(process.argv[3]))).col('ArrDelay');
console.log(fq.mean().explain().split('\n').slice(0, 12).join('\n'));
for (const scheduler of ['threads', 'sync'] as const) {
  const ts: number[] = [];
  let v: unknown;
  for (let i = 0; i < 7; i++) { const t = performance.now(); [v] = await compute(fq.mean(), { scheduler, progress: false }); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  console.log(scheduler, 'median ms', ts[3]!.toFixed(1), 'value', v);
}
await closeExecutors();
