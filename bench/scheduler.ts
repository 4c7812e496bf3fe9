// Scheduler overhead: the cost per task of the sync scheduler core on graphs of 100k+ tiny tasks, and
// the time to build and optimise such a graph. Prints a table; record results in bench/RESULTS.md.
// usage: node --import tsx bench/scheduler.ts [leaves=87500]

import { type Graph, type Key, ref, task } from '../src/scheduler/graph.ts';
import { registerOp } from '../src/scheduler/registry.ts';
import { tokenize } from '../src/scheduler/tokenize.ts';
import { cull, fuseLinearChains } from '../src/scheduler/optimize-graph.ts';
import { order } from '../src/scheduler/order.ts';
import { runGraph } from '../src/scheduler/run-graph.ts';
import { SyncExecutor } from '../src/scheduler/executors/sync.ts';
import { fromColumns } from '../src/index.ts';

registerOp('bench.leaf', (i: number) => i);
registerOp('bench.inc', (x: number) => x + 1);
registerOp('bench.sum', (xs: number[]) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
});

const leaves = Number(process.argv[2] ?? 87500);

/** leaves -> inc (a linear link, fusable) -> tree sum of width 8: about 2.14 tasks per leaf. */
function buildGraph(n: number): { graph: Graph; root: Key } {
  const graph: Graph = new Map();
  let level: Key[] = [];
  for (let i = 0; i < n; i++) {
    const leaf = task(`${tokenize('leaf', i)}#${i}`, 'bench.leaf', [i]);
    const inc = task(`${tokenize('inc', leaf.key)}#${i}`, 'bench.inc', [ref(leaf.key)]);
    graph.set(leaf.key, leaf);
    graph.set(inc.key, inc);
    level.push(inc.key);
  }
  for (let depth = 0; level.length > 1; depth++) {
    const next: Key[] = [];
    for (let j = 0; j < level.length; j += 8) {
      const t = task(`sum-${depth}#${j / 8}`, 'bench.sum', [level.slice(j, j + 8).map(ref)]);
      graph.set(t.key, t);
      next.push(t.key);
    }
    level = next;
  }
  return { graph, root: level[0]! };
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

const rows: Array<[string, string, string]> = [];
const add = (what: string, ms: number, per: string) => rows.push([what, `${ms.toFixed(1)} ms`, per]);

const [{ graph, root }, buildMs] = time(() => buildGraph(leaves));
const n = graph.size;
add(`build graph (${n} tasks, tokenized keys)`, buildMs, `${((buildMs * 1000) / n).toFixed(2)} us/task`);
const [culled, cullMs] = time(() => cull(graph, [root]));
add('cull', cullMs, `${((cullMs * 1000) / n).toFixed(2)} us/task`);
const [fused, fuseMs] = time(() => fuseLinearChains(culled, [root]));
add(`fuse linear chains (-> ${fused.size} tasks)`, fuseMs, `${((fuseMs * 1000) / n).toFixed(2)} us/task`);
const [, orderMs] = time(() => order(fused, [root]));
add('order (depth-first priorities)', orderMs, `${((orderMs * 1000) / fused.size).toFixed(2)} us/task`);

const expected = (leaves * (leaves - 1)) / 2 + leaves;
for (const [label, g] of [['run unfused', culled], ['run fused', fused]] as const) {
  // best of 3: the first run also pays JIT warm-up
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const [out, ms] = await timeAsync(() => runGraph(g, [root], new SyncExecutor(), { culled: true }));
    if (out.get(root) !== expected) throw new Error(`wrong result ${out.get(root)} != ${expected}`);
    best = Math.min(best, ms);
  }
  add(`sync ${label} (${g.size} tasks, incl. order)`, best, `${((best * 1000) / g.size).toFixed(2)} us/task`);
}

// End to end through the collections: 20k one-row partitions, sum of a column.
const parts = 20000;
const df = fromColumns({ x: new Float64Array(parts).fill(1) }, { npartitions: parts });
let best = Infinity;
let ntasks = 0;
for (let rep = 0; rep < 3; rep++) {
  const [v, ms] = await timeAsync(() => df.col('x').sum().compute({ scheduler: 'sync', listeners: [{ onStart: (i) => (ntasks = i.total) }] }));
  if (v !== parts) throw new Error(`wrong sum ${v}`);
  best = Math.min(best, ms);
}
add(`collection sum over ${parts} partitions (${ntasks} tasks, plan+lower+run)`, best, `${((best * 1000) / ntasks).toFixed(2)} us/task`);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'step'.padEnd(width)} | time       | per task`);
console.log(`${'-'.repeat(width)}-|------------|----------`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(width)} | ${b.padStart(10)} | ${c}`);
