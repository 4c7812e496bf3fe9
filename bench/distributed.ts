// The 'distributed' scheduler's costs on one machine (its own redis-server, 2 `tessera worker` processes of
// 1 thread each, storage in a temp dir): per-task overhead with and without batching, 64 MB partitions
// computed remotely vs on 2 threads, and the airline per-Origin OLS groupby-apply vs 2 threads.
// Usage: node --import tsx bench/distributed.ts [--files 2] [--rows 500000] [--reps 3]

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { closeExecutors, random, readCsv, toRecords, udf } from '../src/index.ts';
import { resolveConfig } from '../src/config.ts';
import { getExecutor } from '../src/scheduler/get-executor.ts';
import { runGraph } from '../src/scheduler/run-graph.ts';
import { type Graph, ref, task } from '../src/scheduler/graph.ts';
import { TEST_OPS_URL } from '../tests/scheduler/fixtures/test-ops.ts';
import { startCluster } from '../tests/distributed/harness.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = arg('files', 2);
const ROWS = arg('rows', 500_000);
const REPS = arg('reps', 3);

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

// Rows are printed as they are measured, so a run cut short still reports what it finished.
console.log(`| case | scheduler | median of ${REPS} |\n|---|---|---|`);
const rows = { push: (r: [string, string, string]) => console.log(`| ${r.join(' | ')} |`) };
const cluster = await startCluster({ workers: 2, threads: 1 });
try {
  const dist = { ...cluster.config, workerModules: [TEST_OPS_URL] };
  const threads = { scheduler: 'threads' as const, numWorkers: 2, workerModules: [TEST_OPS_URL] };

  // 1. per-task overhead: 1000 independent tiny tasks and one task reading them all
  const N = 1000;
  const tiny = (): Graph => {
    const g: Graph = new Map();
    for (let i = 0; i < N; i++) g.set(`add#${i}`, task(`add#${i}`, 'test.add', [i, 1]));
    g.set('all', task('all', 'test.sumAll', Array.from({ length: N }, (_, i) => ref(`add#${i}`))));
    return g;
  };
  for (const [label, opts] of [['threads (2)', threads], ['distributed, batched', dist], ['distributed, 1 task per job', { ...dist, chunksize: 1 }]] as const) {
    const ex = getExecutor(resolveConfig(opts));
    await runGraph(tiny(), ['all'], ex); // warm up (threads load ops, connections open)
    const ms = await median(() => runGraph(tiny(), ['all'], ex));
    rows.push(['per-task overhead (1000 tiny tasks)', label, `${((ms * 1000) / (N + 1)).toFixed(0)} us/task`]);
  }

  // 2. 64 MB partitions: 4 chunks of 8M float64 drawn on the workers; a mean (partials travel) and the
  // whole array back to the client (every chunk travels as a 64 MB file)
  const x = () => random.generator(1).normal([4 * 8_000_000], { chunks: 8_000_000 });
  for (const [label, opts] of [['threads (2)', threads], ['distributed', dist]] as const) {
    await x().mean().compute(opts);
    rows.push(['mean of 4 x 64 MB chunks', label, `${(await median(() => x().mean().compute(opts))).toFixed(0)} ms`]);
    rows.push(['4 x 64 MB chunks back to the client', label, `${(await median(() => x().mul(2).compute(opts))).toFixed(0)} ms`]);
  }

  // 3. airline per-Origin OLS groupby-apply
  const dir = join(process.cwd(), 'bench', 'data', `airline-${FILES}x${ROWS}`);
  if (!existsSync(join(dir, `airline_${2000 + FILES}.csv`))) execFileSync(process.execPath, ['datasets/gen-airline.mjs', dir, String(FILES), String(ROWS)], { stdio: 'inherit' });
  const files = Array.from({ length: FILES }, (_, i) => join(dir, `airline_${2001 + i}.csv`));
  const OLS = udf(new URL('../examples/ols.ts', import.meta.url).href, 'fitOls');
  const ols = (opts: object) =>
    readCsv(files).groupby('Origin').apply(OLS, { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] }).compute(opts);
  const want = JSON.stringify(toRecords(await ols(threads)));
  if (JSON.stringify(toRecords(await ols(dist))) !== want) throw new Error('distributed OLS differs from threads');
  for (const [label, opts] of [['threads (2)', threads], ['distributed (2 workers x 1 thread)', dist]] as const) {
    rows.push([`per-Origin OLS, ${FILES} x ${ROWS} rows`, label, `${(await median(() => ols(opts))).toFixed(0)} ms`]);
  }
} finally {
  await closeExecutors();
  await cluster.stop();
}
