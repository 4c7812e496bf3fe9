// Futures client benchmarks (issue 15), side by side with Dask in the same run: per-task overhead of map
// over 100k tiny tasks (chunksize 1 and automatic) against Dask distributed's client.map (LocalCluster with
// processes and with threads) and dask.delayed on the threaded scheduler; 4 slow + 12 fast tasks under
// dynamic and static allocation; 8 tasks over one 400 MB array (time and peak memory). Every case checks
// its answer before its time counts.
// usage: node --import tsx bench/futures.ts [overhead] [mix] [shared] [--n 100000] [--dask-n 100000] [--reps 3] [--dask-reps 3]
// (--dask-n below --n also times tessera at Dask's task count, so per-task costs compare at the same n)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from '../src/index.ts';
import { slowFast } from '../examples/slow-fast.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = option('n', 100_000);
const DASK_N = option('dask-n', N);
const REPS = option('reps', 3);
const DASK_REPS = option('dask-reps', REPS);
const WORKERS = 2;
const sections = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const want = (s: string): boolean => sections.length === 0 || sections.includes(s);
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`wrong answer: ${what}`);
}

/** Seconds for map of n tiny tasks (x + 1) through gather, on a fresh client each time. */
async function tesseraMap(n: number, chunksize: number | null, scheduler: 'threads' | 'processes' | 'sync'): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const client = await createClient({ scheduler, numWorkers: WORKERS, chunksize });
    try {
      await client.gather(client.map((x: number) => x + 1, [0, 1, 2, 3])); // start the pool
      const items = Array.from({ length: n }, (_, i) => i);
      const t0 = performance.now();
      const got = (await client.gather(client.map((x: number) => x + 1, items))) as number[];
      times.push((performance.now() - t0) / 1000);
      let sum = 0;
      for (const v of got) sum += v;
      check(sum === (n * (n + 1)) / 2 && got.length === n, `tessera map ${scheduler}/${chunksize}`);
    } finally {
      await client.close();
    }
  }
  return median(times);
}

const DASK = String.raw`
import json, sys, time, resource, logging
import numpy as np
import dask
from dask import delayed
from dask.distributed import Client, LocalCluster
logging.disable(logging.WARNING)
n, reps, workers, what = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def inc(x):
    return x + 1
def med(xs):
    return sorted(xs)[len(xs) // 2]
out = {}
expected = n * (n + 1) // 2
if what == 'overhead':
    for name, kw in [('distributed processes', dict(processes=True, n_workers=workers, threads_per_worker=1)),
                     ('distributed threads', dict(processes=False, n_workers=1, threads_per_worker=workers))]:
        times = []
        with LocalCluster(dashboard_address=None, **kw) as cluster, Client(cluster) as client:
            client.gather(client.map(inc, range(4)))
            for r in range(reps):
                t0 = time.perf_counter()
                got = client.gather(client.map(inc, range(r * n, r * n + n)))  # fresh keys each rep
                times.append(time.perf_counter() - t0)
                assert sum(got) - r * n * n == expected and len(got) == n, name
        out[name] = med(times)
    times = []
    for r in range(reps):
        t0 = time.perf_counter()
        got = dask.compute(*[delayed(inc)(i) for i in range(n)], scheduler='threads', num_workers=workers)
        times.append(time.perf_counter() - t0)
        assert sum(got) == expected
    out['delayed threads'] = med(times)
elif what == 'shared':
    mb = n
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with LocalCluster(dashboard_address=None, processes=False, n_workers=1, threads_per_worker=workers) as cluster, Client(cluster) as client:
        client.gather(client.map(inc, range(4)))
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        m = mb * 2**20 // 8
        data = np.arange(m, dtype=np.float64)  # one 400 MB buffer, transformed in place (no temporaries)
        np.mod(data, 1000, out=data)
        data /= 1000
        t0 = time.perf_counter()
        fut = client.scatter(data)
        shares = client.gather([client.submit(lambda a, t: float((a > t).mean()), fut, (k + 1) / 9, pure=False) for k in range(8)])
        secs = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {'secs': secs, 'peakMb': peak / 1024, 'baselineMb': baseline / 1024, 'copies': (peak - baseline) * 1024 / (m * 8), 'shares': shares}
print(json.dumps(out))
`;

function dask(what: 'overhead' | 'shared', n: number): Record<string, unknown> | null {
  if (spawnSync(PYTHON, ['-c', 'import dask.distributed, numpy']).status !== 0) {
    console.log(`(Dask distributed is not importable with ${PYTHON}: its columns are skipped)`);
    return null;
  }
  const r = spawnSync(PYTHON, ['-c', DASK, String(n), String(DASK_REPS), String(WORKERS), what], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 3_600_000 });
  if (r.status !== 0) throw new Error(`the Dask run failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const us = (secs: number, n: number): string => `${((secs / n) * 1e6).toFixed(1)} us/task`;
const rate = (secs: number, n: number): string => `${Math.round(n / secs).toLocaleString('en-US')} tasks/s`;

console.log(`bench/futures.ts ${new Date().toISOString()} Node ${process.version}, ${WORKERS} workers, medians of ${REPS}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

if (want('overhead')) {
  console.log(`\n## map of ${N.toLocaleString('en-US')} tiny tasks (x + 1), submit to gathered${DASK_N !== N ? ` (Dask: ${DASK_N.toLocaleString('en-US')})` : ''}`);
  const rows: Array<[string, number, number]> = [];
  rows.push(['tessera threads, chunksize 1', await tesseraMap(N, 1, 'threads'), N]);
  rows.push(['tessera threads, automatic', await tesseraMap(N, null, 'threads'), N]);
  rows.push(['tessera processes, automatic', await tesseraMap(N, null, 'processes'), N]);
  rows.push(['tessera sync', await tesseraMap(N, null, 'sync'), N]);
  if (DASK_N !== N) {
    rows.push([`tessera threads, chunksize 1, n=${DASK_N}`, await tesseraMap(DASK_N, 1, 'threads'), DASK_N]);
    rows.push([`tessera threads, automatic, n=${DASK_N}`, await tesseraMap(DASK_N, null, 'threads'), DASK_N]);
  }
  const d = dask('overhead', DASK_N);
  if (d) for (const [name, secs] of Object.entries(d)) rows.push([`dask ${name}`, secs as number, DASK_N]);
  for (const [name, secs, n] of rows) console.log(`${name.padEnd(44)} ${secs.toFixed(2).padStart(7)} s  ${rate(secs, n).padStart(16)}  ${us(secs, n)}`);
  if (d) {
    const perTask = (name: string) => { const r = rows.find((x) => x[0] === name)!; return r[1] / r[2]; };
    const sameN = DASK_N !== N ? `, n=${DASK_N}` : '';
    for (const ours of [`tessera threads, chunksize 1${sameN}`, `tessera threads, automatic${sameN}`]) {
      for (const theirs of ['dask distributed processes', 'dask distributed threads', 'dask delayed threads']) {
        console.log(`per-task overhead, ${theirs} / ${ours}: ${(perTask(theirs) / perTask(ours)).toFixed(1)}x`);
      }
    }
  }
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

if (want('mix')) {
  console.log('\n## 4 slow (400 ms) + 12 fast (50 ms) CPU-bound tasks on 2 threads; ideal 1100 ms');
  const runs: Record<string, number[]> = {};
  for (let r = 0; r < REPS; r++) {
    for (const run of await slowFast(400, 50, 'threads')) {
      check(run.ids.join() === Array.from({ length: 16 }, (_, i) => i).join(), run.policy);
      (runs[run.policy] ??= []).push(run.ms);
    }
  }
  for (const [policy, ms] of Object.entries(runs)) console.log(`${policy.padEnd(24)} ${median(ms).toFixed(0)} ms (runs: ${ms.map((x) => x.toFixed(0)).join(', ')})`);
}

if (want('shared')) {
  console.log('\n## 8 tasks over one 400 MB Float64Array (share of values above k/9), threads');
  const script = fileURLToPath(new URL('../examples/shared-data.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '400', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; peakMb: number; baselineMb: number; copies: number; shares: number[] };
  const d = dask('shared', 400);
  if (d) {
    const theirs = d.shares as number[];
    check(theirs.every((v, i) => Math.abs(v - t.shares[i]!) < 1e-12), 'dask and tessera shares agree');
  }
  console.log(`tessera threads: ${t.ms.toFixed(0)} ms, peak ${t.peakMb.toFixed(0)} MB over baseline ${t.baselineMb.toFixed(0)} MB = ${t.copies.toFixed(2)} copies`);
  if (d) console.log(`dask distributed threads (scatter + 8 numpy tasks): ${((d.secs as number) * 1000).toFixed(0)} ms, peak ${(d.peakMb as number).toFixed(0)} MB over baseline ${(d.baselineMb as number).toFixed(0)} MB = ${(d.copies as number).toFixed(2)} copies`);
}
