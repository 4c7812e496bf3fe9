// What loading tessera costs every process and worker: importing the public entry (and the worker body with
// every op registration) compiles no WebAssembly, the element-wise, Philox and matrix-product kernels being
// built on first use, and loads no package only some paths need (BullMQ and ioredis for distributed runs,
// papaparse for CSV sniffing and the fallback parser). Checked in fresh processes, where nothing is loaded yet.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const src = (p: string) => JSON.stringify(new URL(`../../src/${p}`, import.meta.url).href);

const child = `
let compiled = 0;
const Module = WebAssembly.Module;
WebAssembly.Module = new Proxy(Module, { construct(target, args, newTarget) { compiled++; return Reflect.construct(target, args, newTarget); } });
await import(${src('index.ts')});
await import(${src('scheduler/worker/thread-worker-bundle.ts')});
const atLoad = compiled;
const { elementaryWasm } = await import(${src('kernels/array/elementary-wasm.ts')});
const { wasmPhilox } = await import(${src('random/philox-wasm.ts')});
const e = elementaryWasm(), p = wasmPhilox();
const afterFirstUse = compiled;
elementaryWasm(); wasmPhilox();
console.log(JSON.stringify({ atLoad, afterFirstUse, again: compiled, same: e === elementaryWasm() && p === wasmPhilox(), kernels: e !== null && p !== null }));
`;

/** Runs `code` as a fresh ES module process from the repository root; its last stdout line is JSON. */
function runChild(code: string): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('importing tessera and the worker body compiles no WebAssembly; each kernel module compiles once, on first use', () => {
  const out = runChild(child) as { atLoad: number; afterFirstUse: number; again: number; same: boolean; kernels: boolean };
  assert.is(out.atLoad, 0, 'WebAssembly modules compiled while loading');
  assert.ok(out.kernels, 'the kernels exist on Node 20 (WebAssembly SIMD)');
  assert.ok(out.afterFirstUse >= 2, `first use compiles the element-wise and Philox kernels (${out.afterFirstUse})`);
  assert.is(out.again, out.afterFirstUse, 'compiled once');
  assert.ok(out.same, 'the same kernels every call');
});

const packagesChild = `
const { createRequire } = await import('node:module');
await import(${src('index.ts')});
await import(${src('scheduler/worker/thread-worker-bundle.ts')});
const loaded = (re) => Object.keys(createRequire(import.meta.url).cache).some((k) => re.test(k));
const atLoad = { bullmq: loaded(/node_modules[\\\\/]bullmq[\\\\/]/), ioredis: loaded(/node_modules[\\\\/]ioredis[\\\\/]/), papaparse: loaded(/node_modules[\\\\/]papaparse[\\\\/]/) };
const { loadBullmq } = await import(${src('scheduler/distributed/connection.ts')});
const { papa } = await import(${src('io/lazy-packages.ts')});
const works = typeof loadBullmq().Queue === 'function' && typeof papa().parse === 'function';
console.log(JSON.stringify({ atLoad, works, afterUse: { bullmq: loaded(/node_modules[\\\\/]bullmq[\\\\/]/), papaparse: loaded(/node_modules[\\\\/]papaparse[\\\\/]/) } }));
`;

test('importing tessera and the worker body loads neither BullMQ, ioredis nor papaparse; first use does', () => {
  const out = runChild(packagesChild) as { atLoad: Record<string, boolean>; works: boolean; afterUse: Record<string, boolean> };
  assert.equal(out.atLoad, { bullmq: false, ioredis: false, papaparse: false }, 'loaded at import');
  assert.ok(out.works, 'the lazily loaded modules are the packages');
  assert.equal(out.afterUse, { bullmq: true, papaparse: true }, 'the check sees a loaded package');
});

test.run();
