// Array benchmarks side by side with NumPy (one thread) and dask.array (threads), in one run:
// (a) mean(exp(x) + 3 sin(x)) over 2e8 float64, (b) x.T @ x for 20000 x 2000 in row chunks then Cholesky,
// (c) random normal of 1e8 values (summed), (d) sum(axis=0) of 20000 x 5000. Every contender's answer is
// checked before its time counts; medians of --repeat runs; prints a markdown section for bench/RESULTS.md.
// usage: node --import tsx bench/array.ts [--size small|full] [--repeat 3] [--rounds 1] [--workers N] [--case abcd]
// (--case runs only the listed cases, e.g. --case b; --rounds R times tessera, NumPy and dask in turn R times
// and pools their runs, so that a slow spell of this shared machine falls on every contender)

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { array, compute, random, closeExecutors, type NDArray } from '../src/index.ts';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const size = arg('size') ?? 'small';
if (size !== 'small' && size !== 'full') throw new Error(`--size must be small or full, got ${size}`);
const repeat = Number(arg('repeat') ?? 3);
const rounds = Number(arg('rounds') ?? 1);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds must be a positive integer, got ${arg('rounds')}`);
const workers = arg('workers') ? Number(arg('workers')) : undefined;
const cases = arg('case') ?? 'abcd';
if (!/^[abcd]+$/.test(cases)) throw new Error(`--case takes letters of abcd (the cases to run), got ${cases}`);
const runs = (c: string): boolean => cases.includes(c);

const SIZES = {
  full: { a: 2e8, bRows: 20000, bCols: 2000, c: 1e8, dRows: 20000, dCols: 5000 },
  small: { a: 2e6, bRows: 4000, bCols: 200, c: 1e6, dRows: 2000, dCols: 500 },
}[size];
// 1-D cases: 2^22 float64 (32 MiB) per block; 2-D cases: 8 row blocks (x.T @ x: 10), as the dask peers
const CHUNK = 2 ** 22;
const B_CHUNK = Math.ceil(SIZES.bRows / 10);
const D_CHUNK = Math.ceil(SIZES.dRows / 8);

// Debian's python3-numpy / python3-dask install for the system interpreter, which a pyenv shim on PATH may hide.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const median = (xs: number[]): number => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface PeerResult {
  seconds: number[];
  answer: number[];
}

/** Runs a peer script that prints one JSON line {seconds: [...], answer: [...]}; null (with the reason shown) if it fails. */
function python(code: string, oneThread: boolean): PeerResult | null {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // numpy's BLAS tuned for this box, not the values set for the JS build
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (oneThread) Object.assign(env, { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' });
  const r = spawnSync(PYTHON, ['-c', code], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.log(`  (python failed: ${(r.stderr || '').trim().split('\n').pop()})`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
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

// Peer scripts: make the input once (outside the timing), run the workload `repeat` times, print seconds and
// the answer summary the checks compare: (a) the mean, (b) trace of G and max |L L^T - G| / max |G|,
// (c) the sum and the count, (d) the sum of the column sums and their count.
const PRELUDE = `import json, time\nimport numpy as np\nR = ${repeat}\ndef timed(f):\n    out = []\n    for _ in range(R):\n        t = time.perf_counter(); v = f(); out.append(time.perf_counter() - t)\n    return out, v\n`;
const recon = `def recon(g, l):\n    return float(np.abs(l @ l.T - g).max() / np.abs(g).max())\n`;
const peer = {
  a: (lib: 'np' | 'da') => lib === 'np'
    ? `${PRELUDE}x = np.random.default_rng(1).random(${SIZES.a})\ns, v = timed(lambda: float((np.exp(x) + 3*np.sin(x)).mean()))\nprint(json.dumps({"seconds": s, "answer": [v]}))`
    : `${PRELUDE}import dask, dask.array as da\ndask.config.set(scheduler="threads")\nx = da.random.random(${SIZES.a}, chunks=${CHUNK}).persist()\ns, v = timed(lambda: float((da.exp(x) + 3*da.sin(x)).mean().compute()))\nprint(json.dumps({"seconds": s, "answer": [v]}))`,
  b: (lib: 'np' | 'da') => lib === 'np'
    ? `${PRELUDE}${recon}x = np.random.default_rng(1).random((${SIZES.bRows}, ${SIZES.bCols}))\ndef job():\n    g = x.T @ x\n    return g, np.linalg.cholesky(g)\ns, (g, l) = timed(job)\nprint(json.dumps({"seconds": s, "answer": [float(np.trace(g)), recon(g, l)]}))`
    : `${PRELUDE}${recon}import dask, dask.array as da\ndask.config.set(scheduler="threads")\nx = da.random.random((${SIZES.bRows}, ${SIZES.bCols}), chunks=(${B_CHUNK}, ${SIZES.bCols})).persist()\ndef job():\n    g = (x.T @ x).compute()\n    return g, np.linalg.cholesky(g)\ns, (g, l) = timed(job)\nprint(json.dumps({"seconds": s, "answer": [float(np.trace(g)), recon(g, l)]}))`,
  c: (lib: 'np' | 'da') => lib === 'np'
    ? `${PRELUDE}rng = np.random.default_rng(1)\ns, v = timed(lambda: float(rng.standard_normal(${SIZES.c}).sum()))\nprint(json.dumps({"seconds": s, "answer": [v, ${SIZES.c}]}))`
    : `${PRELUDE}import dask, dask.array as da\ndask.config.set(scheduler="threads")\nrs = da.random.RandomState(1)\ns, v = timed(lambda: float(rs.standard_normal(${SIZES.c}, chunks=${CHUNK}).sum().compute()))\nprint(json.dumps({"seconds": s, "answer": [v, ${SIZES.c}]}))`,
  d: (lib: 'np' | 'da') => lib === 'np'
    ? `${PRELUDE}x = np.random.default_rng(1).random((${SIZES.dRows}, ${SIZES.dCols}))\ns, v = timed(lambda: x.sum(axis=0))\nprint(json.dumps({"seconds": s, "answer": [float(v.sum()), len(v)]}))`
    : `${PRELUDE}import dask, dask.array as da\ndask.config.set(scheduler="threads")\nx = da.random.random((${SIZES.dRows}, ${SIZES.dCols}), chunks=(${D_CHUNK}, ${SIZES.dCols})).persist()\ns, v = timed(lambda: x.sum(axis=0).compute())\nprint(json.dumps({"seconds": s, "answer": [float(v.sum()), len(v)]}))`,
};

// ---- answer checks: each contender's answer against what its input's distribution says ----
type Check = (answer: number[]) => string | null;
const near = (got: number, want: number, tol: number, what: string): string | null =>
  Math.abs(got - want) <= tol ? null : `${what} = ${got}, expected ${want} +- ${tol}`;
const checks: Record<'a' | 'b' | 'c' | 'd', Check> = {
  // U(0,1): E = (e - 1) + 3 (1 - cos 1); sd of one term < 1.3, so 6 standard errors
  a: ([m]) => near(m!, Math.E - 1 + 3 * (1 - Math.cos(1)), 6 * 1.3 / Math.sqrt(SIZES.a), 'mean'),
  // trace of x.T x for U(0,1) entries: rows * cols / 3 (sd of u^2 is 0.298); the factor reconstructs G
  b: ([trace, err]) => near(trace!, (SIZES.bRows * SIZES.bCols) / 3, 6 * 0.298 * Math.sqrt(SIZES.bRows * SIZES.bCols), 'trace') ?? (err! < 1e-10 ? null : `|L L^T - G| / |G| = ${err}`),
  c: ([sum, n]) => (n !== SIZES.c ? `count ${n}` : near(sum!, 0, 6 * Math.sqrt(SIZES.c), 'sum of normals')),
  // sum of U(0,1) over rows * cols values: mean 1/2, sd 0.289
  d: ([sum, n]) => (n !== SIZES.dCols ? `count ${n}` : near(sum!, (SIZES.dRows * SIZES.dCols) / 2, 6 * 0.289 * Math.sqrt(SIZES.dRows * SIZES.dCols), 'sum of column sums')),
};

const opts = { scheduler: 'threads' as const, ...(workers ? { numWorkers: workers } : {}) };

/** Materialises an array once (like dask's persist) so the timed part excludes making the input. */
async function persisted(x: NDArray): Promise<NDArray> {
  const v = await x.compute(opts);
  return array.fromTypedArray(v.data as Float64Array, x.shape, { chunks: x.chunks });
}

/** Times `job` (after one warm-up run); `summarize` turns its last value into the checked answer, untimed. */
async function timeTessera<T>(job: () => Promise<T>, summarize: (v: T) => number[]): Promise<PeerResult> {
  await job(); // warm the pool and the compiled loops
  const seconds: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    last = await job();
    seconds.push((performance.now() - t) / 1000);
  }
  return { seconds, answer: summarize(last as T) };
}
const first = (v: { data: ArrayLike<unknown> }): number[] => [v.data[0] as number];

function reconstructionError(g: Float64Array, l: Float64Array, n: number): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p <= Math.min(i, j); p++) s += l[i * n + p]! * l[j * n + p]!;
      worst = Math.max(worst, Math.abs(s - g[i * n + j]!));
      scale = Math.max(scale, Math.abs(g[i * n + j]!));
    }
  }
  return worst / scale;
}

interface Row {
  name: string;
  results: Record<'tessera' | 'numpy' | 'dask', PeerResult | null>;
  check: Check;
}

const startLoad = loadavg();
const started = new Date();
const g = random.generator(1);
const rows: Row[] = [];
const peers = (key: keyof typeof peer) => ({ numpy: hasNumpy ? python(peer[key]('np'), true) : null, dask: hasDask ? python(peer[key]('da'), false) : null });

/** `rounds` turns of tessera, NumPy, dask; each contender's runs pooled (a contender that failed once counts as failed), its last answer kept. */
async function interleaved(key: keyof typeof peer, timeOurs: () => Promise<PeerResult>): Promise<Row['results']> {
  const pooled: Row['results'] = { tessera: null, numpy: null, dask: null };
  const add = (who: keyof Row['results'], r: PeerResult | null, first: boolean): void => {
    const had = pooled[who];
    pooled[who] = r === null || (!first && had === null) ? null : { seconds: [...(had?.seconds ?? []), ...r.seconds], answer: r.answer };
  };
  for (let round = 0; round < rounds; round++) {
    add('tessera', await timeOurs(), round === 0);
    const p = peers(key);
    add('numpy', p.numpy, round === 0);
    add('dask', p.dask, round === 0);
  }
  return pooled;
}

if (runs('a')) {
  const x = await persisted(g.uniform(SIZES.a, { chunks: CHUNK }));
  const results = await interleaved('a', () => timeTessera(() => x.exp().add(x.sin().mul(3)).mean().compute(opts), first));
  rows.push({ name: `(a) mean(exp(x) + 3 sin(x)), ${SIZES.a} values`, results, check: checks.a });
}
if (runs('b')) {
  const x = await persisted(g.uniform([SIZES.bRows, SIZES.bCols], { chunks: [B_CHUNK, SIZES.bCols] }));
  const gram = x.T.matmul(x);
  // one graph: the Gram tree feeds both outputs
  const results = await interleaved('b', () => timeTessera(() => compute(gram, array.linalg.cholesky(gram), opts), ([gv, lv]) => {
    const G = gv.data as Float64Array;
    let trace = 0;
    for (let i = 0; i < SIZES.bCols; i++) trace += G[i * SIZES.bCols + i]!;
    return [trace, reconstructionError(G, lv.data as Float64Array, SIZES.bCols)];
  }));
  rows.push({ name: `(b) x.T @ x then Cholesky, ${SIZES.bRows} x ${SIZES.bCols} in ${Math.ceil(SIZES.bRows / B_CHUNK)} row chunks`, results, check: checks.b });
}
if (runs('c')) {
  const results = await interleaved('c', () => timeTessera(() => g.normal(SIZES.c, { chunks: CHUNK }).sum().compute(opts), (v) => [...first(v), SIZES.c]));
  rows.push({ name: `(c) random normal, ${SIZES.c} values (summed)`, results, check: checks.c });
}
if (runs('d')) {
  const x = await persisted(g.uniform([SIZES.dRows, SIZES.dCols], { chunks: [D_CHUNK, SIZES.dCols] }));
  const results = await interleaved('d', () => timeTessera(() => x.sum({ axis: 0 }).compute(opts), (v) => {
    const s = v.data as Float64Array;
    return [s.reduce((p, q) => p + q, 0), s.length];
  }));
  rows.push({ name: `(d) sum(axis=0), ${SIZES.dRows} x ${SIZES.dCols} in 8 row chunks`, results, check: checks.d });
}
await closeExecutors();

const fmt = (r: PeerResult | null): string => (r === null ? 'skipped' : `${median(r.seconds).toFixed(3)} s`);
const ratio = (t: PeerResult | null, p: PeerResult | null): string => (t === null || p === null ? '' : `${(median(t.seconds) / median(p.seconds)).toFixed(2)}x`);
let failed = false;
console.log(`\n## Arrays (issue 14) — \`node --import tsx bench/array.ts --size ${size} --repeat ${repeat}${rounds > 1 ? ` --rounds ${rounds}` : ''}${cases === 'abcd' ? '' : ` --case ${cases}`}\`\n`);
console.log(`${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}; tessera on threads (${workers ?? 'default'} workers), NumPy one thread, dask.array ${hasDask ? 'threads' : '(absent)'}.`);
console.log(`Load average (1/5/15 min) at start ${startLoad.map((v) => v.toFixed(1)).join(' / ')}, at end ${loadavg().map((v) => v.toFixed(1)).join(' / ')}. Medians of ${repeat} runs${rounds > 1 ? ` in each of ${rounds} rounds (tessera, NumPy, dask in turn; runs pooled)` : ''} after one warm-up (tessera); inputs made before timing.\n`);
console.log('| workload | tessera | NumPy (1 thread) | dask.array (threads) | tessera / NumPy | tessera / dask |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  for (const [who, res] of Object.entries(r.results)) {
    const problem = res === null ? null : r.check(res.answer);
    if (problem) {
      failed = true;
      console.log(`  WRONG ANSWER from ${who} on ${r.name}: ${problem}`);
    }
  }
  const { tessera, numpy, dask } = r.results;
  console.log(`| ${r.name} | ${fmt(tessera)} | ${fmt(numpy)} | ${fmt(dask)} | ${ratio(tessera, numpy)} | ${ratio(tessera, dask)} |`);
}
console.log(`\nraw seconds: ${JSON.stringify(rows.map((r) => ({ case: r.name.slice(0, 3), tessera: r.results.tessera?.seconds.map((s) => +s.toFixed(3)), numpy: r.results.numpy?.seconds.map((s) => +s.toFixed(3)), dask: r.results.dask?.seconds.map((s) => +s.toFixed(3)) })))}`);
if (failed) {
  console.log('\nsome answers were wrong: the times above do not count');
  process.exitCode = 1;
}
