// The 'distributed' scheduler's costs on one machine (its own redis-server, 2 `tessera worker` processes of
// 1 thread each, storage in a temp dir): per-task overhead with and without batching, 64 MB partitions
// computed remotely vs on 2 threads, and the airline per-Origin OLS groupby-apply vs 2 threads.
// Usage: node --import tsx bench/distributed.ts [--files 2] [--rows 200000] [--reps 3] [--budget 900]
// Wall times depend on the machine's load (printed); the CPU column (client + workers + Redis, from
// process.cpuUsage and /proc) is what to compare on a busy machine. --budget (s) bounds the whole run.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { closeExecutors, random, readCsv, toRecords, udf } from '../src/index.ts';
import { resolveConfig } from '../src/config.ts';
import { getExecutor } from '../src/scheduler/get-executor.ts';
import { runGraph } from '../src/scheduler/run-graph.ts';
import { type Graph, ref, task } from '../src/scheduler/graph.ts';
import { TEST_OPS_URL } from '../tests/scheduler/fixtures/test-ops.ts';
import { startCluster, stopProcess } from '../tests/distributed/harness.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!(v > 0)) throw new Error(`--${name} needs a positive number; got '${process.argv[i + 1]}'`);
  return v;
};
const FILES = arg('files', 2);
const ROWS = arg('rows', 200_000);
const REPS = arg('reps', 3);
const BUDGET_S = arg('budget', 900);

const started = performance.now();
const load = () => loadavg()[0]!.toFixed(1);
const cluster = await startCluster({ workers: 2, threads: 1, appendfsync: 'everysec' });

// Whatever happens, the run ends within the budget and stops what it started (by PID).
const watchdog = setTimeout(() => {
  console.log(`\nbench/distributed.ts: the ${BUDGET_S} s budget ran out (load average ${load()}); the rows above are all it measured`);
  void Promise.all([...cluster.workers.map((w) => stopProcess(w.process, 'SIGKILL')), stopProcess(cluster.redis.process, 'SIGKILL')]).then(() => process.exit(3));
}, BUDGET_S * 1000);
watchdog.unref();

/** CPU seconds used so far by this process (and its threads), the workers and Redis. */
function cpuNow(): number {
  const own = process.cpuUsage();
  let ticks = 0;
  for (const pid of [...cluster.workers.map((w) => w.pid), cluster.redis.process.pid!]) {
    try {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ')' that ends the name
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // not on Linux: the client's own CPU only
    }
  }
  return (own.user + own.system) / 1e6 + ticks / 100;
}

interface Sample { wall: number; cpu: number }
async function measure(fn: () => Promise<unknown>): Promise<Sample> {
  const samples: Sample[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = cpuNow();
    const t0 = performance.now();
    await fn();
    samples.push({ wall: performance.now() - t0, cpu: (cpuNow() - c0) * 1000 });
  }
  const mid = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
  return { wall: mid(samples, (s) => s.wall).wall, cpu: mid(samples, (s) => s.cpu).cpu };
}

// Rows are printed as they are measured, so a run cut short still reports what it finished.
console.log(`load average at the start: ${load()}\n`);
console.log(`| case | scheduler | wall, median of ${REPS} | CPU (all processes) | load |\n|---|---|---|---|---|`);
const row = (c: string, s: string, wall: string, cpu: string) => console.log(`| ${c} | ${s} | ${wall} | ${cpu} | ${load()} |`);
const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
try {
  const dist = { ...cluster.config, workerModules: [TEST_OPS_URL], progress: false };
  const threads = { scheduler: 'threads' as const, numWorkers: 2, workerModules: [TEST_OPS_URL], progress: false };

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
    const s = await measure(() => runGraph(tiny(), ['all'], ex));
    row(`per-task overhead (${N} tiny tasks)`, label, `${((s.wall * 1000) / (N + 1)).toFixed(0)} us/task`, `${((s.cpu * 1000) / (N + 1)).toFixed(0)} us/task`);
  }

  // 2. 64 MB partitions: 4 chunks of 8M float64 drawn on the workers; a mean (draw and partial fuse into
  // one task per chunk: only partials travel) and the whole array back to the client (4 files of 64 MB).
  const x = () => random.generator(1).normal([4 * 8_000_000], { chunks: 8_000_000 });
  const big: Record<string, Record<string, Sample>> = {};
  for (const [label, opts] of [['threads (2)', threads], ['distributed', dist]] as const) {
    await x().mean().compute(opts);
    for (const [name, run] of [['mean of 4 x 64 MB chunks', () => x().mean().compute(opts)], ['4 x 64 MB chunks back to the client', () => x().mul(2).compute(opts)]] as const) {
      const s = await measure(run);
      (big[name] ??= {})[label] = s;
      row(name, label, `${s.wall.toFixed(0)} ms`, `${s.cpu.toFixed(0)} ms`);
    }
  }
  for (const [name, by] of Object.entries(big)) {
    const [t, d] = [by['threads (2)']!, by.distributed!];
    row(name, 'distributed vs threads', pct(d.wall, t.wall), pct(d.cpu, t.cpu));
  }

  // 3. airline per-Origin OLS groupby-apply (reduced size by default; --files/--rows for more)
  const dir = join(process.cwd(), 'bench', 'data', `airline-${FILES}x${ROWS}`);
  if (!existsSync(join(dir, `airline_${2000 + FILES}.csv`))) execFileSync(process.execPath, ['datasets/gen-airline.mjs', dir, String(FILES), String(ROWS)], { stdio: 'inherit' });
  const files = Array.from({ length: FILES }, (_, i) => join(dir, `airline_${2001 + i}.csv`));
  const OLS = udf(new URL('../examples/ols.ts', import.meta.url).href, 'fitOls');
  const ols = (opts: object) =>
    readCsv(files).groupby('Origin').apply(OLS, { params: { y: 'ArrDelay', x: ['DepDelay', 'Distance'] }, columns: ['ArrDelay', 'DepDelay', 'Distance'] }).compute(opts);
  const want = JSON.stringify(toRecords(await ols(threads)));
  if (JSON.stringify(toRecords(await ols(dist))) !== want) throw new Error('distributed OLS differs from threads');
  const o: Record<string, Sample> = {};
  for (const [label, opts] of [['threads (2)', threads], ['distributed (2 workers x 1 thread)', dist]] as const) {
    o[label] = await measure(() => ols(opts));
    row(`per-Origin OLS, ${FILES} x ${ROWS} rows`, label, `${o[label]!.wall.toFixed(0)} ms`, `${o[label]!.cpu.toFixed(0)} ms`);
  }
  const [t, d] = [o['threads (2)']!, o['distributed (2 workers x 1 thread)']!];
  row(`per-Origin OLS, ${FILES} x ${ROWS} rows`, 'distributed vs threads', pct(d.wall, t.wall), pct(d.cpu, t.cpu));
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s, load average at the end ${load()}`);
} finally {
  clearTimeout(watchdog);
  await closeExecutors();
  await cluster.stop();
}
