// Case (b) of bench/array.ts alone, with CPU accounting and a timeline: x.T @ x of a 20000 x 2000 float64
// array in 10 row chunks, then its Cholesky factor, on the threads scheduler. Per run: wall seconds, the
// process's CPU seconds (main thread + workers: they are threads of this process), the main thread's own CPU,
// the minor page faults (fresh memory: ~10 us each on these VMs once resident memory grows) and resident memory,
// and (with --trace) every op each thread ran with its start/end relative to the run's start, plus the time
// no worker was busy.
// usage: node --import tsx bench/gram.ts [--rows 20000] [--cols 2000] [--chunks 10] [--repeat 5] [--trace] [--after-a]

import { BroadcastChannel } from 'node:worker_threads';
import { array, compute, random, closeExecutors } from '../src/index.ts';
import { TRACE_CHANNEL, threadCpuMs, type TraceEvent } from './gram-trace.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${argv[i + 1]}`);
  return v;
};
const ROWS = arg('rows', 20000), COLS = arg('cols', 2000), CHUNKS = arg('chunks', 10), REPEAT = arg('repeat', 5);
const TRACE = argv.includes('--trace');
// --after-a: first run case (a) of bench/array.ts (2e8 float64 persisted, then mean(exp(x) + 3 sin(x))), as the
// full bench does before (b) in the same process
const AFTER_A = argv.includes('--after-a');

const traceModule = new URL('./gram-trace.ts', import.meta.url).href;
const opts = { scheduler: 'threads' as const, ...(TRACE ? { workerModules: [traceModule] } : {}) };

const events: TraceEvent[] = [];
const channel = new BroadcastChannel(TRACE_CHANNEL);
channel.onmessage = (m) => events.push((m as { data: TraceEvent }).data);

if (AFTER_A) {
  const a0 = random.generator(1).uniform(2e8, { chunks: 2 ** 22 });
  const av = await a0.compute(opts);
  const a = array.fromTypedArray(av.data as Float64Array, a0.shape, { chunks: a0.chunks });
  for (let i = 0; i < 4; i++) await a.exp().add(a.sin().mul(3)).mean().compute(opts);
}
const x0 = random.generator(1).uniform([ROWS, COLS], { chunks: [Math.ceil(ROWS / CHUNKS), COLS] });
const v = await x0.compute(opts);
const x = array.fromTypedArray(v.data as Float64Array, x0.shape, { chunks: x0.chunks });
const gram = x.T.matmul(x);

function check(G: Float64Array, L: Float64Array): void {
  // L L^T = G on a sample of entries (the full check is n^3)
  const n = COLS;
  let worst = 0, scale = 0;
  for (let t = 0; t < 2000; t++) {
    const i = (t * 7919) % n, j = (t * 104729) % n;
    let s = 0;
    for (let p = 0; p <= Math.min(i, j); p++) s += L[i * n + p]! * L[j * n + p]!;
    worst = Math.max(worst, Math.abs(s - G[i * n + j]!));
    scale = Math.max(scale, Math.abs(G[i * n + j]!));
  }
  if (!(worst / scale < 1e-10)) throw new Error(`wrong answer: |L L^T - G| / |G| = ${worst / scale}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const walls: number[] = [], cpus: number[] = [], mains: number[] = [], syss: number[] = [];
for (let r = -1; r < REPEAT; r++) {
  await sleep(200); // trace messages of the last run arrive; the pool goes idle
  events.length = 0;
  const c0 = process.cpuUsage(), m0 = threadCpuMs(), f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.timeOrigin + performance.now();
  const [gv, lv] = await compute(gram, array.linalg.cholesky(gram), opts);
  const t1 = performance.timeOrigin + performance.now();
  const c = process.cpuUsage(c0), main = threadCpuMs() - m0, faults = process.resourceUsage().minorPageFault - f0;
  check(gv.data as Float64Array, lv.data as Float64Array);
  if (r < 0) continue; // warm-up
  walls.push((t1 - t0) / 1000);
  cpus.push((c.user + c.system) / 1e6);
  syss.push(c.system / 1e6);
  mains.push(main / 1000);
  console.log(`run ${r}: wall ${((t1 - t0) / 1000).toFixed(3)} s, cpu ${((c.user + c.system) / 1e6).toFixed(3)} s (system ${(c.system / 1e6).toFixed(3)} s; main thread ${(main / 1000).toFixed(3)} s), ${faults} page faults, resident ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB after`);
  if (TRACE) {
    await sleep(100);
    const threads = [...new Set(events.map((e) => e.thread))].sort((a, b) => a - b);
    const rows = [...events].sort((a, b) => a.start - b.start);
    for (const e of rows) console.log(`  t${e.thread} ${e.op.padEnd(24)} ${(e.start - t0).toFixed(0).padStart(5)} -> ${(e.end - t0).toFixed(0).padStart(5)} ms (${(e.end - e.start).toFixed(0)} ms wall, ${e.cpu.toFixed(0)} ms cpu)`);
    // time with 0, 1, 2... workers busy
    const marks = rows.flatMap((e) => [[e.start - t0, 1], [e.end - t0, -1]] as const).sort((a, b) => a[0] - b[0]);
    const busy = new Map<number, number>();
    let at = 0, level = 0;
    for (const [t, d] of [...marks, [(t1 - t0), 0] as const]) {
      busy.set(level, (busy.get(level) ?? 0) + (t - at));
      at = t;
      level += d;
    }
    console.log(`  threads ${threads.join(', ')}; ms with k ops running: ${[...busy].sort((a, b) => a[0] - b[0]).map(([k, ms]) => `${k}: ${ms.toFixed(0)}`).join(', ')}; last op end -> compute resolved ${(t1 - t0 - Math.max(...rows.map((e) => e.end - t0))).toFixed(0)} ms`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n${ROWS} x ${COLS} in ${CHUNKS} row chunks, ${REPEAT} runs: median wall ${median(walls).toFixed(3)} s, cpu ${median(cpus).toFixed(3)} s, system ${median(syss).toFixed(3)} s, main thread cpu ${median(mains).toFixed(3)} s`);
channel.close();
await closeExecutors();
