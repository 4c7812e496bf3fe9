import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { config, resolveConfig, validateConfig, withConfig } from '../../src/config.ts';
import { closeExecutors, getExecutor } from '../../src/scheduler/get-executor.ts';

test.after.each(() => config.reset());
test.after(() => closeExecutors());

const tick = () => new Promise((r) => setTimeout(r, 2));

test('defaults: numWorkers is the available parallelism, chunksize automatic', () => {
  const c = config.get();
  assert.is(c.numWorkers, availableParallelism());
  assert.is(c.chunksize, null);
  assert.is(c.progress, true);
  assert.equal(c.workerModules, []);
});

test('validation names the option, what is allowed and what was given', () => {
  assert.throws(() => config.set({ scheduler: 'thread' as never }), /scheduler must be one of 'sync', 'threads', 'processes', 'distributed'; got "thread"/);
  assert.throws(() => config.set({ numWorkers: 0 }), /numWorkers must be a positive integer or null; got 0/);
  assert.throws(() => config.set({ chunksize: 2.5 }), /chunksize must be a positive integer or null; got 2.5/);
  assert.throws(() => config.set({ splitEvery: 1 }), /splitEvery must be an integer >= 2; got 1/);
  assert.throws(() => config.set({ progress: 'yes' as never }), /progress must be true or false; got "yes"/);
  assert.throws(() => config.set({ workerModules: [''] }), /workerModules must be an array/);
  assert.throws(() => config.set({ numWorker: 2 } as never), /unknown config option 'numWorker'; known options: scheduler, numWorkers/);
  assert.throws(() => validateConfig(null as never), /config options must be an object/);
});

test('a rejected config.set changes nothing', () => {
  assert.throws(() => config.set({ numWorkers: 3, chunksize: -1 }));
  assert.is(config.get().numWorkers, availableParallelism());
});

test('precedence: config.set < withConfig < per-call options; null restores the default', () => {
  config.set({ numWorkers: 3, chunksize: 4 });
  withConfig({ chunksize: 8 }, () => {
    assert.is(resolveConfig().numWorkers, 3);
    assert.is(resolveConfig().chunksize, 8);
    assert.is(resolveConfig({ chunksize: 1 }).chunksize, 1);
    assert.is(resolveConfig({ numWorkers: null }).numWorkers, availableParallelism());
  });
  assert.is(config.get().chunksize, 4);
});

test('withConfig nests, validates up front, and returns what fn returns', async () => {
  assert.throws(() => withConfig({ scheduler: 'gpu' as never }, () => 1), /scheduler must be one of/);
  const v = withConfig({ numWorkers: 2 }, () => withConfig({ chunksize: 3 }, () => [config.get().numWorkers, config.get().chunksize]));
  assert.equal(v, [2, 3]);
  assert.is(await withConfig({ progress: false }, async () => config.get().progress), false);
});

test('withConfig scopes hold across awaits and do not leak between concurrent async calls', async () => {
  const seen: string[] = [];
  const job = (name: string, n: number) =>
    withConfig({ numWorkers: n }, async () => {
      for (let i = 0; i < 3; i++) {
        await tick();
        seen.push(`${name}:${config.get().numWorkers}`);
      }
    });
  await Promise.all([job('a', 1), job('b', 2), job('c', 5)]);
  assert.equal(seen.filter((s) => s.startsWith('a')), ['a:1', 'a:1', 'a:1']);
  assert.equal(seen.filter((s) => s.startsWith('b')), ['b:2', 'b:2', 'b:2']);
  assert.equal(seen.filter((s) => s.startsWith('c')), ['c:5', 'c:5', 'c:5']);
  assert.is(config.get().numWorkers, availableParallelism());
});

test('config.set inside a scope shows through where the scope does not override', () => {
  withConfig({ chunksize: 2 }, () => {
    config.set({ numWorkers: 7 });
    assert.is(config.get().numWorkers, 7);
    assert.is(config.get().chunksize, 2);
  });
});

test('getExecutor: sync inline; threads and processes pools reused across calls', async () => {
  assert.is(getExecutor(resolveConfig({ scheduler: 'sync' })).name, 'sync');
  const a = getExecutor(resolveConfig({ scheduler: 'threads', numWorkers: 2 }));
  const b = getExecutor(resolveConfig({ scheduler: 'threads', numWorkers: 2 }));
  assert.is(a, b);
  assert.is(a.name, 'threads');
  assert.is(a.concurrency, 4); // two batches per worker, chunksize 1 until tasks are measured
  assert.is(getExecutor(resolveConfig({ scheduler: 'threads', numWorkers: 2, chunksize: 8 })).concurrency, 32);
  assert.is(getExecutor(resolveConfig({ scheduler: 'processes', numWorkers: 1 })).name, 'processes');
});

test('TESSERA_SCHEDULER selects the default scheduler for a whole run, and is validated', () => {
  const script = "import('./src/config.ts').then(m => process.stdout.write(m.config.get().scheduler + ' ' + m.config.get().numWorkers))";
  const run = (env: Record<string, string>) =>
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' }).trim();
  assert.is(run({ TESSERA_SCHEDULER: 'processes', TESSERA_NUM_WORKERS: '3' }), 'processes 3');
  assert.throws(() => run({ TESSERA_SCHEDULER: 'gpu' }), /bad TESSERA_\* environment variable: scheduler must be one of/);
});

test.run();
