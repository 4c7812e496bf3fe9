import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordBatch } from 'apache-arrow';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { ProcessesExecutor } from '../../src/scheduler/executors/processes.ts';
import { workerFile } from '../../src/scheduler/executors/worker-file.ts';
import { lastBundleProblem } from '../../src/scheduler/executors/worker-bundle.ts';
import { executorSuite } from './fixtures/executor-suite.ts';
import { TEST_OPS_URL, rangeBatch } from './fixtures/test-ops.ts';
import { within } from './fixtures/deadline.ts';

executorSuite(test, 'processes', (o) => new ProcessesExecutor(o));

const ex = new ProcessesExecutor({ numWorkers: 1, chunksize: 1, modules: [TEST_OPS_URL] });
test.after(() => ex.close());

const run1 = async (op: string, args: unknown[]): Promise<unknown> => {
  const g: Graph = new Map([['t#0', task('t#0', op, args)]]);
  return (await within(20_000, runGraph(g, ['t#0'], ex))).get('t#0');
};

test('processes: data is copied (documented): a write in the worker does not reach the caller', async () => {
  const batch = rangeBatch(100);
  await run1('test.write', [batch, 7, -42]);
  assert.is((batch.getChild('x')!.data[0]!.values as Float64Array)[7], 7);
});

test('processes: tasks run in another process', async () => {
  const where = (await run1('test.where', [0])) as { pid: number };
  assert.is.not(where.pid, process.pid);
});

test('processes: an 8 MB partition crosses both ways intact', async () => {
  const back = (await run1('test.identity', [rangeBatch(1 << 20, 5)])) as RecordBatch;
  const x = back.getChild('x')!;
  assert.is(x.length, 1 << 20);
  assert.is(x.get(0), 5);
  assert.is(x.get((1 << 20) - 1), (1 << 20) + 4);
});

test('processes: from sources, workers run the bundle of the current sources without tsx; .ts modules (test-ops.ts) still load', async () => {
  const f = workerFile('process-worker');
  assert.ok(f.bundled, `no bundle: ${lastBundleProblem}`);
  assert.match(f.url.href, /\/\.cache\/worker-bundles\/process-worker-[0-9a-f]{24}\.mjs$/);
  assert.ok(process.execArgv.some((a) => /tsx/.test(a)), 'the suite runs under tsx');
  const argv = (await run1('test.execArgv', [])) as string[];
  assert.not.ok(argv.some((a) => /tsx/.test(a)), argv.join(' '));
});

test('processes: with TESSERA_WORKER_BUNDLE=off, workers start from the sources through the tsx shim, with the tsx flags of the caller', async () => {
  const before = process.env.TESSERA_WORKER_BUNDLE;
  process.env.TESSERA_WORKER_BUNDLE = 'off';
  const shimmed = new ProcessesExecutor({ numWorkers: 1, chunksize: 1, modules: [TEST_OPS_URL] });
  try {
    const f = workerFile('process-worker');
    assert.not.ok(f.bundled);
    assert.match(f.url.href, /process-worker-shim\.mjs$/);
    const g: Graph = new Map([['t#0', task('t#0', 'test.execArgv', [])]]);
    const argv = (await within(60_000, runGraph(g, ['t#0'], shimmed))).get('t#0') as string[];
    assert.ok(argv.some((a) => /tsx/.test(a)), argv.join(' '));
  } finally {
    await shimmed.close();
    if (before === undefined) delete process.env.TESSERA_WORKER_BUNDLE;
    else process.env.TESSERA_WORKER_BUNDLE = before;
  }
});

test.run();
