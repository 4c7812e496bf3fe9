// CPU time per compute of read + min/max/mean(DepDelay) over a Parquet directory, with no DuckDB in the
// process: bench/parquet.ts runs DuckDB alongside, and its threads' CPU lands in the same process.cpuUsage().
// usage: node --import tsx bench/parquet-cpu.ts PARQUET_DIR [RUNS=21]
// (PARQUET_DIR: e.g. the /tmp/tessera-bench-parquet-* copy bench/parquet.ts writes.) Medians after 2 warm-ups.

import { compute, readParquet } from '../src/index.ts';
import { closeExecutors } from '../src/scheduler/get-executor.ts';
import { parquetStats } from '../src/io/parquet/ops.ts';

const [dir, runsArg = '21'] = process.argv.slice(2);
if (!dir) throw new Error('usage: bench/parquet-cpu.ts PARQUET_DIR [RUNS]');
const runs = Number(runsArg);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pq = readParquet(dir);
for (const scheduler of ['sync', 'threads'] as const) {
  const cpu: number[] = [];
  const wall: number[] = [];
  let answer: unknown[] = [];
  for (let r = 0; r < runs + 2; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    const s = pq.col('DepDelay');
    answer = await compute(s.min(), s.max(), s.mean(), { scheduler, progress: false });
    const d = process.cpuUsage(c);
    if (r < 2) continue;
    wall.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1000);
  }
  const direct = scheduler === 'sync' ? `, partitions reduced from page bytes on this thread: ${parquetStats.reducedDirect}` : '';
  console.log(`${scheduler}: CPU ${median(cpu).toFixed(1)} ms, wall ${median(wall).toFixed(1)} ms per compute (median of ${runs}); ${answer.join(' ')}${direct}`);
}
await closeExecutors();
