import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordBatch } from 'apache-arrow';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { ProcessesExecutor } from '../../src/scheduler/executors/processes.ts';
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

test.run();
