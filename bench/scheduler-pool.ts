// Worker-pool benchmarks of issue 4: pool overhead (empty tasks/s, a 100k-task graph), CPU-bound
// speed-up over sync, partition transfer cost (threads share, processes copy), static vs dynamic
// allocation on uneven tasks, and peak RSS of a reduction as the partition count grows.
// usage: node --import tsx bench/scheduler-pool.ts [section...]   sections: overhead speedup transfer uneven rss

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { RecordBatch } from 'apache-arrow';
import { type Graph, type Key, ref, task } from '../src/scheduler/graph.ts';
import { runGraph } from '../src/scheduler/run-graph.ts';
import { fuseLinearChains } from '../src/scheduler/optimize-graph.ts';
import type { Executor } from '../src/scheduler/executor.ts';
import { SyncExecutor } from '../src/scheduler/executors/sync.ts';
import { ThreadsExecutor } from '../src/scheduler/executors/threads.ts';
import { ProcessesExecutor } from '../src/scheduler/executors/processes.ts';
import { TEST_OPS_URL, rangeBatch } from '../tests/scheduler/fixtures/test-ops.ts';

const modules = [TEST_OPS_URL];
const threads = (numWorkers: number, chunksize: number | null) => new ThreadsExecutor({ numWorkers, chunksize, modules });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function timed(g: Graph, outs: Key[], ex: Executor): Promise<number> {
  const t0 = performance.now();
  await runGraph(g, outs, ex);
  return performance.now() - t0;
}

/** A width-8 tree of sums over `level`, added to `g`; returns the root key. */
function addSumTree(g: Graph, level: Key[]): Key {
  for (let d = 0; level.length > 1; d++) {
    const next: Key[] = [];
    for (let j = 0; j < level.length; j += 8) {
      const k = `sum-${d}#${j / 8}`;
      g.set(k, task(k, 'test.sumAll', level.slice(j, j + 8).map(ref)));
      next.push(k);
    }
    level = next;
  }
  return level[0]!;
}

/** n independent leaf tasks, summed by a width-8 tree: the shape of a reduction of tiny partitions. */
function treeGraph(n: number, op: string, args: (i: number) => unknown[]): { g: Graph; root: Key } {
  const g: Graph = new Map();
  const leaves: Key[] = [];
  for (let i = 0; i < n; i++) {
    g.set(`leaf#${i}`, task(`leaf#${i}`, op, args(i)));
    leaves.push(`leaf#${i}`);
  }
  return { g, root: addSumTree(g, leaves) };
}

async function overhead(): Promise<void> {
  console.log('\n## pool overhead (2 worker threads, tiny tasks)');
  const n = 20_000;
  const flat: Graph = new Map();
  for (let i = 0; i < n; i++) flat.set(`e#${i}`, task(`e#${i}`, 'test.noop', []));
  const keys = [...flat.keys()];
  for (const chunksize of [1, 16, null]) {
    const ex = threads(2, chunksize);
    await timed(flat, keys, ex); // warm: pool start-up and JIT
    const ms = median([await timed(flat, keys, ex), await timed(flat, keys, ex), await timed(flat, keys, ex)]);
    console.log(`empty tasks, chunksize ${chunksize ?? 'auto'}: ${((n / ms) * 1000).toFixed(0)} tasks/s (${((ms * 1000) / n).toFixed(1)} us/task)`);
    await ex.close();
  }
  const { g, root } = treeGraph(87_500, 'test.add', (i) => [i, 1]);
  for (const [name, ex] of [['sync', new SyncExecutor()], ['threads auto', threads(2, null)]] as const) {
    await timed(g, [root], ex);
    const ms = median([await timed(g, [root], ex), await timed(g, [root], ex), await timed(g, [root], ex)]);
    console.log(`${g.size}-task graph (87.5k leaves + sum tree), ${name}: ${(ms / 1000).toFixed(2)} s`);
    if (ex instanceof ThreadsExecutor) await ex.close();
  }
}

async function speedup(): Promise<void> {
  console.log('\n## CPU-bound reduction: 16 partitions of ~90 ms of CPU each');
  const { g, root } = treeGraph(16, 'test.spin', () => [6_000_000]);
  const sync = new SyncExecutor();
  const ex = threads(2, null);
  await timed(g, [root], ex);
  const tSync = median([await timed(g, [root], sync), await timed(g, [root], sync), await timed(g, [root], sync)]);
  const tThreads = median([await timed(g, [root], ex), await timed(g, [root], ex), await timed(g, [root], ex)]);
  console.log(`sync ${tSync.toFixed(0)} ms, threads(2) ${tThreads.toFixed(0)} ms: speed-up ${(tSync / tThreads).toFixed(2)}x (${availableParallelism()} cores)`);
  await ex.close();
}

async function transfer(): Promise<void> {
  console.log('\n## partition round trip to a worker and back (identity op), median of 7');
  const exs: Array<[string, Executor & { close(): Promise<void> }]> = [
    ['threads', threads(1, 1)],
    ['processes', new ProcessesExecutor({ numWorkers: 1, chunksize: 1, modules })],
  ];
  for (const [name, ex] of exs) {
    for (const mb of [1, 100]) {
      const batch = rangeBatch((mb * 1e6) / 8);
      const g: Graph = new Map([['id#0', task('id#0', 'test.identity', [batch])]]);
      await timed(g, ['id#0'], ex);
      const ts: number[] = [];
      for (let i = 0; i < 7; i++) ts.push(await timed(g, ['id#0'], ex));
      console.log(`${name}: ${mb} MB ${median(ts).toFixed(2)} ms`);
    }
    await ex.close();
  }
  const big = rangeBatch(100e6 / 8);
  const t0 = performance.now();
  structuredClone((big.getChild('x')!.data[0]!.values as Float64Array).slice());
  console.log(`(for scale: structuredClone of a 100 MB Float64Array ${(performance.now() - t0).toFixed(0)} ms)`);
}

async function uneven(): Promise<void> {
  console.log('\n## 4 slow (400 ms) then 12 fast (50 ms) tasks on 4 workers');
  const g: Graph = new Map();
  for (let i = 0; i < 16; i++) g.set(`t#${i}`, task(`t#${i}`, 'test.block', [i < 4 ? 400 : 50]));
  const keys = [...g.keys()];
  console.log('ideal: 550 ms (each slow task on its own worker, then 12 fast tasks in 3 rounds of 4)');
  for (const chunksize of [1, 4, null]) {
    const ex = threads(4, chunksize);
    await timed(new Map([['w#0', task('w#0', 'test.noop', [])]]), ['w#0'], ex);
    const ms = median([await timed(g, keys, ex), await timed(g, keys, ex), await timed(g, keys, ex)]);
    const label = chunksize === 1 ? 'dynamic (chunksize 1)' : chunksize === 4 ? 'static (chunksize 4)' : 'automatic (chunksize null)';
    console.log(`${label}: ${ms.toFixed(0)} ms`);
    await ex.close();
  }
}

/** Runs in a fresh process: peak RSS of sum over n partitions of 16 MB, each generated and reduced in a worker. */
async function rssChild(n: number): Promise<void> {
  const g: Graph = new Map();
  for (let i = 0; i < n; i++) {
    g.set(`range#${i}`, task(`range#${i}`, 'test.range', [2_000_000, i]));
    g.set(`sum#${i}`, task(`sum#${i}`, 'test.sum', [ref(`range#${i}`)]));
  }
  const root = addSumTree(g, [...Array(n).keys()].map((i) => `sum#${i}`));
  const fused = fuseLinearChains(g, [root]);
  const ex = threads(2, null);
  const t0 = performance.now();
  await runGraph(fused, [root], ex);
  const ms = performance.now() - t0;
  await ex.close();
  process.stdout.write(JSON.stringify({ n, maxRssMb: process.resourceUsage().maxRSS / 1024, ms }));
}

async function rss(): Promise<void> {
  console.log('\n## peak RSS of a reduction over N partitions of 16 MB (2M float64 rows), threads(2), fresh process each');
  const self = fileURLToPath(import.meta.url);
  for (const n of [8, 32, 128]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--rss-child', String(n)], { encoding: 'utf8' });
    const r = JSON.parse(out) as { maxRssMb: number; ms: number };
    console.log(`${n} partitions (${(n * 16).toFixed(0)} MB total): peak RSS ${r.maxRssMb.toFixed(0)} MB, ${r.ms.toFixed(0)} ms`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--rss-child') {
  await rssChild(Number(args[1]));
} else {
  const sections: Record<string, () => Promise<void>> = { overhead, speedup, transfer, uneven, rss };
  for (const name of args.length > 0 ? args : Object.keys(sections)) {
    const fn = sections[name];
    if (!fn) throw new Error(`unknown section '${name}'; choose from ${Object.keys(sections).join(', ')}`);
    await fn();
  }
}
