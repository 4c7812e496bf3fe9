// Array benchmarks side by side with NumPy (one thread) and dask.array (threads), in one run:
// (a) mean(exp(x) + 3 sin(x)) over 2e8 float64, (b) x.T @ x for 20000 x 2000 in row chunks then Cholesky,
// (c) random normal of 1e8 values, (d) sum(axis=0) of 20000 x 5000. Prints times and ratios; record them
// in bench/RESULTS.md. usage: node --import tsx bench/array.ts [--scale 1] [--workers N]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { array, random, closeExecutors, type NDArray } from '../src/index.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const scale = flag('scale', 1);
const workers = flag('workers', 0) || undefined;

const sizes = {
  a: Math.max(1000, Math.round(2e8 * scale)),
  bRows: Math.max(200, Math.round(20000 * Math.sqrt(scale))),
  bCols: Math.max(20, Math.round(2000 * Math.sqrt(scale))),
  c: Math.max(1000, Math.round(1e8 * scale)),
  dRows: Math.max(200, Math.round(20000 * Math.sqrt(scale))),
  dCols: Math.max(50, Math.round(5000 * Math.sqrt(scale))),
};
// Debian's python3-numpy / python3-dask install for the system interpreter, which a pyenv shim on PATH may hide.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const CHUNK = 2 ** 22; // 32 MiB of float64 per block for the 1-D cases

interface Row {
  name: string;
  tessera: number;
  numpy: number | null;
  dask: number | null;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

function python(code: string, threads: number | null): number | null {
  const env = { ...process.env, ...(threads === 1 ? { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } : {}) };
  const r = spawnSync(PYTHON, ['-c', code], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.log(`  (python failed: ${(r.stderr || '').trim().split('\n').pop()})`);
    return null;
  }
  return Number(r.stdout.trim().split('\n').pop());
}

function havePython(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
}

function ensurePeer(module: string, pkg: string): boolean {
  if (havePython(module)) return true;
  console.log(`${module} not found: trying apt-get install -y ${pkg}`);
  try {
    execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit' });
  } catch {
    console.log(`  could not install ${pkg} (needs root and a reachable archive): ${module} is skipped`);
  }
  return havePython(module);
}

const hasNumpy = ensurePeer('numpy', 'python3-numpy');
const hasDask = hasNumpy && ensurePeer('dask', 'python3-dask');

// Each peer script prints the seconds of the timed part on its last line.
const peer = {
  a: (lib: 'np' | 'da') => lib === 'np'
    ? `import numpy as np, time\nx = np.random.default_rng(1).random(${sizes.a})\nt = time.perf_counter(); (np.exp(x) + 3*np.sin(x)).mean(); print(time.perf_counter() - t)`
    : `import dask.array as da, time\nx = da.random.random(${sizes.a}, chunks=${CHUNK}).persist()\nt = time.perf_counter(); (da.exp(x) + 3*da.sin(x)).mean().compute(); print(time.perf_counter() - t)`,
  b: (lib: 'np' | 'da') => lib === 'np'
    ? `import numpy as np, time\nx = np.random.default_rng(1).random((${sizes.bRows}, ${sizes.bCols}))\nt = time.perf_counter(); g = x.T @ x; np.linalg.cholesky(g + ${sizes.bCols} * np.eye(${sizes.bCols})); print(time.perf_counter() - t)`
    : `import dask.array as da, numpy as np, time\nx = da.random.random((${sizes.bRows}, ${sizes.bCols}), chunks=(${Math.ceil(sizes.bRows / 10)}, ${sizes.bCols})).persist()\nt = time.perf_counter(); g = (x.T @ x).compute(); np.linalg.cholesky(g + ${sizes.bCols} * np.eye(${sizes.bCols})); print(time.perf_counter() - t)`,
  c: (lib: 'np' | 'da') => lib === 'np'
    ? `import numpy as np, time\nrng = np.random.default_rng(1)\nt = time.perf_counter(); rng.standard_normal(${sizes.c}).sum(); print(time.perf_counter() - t)`
    : `import dask.array as da, time\nt = time.perf_counter(); da.random.RandomState(1).standard_normal(${sizes.c}, chunks=${CHUNK}).sum().compute(); print(time.perf_counter() - t)`,
  d: (lib: 'np' | 'da') => lib === 'np'
    ? `import numpy as np, time\nx = np.random.default_rng(1).random((${sizes.dRows}, ${sizes.dCols}))\nt = time.perf_counter(); x.sum(axis=0); print(time.perf_counter() - t)`
    : `import dask.array as da, time\nx = da.random.random((${sizes.dRows}, ${sizes.dCols}), chunks=(${Math.ceil(sizes.dRows / 8)}, ${sizes.dCols})).persist()\nt = time.perf_counter(); x.sum(axis=0).compute(); print(time.perf_counter() - t)`,
};

/** Materialises an array once (like dask's persist) so the timed part excludes making the input. */
async function persisted(x: NDArray): Promise<NDArray> {
  const v = await x.compute({ scheduler: 'threads', numWorkers: workers });
  return array.fromTypedArray(v.data as Float64Array, x.shape, { chunks: x.chunks });
}

const opts = { scheduler: 'threads' as const, numWorkers: workers };
const rows: Row[] = [];
const g = random.generator(1);

{
  const x = await persisted(g.uniform(sizes.a, { chunks: CHUNK }));
  await x.exp().add(x.sin().mul(3)).mean().compute(opts); // warm the pool and the compiled loop
  const t = await timeIt(() => x.exp().add(x.sin().mul(3)).mean().compute(opts));
  rows.push({ name: `(a) mean(exp(x) + 3 sin(x)), ${sizes.a} values`, tessera: t, numpy: hasNumpy ? python(peer.a('np'), 1) : null, dask: hasDask ? python(peer.a('da'), null) : null });
}
{
  const x = await persisted(g.uniform([sizes.bRows, sizes.bCols], { chunks: [Math.ceil(sizes.bRows / 10), sizes.bCols] }));
  const job = () => array.linalg.cholesky(x.T.matmul(x).add(array.eye(sizes.bCols).mul(sizes.bCols))).compute(opts);
  const t = await timeIt(job);
  rows.push({ name: `(b) x.T @ x then Cholesky, ${sizes.bRows}x${sizes.bCols}`, tessera: t, numpy: hasNumpy ? python(peer.b('np'), 1) : null, dask: hasDask ? python(peer.b('da'), null) : null });
}
{
  const t = await timeIt(() => g.normal(sizes.c, { chunks: CHUNK }).sum().compute(opts));
  rows.push({ name: `(c) random normal, ${sizes.c} values (summed)`, tessera: t, numpy: hasNumpy ? python(peer.c('np'), 1) : null, dask: hasDask ? python(peer.c('da'), null) : null });
}
{
  const x = await persisted(g.uniform([sizes.dRows, sizes.dCols], { chunks: [Math.ceil(sizes.dRows / 8), sizes.dCols] }));
  const t = await timeIt(() => x.sum({ axis: 0 }).compute(opts));
  rows.push({ name: `(d) sum(axis=0), ${sizes.dRows}x${sizes.dCols}`, tessera: t, numpy: hasNumpy ? python(peer.d('np'), 1) : null, dask: hasDask ? python(peer.d('da'), null) : null });
}
await closeExecutors();

const fmt = (x: number | null) => (x === null ? 'skipped' : `${x.toFixed(3)} s`);
const ratio = (t: number, p: number | null) => (p === null ? '' : `${(t / p).toFixed(2)}x`);
console.log(`\nscale ${scale}; tessera on threads (${workers ?? 'default'} workers); NumPy one thread; dask.array threads`);
console.log('| workload | tessera | NumPy | dask.array | tessera/NumPy | tessera/dask |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${fmt(r.tessera)} | ${fmt(r.numpy)} | ${fmt(r.dask)} | ${ratio(r.tessera, r.numpy)} | ${ratio(r.tessera, r.dask)} |`);
