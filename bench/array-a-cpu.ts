// Issue 14 case (a), mean(exp(x) + 3 sin(x)), as CPU nanoseconds per element: the box is shared, so wall time
// says little, while the process's CPU time (main thread and every worker: process.cpuUsage counts all
// threads) is what the work costs. x is made and persisted as bench/array.ts does (uniform [0, 1), 2^22 chunks).
// usage: node --import tsx bench/array-a-cpu.ts [--n 2e8] [--repeat 7] [--scheduler threads|sync] [--workers N]

import { array, random, closeExecutors, type NDArray } from '../src/index.ts';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const n = Number(arg('n') ?? 2e8);
const repeat = Number(arg('repeat') ?? 7);
const scheduler = (arg('scheduler') ?? 'threads') as 'threads' | 'sync';
if (scheduler !== 'threads' && scheduler !== 'sync') throw new Error(`--scheduler must be threads or sync, got ${scheduler}`);
const workers = arg('workers') ? Number(arg('workers')) : undefined;
const opts = { scheduler, ...(workers ? { numWorkers: workers } : {}) };

const v = await random.generator(1).uniform(n, { chunks: 2 ** 22 }).compute(opts);
const x: NDArray = array.fromTypedArray(v.data as Float64Array, [n], { chunks: 2 ** 22 });
const want = Math.E - 1 + 3 * (1 - Math.cos(1));
const job = async (): Promise<number> => (await x.exp().add(x.sin().mul(3)).mean().compute(opts)).data[0] as number;

await job(); // warm-up: pool, compiled kernels
const cpuNs: number[] = [];
const wallS: number[] = [];
let mean = 0;
for (let r = 0; r < repeat; r++) {
  const c = process.cpuUsage();
  const t = performance.now();
  mean = await job();
  const dt = (performance.now() - t) / 1000;
  const dc = process.cpuUsage(c);
  cpuNs.push(((dc.user + dc.system) * 1e3) / n);
  wallS.push(dt);
}
await closeExecutors();
const med = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
const tol = (6 * 1.3) / Math.sqrt(n);
if (Math.abs(mean - want) > tol) throw new Error(`mean ${mean} is not ${want} +- ${tol}`);
console.log(`case (a) n=${n} ${scheduler}${workers ? ` ${workers} workers` : ''}: CPU ns/element median ${med(cpuNs).toFixed(2)} (min ${Math.min(...cpuNs).toFixed(2)}, runs ${cpuNs.map((c) => c.toFixed(2)).join(' ')}); wall median ${med(wallS).toFixed(3)} s (min ${Math.min(...wallS).toFixed(3)}); mean ${mean}`);
