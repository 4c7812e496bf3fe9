import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordBatch } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { ThreadsExecutor } from '../../src/scheduler/executors/threads.ts';
import { threadExecArgv, withoutTsx, workerFile } from '../../src/scheduler/executors/worker-file.ts';
import { lastBundleProblem } from '../../src/scheduler/executors/worker-bundle.ts';
import { executorSuite } from './fixtures/executor-suite.ts';
import { TEST_OPS_URL, rangeBatch } from './fixtures/test-ops.ts';
import { within } from './fixtures/deadline.ts';

executorSuite(test, 'threads', (o) => new ThreadsExecutor(o));

const ex = new ThreadsExecutor({ numWorkers: 2, chunksize: 1, modules: [TEST_OPS_URL] });
test.after(() => ex.close());

const run1 = async (op: string, args: unknown[]): Promise<unknown> => {
  const g: Graph = new Map([['t#0', task('t#0', op, args)]]);
  return (await within(20_000, runGraph(g, ['t#0'], ex))).get('t#0');
};

test('threads: zero-copy in: a write through the worker view is seen by the main thread', async () => {
  const batch = rangeBatch(1000);
  const mine = batch.getChild('x')!.data[0]!.values as Float64Array;
  assert.is(mine[7], 7);
  await run1('test.write', [batch, 7, -42]);
  assert.is(mine[7], -42);
});

test('threads: zero-copy out: a batch returned by a worker is the same memory', async () => {
  const batch = rangeBatch(10);
  const back = (await run1('test.identity', [batch])) as RecordBatch;
  const theirs = back.getChild('x')!.data[0]!.values as Float64Array;
  assert.ok(theirs.buffer instanceof SharedArrayBuffer);
  (batch.getChild('x')!.data[0]!.values as Float64Array)[3] = 1234;
  assert.is(theirs[3], 1234);
});

test('threads: results a worker built off shared memory are moved onto a SharedArrayBuffer', async () => {
  const back = (await run1('test.plainBatch', [4])) as RecordBatch;
  assert.ok(back.getChild('x')!.data[0]!.values.buffer instanceof SharedArrayBuffer);
  assert.is(await run1('test.isShared', [back]), true);
});

test('threads: transfer time does not grow with partition size (1 MB vs 64 MB)', async () => {
  const small = rangeBatch(1 << 17); // 1 MB
  const big = rangeBatch(1 << 23); // 64 MB
  const time = async (b: RecordBatch): Promise<number> => {
    const ts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await run1('test.identity', [b]);
      ts.push(performance.now() - t0);
    }
    return ts.sort((x, y) => x - y)[3]!;
  };
  await time(small);
  const tSmall = await time(small);
  const tBig = await time(big);
  // A structured clone of 64 MB alone takes 60+ ms here; a shared round trip is well under 5 ms.
  assert.ok(tBig < tSmall * 4 + 5, `1 MB: ${tSmall.toFixed(2)} ms, 64 MB: ${tBig.toFixed(2)} ms`);
});

test('threads: running from sources starts workers from the bundle of the current sources, else through the tsx shim', () => {
  const f = workerFile('thread-worker');
  assert.ok(f.fromSources);
  assert.ok(f.bundled, `no bundle: ${lastBundleProblem}`);
  assert.match(f.url.href, /\/\.cache\/worker-bundles\/thread-worker-[0-9a-f]{24}\.mjs$/);
  const before = process.env.TESSERA_WORKER_BUNDLE;
  process.env.TESSERA_WORKER_BUNDLE = 'off';
  try {
    const g = workerFile('thread-worker');
    assert.not.ok(g.bundled);
    assert.match(g.url.href, /thread-worker-shim\.mjs$/);
  } finally {
    if (before === undefined) delete process.env.TESSERA_WORKER_BUNDLE;
    else process.env.TESSERA_WORKER_BUNDLE = before;
  }
});

test('withoutTsx drops the flags that load tsx (every form the tsx CLI and `--import tsx` use) and keeps the rest', () => {
  const tsxDir = '/p/node_modules/tsx/dist';
  assert.equal(
    withoutTsx([
      '--import', 'tsx', '--import=tsx', '--require', `${tsxDir}/preflight.cjs`, '--import', `file://${tsxDir}/loader.mjs`,
      '-r', 'tsx/cjs', '--loader=tsx/esm', '--experimental-loader', 'tsx',
      '--import', './setup.mjs', '--conditions', 'tsx', '--max-old-space-size=100', '--enable-source-maps', '--require=./tsx-free.cjs',
    ]),
    ['--import', './setup.mjs', '--conditions', 'tsx', '--max-old-space-size=100', '--enable-source-maps', '--require=./tsx-free.cjs'],
  );
  assert.equal(withoutTsx([]), []);
  assert.equal(withoutTsx(['--import']), ['--import'], 'a flag without its value is left for node to refuse');
});

test('threadExecArgv: inherit when tsx is not loaded; else loading and diagnostic flags only (Node refuses V8 and process-wide flags in a thread)', () => {
  assert.is(threadExecArgv(['--max-old-space-size=100', '--expose-gc']), undefined);
  assert.equal(
    threadExecArgv(['--max-old-space-size=16384', '--import', 'tsx', '--expose-gc', '--import', './setup.mjs', '--enable-source-maps', '--cpu-prof', '--stack-size=2000', '--title=x', '--conditions=dev']),
    ['--import', './setup.mjs', '--enable-source-maps', '--cpu-prof', '--conditions=dev'],
  );
  // a diagnostic flag's value given as the next argument stays with it (alone, Node refused every thread)
  assert.equal(
    threadExecArgv(['--import', 'tsx', '--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', '/tmp/p', '--stack-size', '2000', '--unhandled-rejections=strict']),
    ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', '/tmp/p', '--unhandled-rejections=strict'],
  );
  // Node's own per-thread --trace-* flags pass; V8's and the process-wide ones do not (Node refuses them)
  assert.equal(
    threadExecArgv(['--import', 'tsx', '--trace-gc', '--trace-warnings', '--trace-deopt', '--trace-uncaught', '--trace-sigint', '--trace-event-categories', 'node', '--trace-exit']),
    ['--trace-warnings', '--trace-uncaught', '--trace-exit'],
  );
});

test('threads: a caller run as `node --import tsx --max-old-space-size=N --trace-gc ...` computes on threads (process-wide and V8 flags are not handed to the threads)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const code = `import { fromColumns } from './src/index.ts'; const v = await fromColumns({ a: [1, 2, 3, 4] }, { npartitions: 2 }).col('a').sum().compute({ scheduler: 'threads', numWorkers: 2 }); console.log('sum=' + v); process.exit(0);`;
  const flags = ['--max-old-space-size=512', '--expose-gc', '--trace-gc', '--trace-deopt', '--trace-sigint', '--trace-warnings'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...flags, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.match(r.stdout, /sum=10/, r.stderr);
});

test('threads: worker threads start without tsx (this suite runs under it); .ts user modules still load (verbs/map-partitions)', async () => {
  assert.ok(process.execArgv.some((a) => /tsx/.test(a)), 'the suite runs under tsx');
  const argv = (await run1('test.execArgv', [])) as string[];
  assert.not.ok(argv.some((a) => /tsx/.test(a)), argv.join(' '));
});

test.run();
