// The in-chunk linear algebra kernels on one thread, in GFLOP/s: tessera's gemm (WebAssembly SIMD and its
// JavaScript twin), scijs `ndarray-gemm` when bench/node_modules has it, a plain blocked JavaScript loop, then
// syrk (x.T @ x) and the blocked Cholesky. Every product is checked against tessera's before its time counts.
// usage: node --import tsx bench/gemm.ts [--n 1000] [--rows 2000] [--cols 2000] [--repeat 3]

import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { gemm, setGemmWasm, syrk } from '../src/kernels/array/gemm.ts';
import { ACC_STORE, buildWasmGemm } from '../src/kernels/array/gemm-wasm.ts';
import { cholesky } from '../src/kernels/array/linalg.ts';
import { view, type Strided } from '../src/kernels/array/strided.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${argv[i + 1]}`);
  return v;
};
const N = arg('n', 1000), ROWS = arg('rows', 2000), COLS = arg('cols', 2000), REPEAT = arg('repeat', 3);

function random(m: number, n: number, seed: number): Strided<Float64Array> {
  let s = seed >>> 0;
  const d = new Float64Array(m * n);
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = s / 2 ** 32 - 0.5;
  }
  return view(d, [m, n]);
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Median wall and CPU seconds of `repeat` runs after one warm-up; returns the last result too. */
function time<T>(run: () => T, repeat = REPEAT): { t: Timing; last: T } {
  let last = run();
  const runs: Timing[] = [];
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = run();
    const c = process.cpuUsage(c0);
    runs.push({ wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { t: { wall: mid(runs.map((r) => r.wall)), cpu: mid(runs.map((r) => r.cpu)) }, last };
}

function relDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let d = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return d / (scale || 1);
}

/** The blocked JavaScript loop a user would write first: 64 x 64 blocks, i-p-j order, no packing. */
function blockedLoop(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) for (let p0 = 0; p0 < n; p0 += B) for (let j0 = 0; j0 < n; j0 += B) {
    const iEnd = Math.min(i0 + B, n), pEnd = Math.min(p0 + B, n), jEnd = Math.min(j0 + B, n);
    for (let i = i0; i < iEnd; i++) for (let p = p0; p < pEnd; p++) {
      const aip = a[i * n + p]!;
      const bRow = p * n, cRow = i * n;
      for (let j = j0; j < jEnd; j++) c[cRow + j] += aip * b[bRow + j]!;
    }
  }
  return c;
}

interface NdarrayLike {
  data: Float64Array;
}
type NdarrayGemm = (c: NdarrayLike, a: NdarrayLike, b: NdarrayLike) => void;
type NdarrayCtor = (data: Float64Array, shape: number[]) => NdarrayLike;

/** scijs ndarray-gemm from bench/node_modules (or NODE_PATH), or the reason it is not there. */
function loadNdarrayGemm(): { gemm: NdarrayGemm; ndarray: NdarrayCtor } | string {
  try {
    const req = createRequire(new URL('./package.json', import.meta.url));
    return { gemm: req('ndarray-gemm') as NdarrayGemm, ndarray: req('ndarray') as NdarrayCtor };
  } catch (e) {
    return `ndarray-gemm is not installed in bench/node_modules (${(e as Error).message.split('\n')[0]}); install it there (npm install --prefix bench --no-save ndarray-gemm) to compare`;
  }
}

const rows: string[] = [];
const gflops = (flops: number, t: Timing) => `${(flops / t.wall / 1e9).toFixed(2)} | ${(flops / t.cpu / 1e9).toFixed(2)}`; // two cells
const row = (what: string, flops: number, t: Timing, check: string) => {
  const line = `| ${what} | ${t.wall.toFixed(3)} s | ${t.cpu.toFixed(3)} s | ${gflops(flops, t)} | ${check} |`;
  rows.push(line);
  console.error(line);
};

const startLoad = loadavg();
const started = new Date();

// the WebAssembly macro-kernel alone, on a packed block already in cache (the ceiling for everything below)
{
  const w = buildWasmGemm(4, 4, 128, 256, 512);
  if (w) {
    for (let i = 0; i < w.memory.length; i++) w.memory[i] = (i % 7) * 0.1;
    const { t } = time(() => {
      for (let r = 0; r < 20; r++) w.run(256, 128, 32, w.cAt, 512, 0, false, ACC_STORE);
    });
    row('WebAssembly 4x4 macro-kernel, packed 128 x 256 x 512 block in cache (x20)', 20 * 2 * 128 * 256 * 512, t, 'n/a');
  }
}

const a = random(N, N, 1), b = random(N, N, 2);
const flops = 2 * N * N * N;
const reference = time(() => gemm(a, b));
row(`tessera gemm, WebAssembly SIMD (${N} x ${N} @ ${N} x ${N})`, flops, reference.t, 'reference');
const want = reference.last.data;
setGemmWasm(false);
try {
  const js = time(() => gemm(a, b));
  row('tessera gemm, JavaScript 4x4 kernel', flops, js.t, `max rel diff ${relDiff(js.last.data, want).toExponential(1)}`);
} finally {
  setGemmWasm(true);
}
const peer = loadNdarrayGemm();
if (typeof peer === 'string') console.error(`skipping ndarray-gemm: ${peer}`);
else {
  const c = peer.ndarray(new Float64Array(N * N), [N, N]);
  const run = time(() => {
    c.data.fill(0);
    peer.gemm(c, peer.ndarray(a.data, [N, N]), peer.ndarray(b.data, [N, N]));
    return c.data;
  }, 1);
  row('scijs ndarray-gemm 1.0', flops, run.t, `max rel diff ${relDiff(run.last, want).toExponential(1)}`);
}
const loop = time(() => blockedLoop(a.data, b.data, N), 1);
row('plain JavaScript blocked loop (64 x 64 blocks, i-p-j)', flops, loop.t, `max rel diff ${relDiff(loop.last, want).toExponential(1)}`);

// the case (b) kernels: one row block's x.T @ x, and the Cholesky of the 2000 x 2000 result
const x = random(ROWS, COLS, 3);
const xt: Strided = { data: x.data, shape: [COLS, ROWS], stride: [1, COLS], offset: 0 };
const sy = time(() => syrk(x));
const general = (() => {
  const other = view(x.data.slice(), [ROWS, COLS]); // same values, other memory: the general kernel
  return time(() => gemm(xt, other), 1);
})();
row(`tessera syrk x.T @ x (${ROWS} x ${COLS}), useful flops ${ROWS} * ${COLS}^2`, ROWS * COLS * COLS, sy.t, `vs general gemm ${relDiff(sy.last.data, general.last.data).toExponential(1)}`);
row(`tessera general gemm x.T @ y, same shapes (${2 * ROWS} * ${COLS}^2 flops)`, 2 * ROWS * COLS * COLS, general.t, 'reference');
const g = sy.last;
for (let i = 0; i < COLS; i++) g.data[i * COLS + i] += COLS; // well conditioned
const ch = time(() => cholesky(g));
const l = ch.last;
const llt = gemm(l, { data: l.data, shape: [COLS, COLS], stride: [1, COLS], offset: 0 });
row(`tessera blocked Cholesky (${COLS} x ${COLS}, ${COLS}^3 / 3 flops)`, COLS ** 3 / 3, ch.t, `L L^T vs G ${relDiff(llt.data, g.data).toExponential(1)}`);

const endLoad = loadavg();
console.log(`## In-chunk linear algebra, one thread — \`node --import tsx bench/gemm.ts --n ${N} --rows ${ROWS} --cols ${COLS} --repeat ${REPEAT}\`

${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}. Load average at start ${startLoad.map((v) => v.toFixed(1)).join(' / ')}, at end ${endLoad.map((v) => v.toFixed(1)).join(' / ')}.
Medians of ${REPEAT} run(s) after a warm-up (the JavaScript peers: one run); GFLOP/s by wall time and by this process's CPU time.

| kernel | wall | CPU | GFLOP/s (wall) | GFLOP/s (CPU) | answer |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
