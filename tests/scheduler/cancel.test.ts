// Cancellation and time limits: an AbortSignal, a per-call `timeout` and a per-task `taskTimeout` stop
// a loop that never yields and a promise that never settles, on every scheduler; the error names what
// ran; nothing partial comes back; the next compute works; closing the pools mid-run says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import type { Executor } from '../../src/scheduler/executor.ts';
import { SyncExecutor } from '../../src/scheduler/executors/sync.ts';
import { ThreadsExecutor } from '../../src/scheduler/executors/threads.ts';
import { ProcessesExecutor } from '../../src/scheduler/executors/processes.ts';
import { AbortError, DataFrame, PoolClosedError, TimeoutError, closeExecutors, compute, fromColumns, type SchedulerName } from '../../src/index.ts';
import { CANCEL_OPS_URL, TestSource } from './fixtures/cancel-ops.ts';
import { rejection, within } from './fixtures/deadline.ts';

const executors: Array<[string, Executor]> = [
  ['sync', new SyncExecutor()],
  ['threads', new ThreadsExecutor({ numWorkers: 2, chunksize: null, modules: [CANCEL_OPS_URL] })],
  ['processes', new ProcessesExecutor({ numWorkers: 2, chunksize: null, modules: [CANCEL_OPS_URL] })],
];
test.after(async () => {
  for (const [, ex] of executors) await ex.close?.();
  await closeExecutors();
});

const graphOf = (...ts: Array<[string, string, unknown[]]>): Graph => new Map(ts.map(([k, op, args]) => [k, task(k, op, args)]));
const sumGraph = graphOf(['a#0', 'test.add', [1, 2]], ['b#1', 'test.add', [3, 4]]);

/** After a cancelled run the same executor must answer a normal run correctly. */
async function nextRunWorks(ex: Executor): Promise<void> {
  const values = await within(20_000, runGraph(sumGraph, ['a#0', 'b#1'], ex), 'the run after a cancellation');
  assert.equal([values.get('a#0'), values.get('b#1')], [3, 7]);
}

for (const [name, ex] of executors) {
  test(`[${name}] a never-settling promise is bounded by the run's timeout, which names the task`, async () => {
    const g = graphOf(['hang#3', 'test.never', []]);
    const t0 = performance.now();
    const err = await rejection(within(20_000, runGraph(g, ['hang#3'], ex, { deadline: { at: performance.now() + 300, ms: 300 } })));
    assert.instance(err, TimeoutError);
    assert.match(err.message, /timed out after 300 ms while running task 'hang#3' \(op test\.never, partition 3\)/);
    assert.ok(performance.now() - t0 < 5000);
    await nextRunWorks(ex);
  });

  test(`[${name}] a never-settling promise is bounded by taskTimeout, naming key, op and partition`, async () => {
    const g = graphOf(['ok#0', 'test.add', [1, 1]], ['hang#1', 'test.never', []]);
    const err = await rejection(within(20_000, runGraph(g, ['ok#0', 'hang#1'], ex, { taskTimeoutMs: 200 })));
    assert.instance(err, TimeoutError);
    assert.match(err.message, new RegExp(`task 'hang#1' \\(op test\\.never, partition 1\\) ran longer than taskTimeout \\(200 ms\\) on the '${name}'`));
    await nextRunWorks(ex);
  });

  test(`[${name}] an AbortSignal stops a running async task; an aborted signal runs nothing`, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user pressed stop')), 100);
    const err = await rejection(within(20_000, runGraph(graphOf(['wait#2', 'test.never', []]), ['wait#2'], ex, { signal: ac.signal })));
    assert.instance(err, AbortError);
    assert.match(err.message, /aborted \(user pressed stop\) while running task 'wait#2'/);
    assert.equal((err as AbortError).running, ['wait#2']);
    let started = 0;
    const err2 = await rejection(runGraph(sumGraph, ['a#0', 'b#1'], ex, { signal: ac.signal, listeners: [{ onTaskStart: () => (started += 1) }] }));
    assert.instance(err2, AbortError);
    assert.match(err2.message, /before any task had started/);
    assert.is(started, 0);
    await nextRunWorks(ex);
  });
}

test('[sync] a run of synchronous tasks checks its timeout between tasks (timers cannot fire inside it)', async () => {
  const ex = executors[0]![1];
  const g: Graph = new Map();
  for (let i = 0; i < 200; i++) g.set(`s#${i}`, task(`s#${i}`, 'test.sleep', [5]));
  const t0 = performance.now();
  const err = await rejection(runGraph(g, [...g.keys()], ex, { deadline: { at: performance.now() + 100, ms: 100 } }));
  assert.instance(err, TimeoutError);
  assert.ok(performance.now() - t0 < 600, `took ${performance.now() - t0} ms`);
});

for (const [name, ex] of executors.slice(1)) {
  test(`[${name}] a task stuck in a loop is stopped by an AbortSignal: its worker is replaced`, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const err = await rejection(within(20_000, runGraph(graphOf(['spin#0', 'test.loopForever', []]), ['spin#0'], ex, { signal: ac.signal })));
    assert.instance(err, AbortError);
    assert.match(err.message, /running task 'spin#0' \(op test\.loopForever, partition 0\)/);
    await nextRunWorks(ex);
  });

  test(`[${name}] taskTimeout times each task of a batch: the looping one is named, not the batch's first`, async () => {
    const batched = name === 'threads'
      ? new ThreadsExecutor({ numWorkers: 1, chunksize: 4, modules: [CANCEL_OPS_URL] })
      : new ProcessesExecutor({ numWorkers: 1, chunksize: 4, modules: [CANCEL_OPS_URL] });
    try {
      // Two tasks of 700 ms each (blocked, not spinning: no CPU needed under load) under a 1000 ms limit:
      // a clock per batch would fire during the second one.
      const g = graphOf(['a#0', 'test.block', [700]], ['b#1', 'test.block', [700]], ['c#2', 'test.loopForever', []], ['d#3', 'test.add', [1, 2]]);
      const err = await rejection(within(30_000, runGraph(g, ['a#0', 'b#1', 'c#2', 'd#3'], batched, { taskTimeoutMs: 1000 })));
      assert.instance(err, TimeoutError);
      assert.match(err.message, /task 'c#2' \(op test\.loopForever, partition 2\) ran longer than taskTimeout \(1000 ms\)/, err.message);
      await nextRunWorks(batched);
    } finally {
      await batched.close();
    }
  });
}

// Through the public API: compute(), head(), persist() and a writer, with a user function or a source
// that never finishes, on the schedulers that can interrupt it.
for (const scheduler of ['threads', 'processes'] as SchedulerName[]) {
  const opts = { scheduler, numWorkers: 2, workerModules: [CANCEL_OPS_URL] };
  const df = fromColumns({ k: [1, 1, 2, 2, 3], v: [1, 2, 3, 4, 5] }, { npartitions: 2 });
  const stuck = df.groupby('k').apply((g) => {
    if (g.numRows > 0) for (;;);
    return g;
  });

  test(`[${scheduler}] compute(x, {signal}) stops a user function stuck in a loop; the next compute answers`, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const err = await rejection(within(30_000, compute(stuck, { ...opts, signal: ac.signal })));
    assert.instance(err, AbortError);
    assert.match(err.message, /^compute\(\) was aborted .* while running task '.*groupby/);
    const [sum, same] = await within(30_000, compute(df.col('v').sum(), 42, { ...opts, signal: new AbortController().signal }));
    assert.is(sum, 15);
    assert.is(same, 42); // the options object is not returned as a result
  });

  test(`[${scheduler}] compute timeout and taskTimeout bound a looping user function`, async () => {
    const err = await rejection(within(30_000, stuck.compute({ ...opts, timeout: 400 })));
    assert.instance(err, TimeoutError);
    assert.match(err.message, /timed out after 400 ms/);
    const err2 = await rejection(within(30_000, stuck.compute({ ...opts, taskTimeout: 300 })));
    assert.instance(err2, TimeoutError);
    assert.match(err2.message, /ran longer than taskTimeout \(300 ms\)/);
    assert.is(await within(30_000, df.col('v').max().compute(opts)), 5);
  });

  test(`[${scheduler}] head, persist and toCsv take {signal, timeout}`, async () => {
    const never = DataFrame.fromSource(new TestSource(['ok', 'never', 'ok']));
    const loop = DataFrame.fromSource(new TestSource(['loop', 'ok']));
    const h = await within(30_000, never.head(1, { ...opts, timeout: 5000 }));
    assert.is(h.numRows, 1); // only the first partition is needed
    const e1 = await rejection(within(30_000, never.head(3, { ...opts, timeout: 300 })));
    assert.match(e1.message, /^head\(\) timed out after 300 ms while running task '.*#1'/);
    const e2 = await rejection(within(30_000, loop.persist({ ...opts, signal: AbortSignal.timeout(300) })));
    assert.instance(e2, AbortError);
    assert.match(e2.message, /^persist\(\) was aborted/);
    const { toCsv } = await import('../../src/index.ts');
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/tessera-cancel-`);
    const e3 = await rejection(within(30_000, toCsv(loop, `${dir}/out`, { ...opts, timeout: 300 })));
    assert.instance(e3, TimeoutError);
  });
}

test('closeExecutors() during a running compute: the compute says the pool was closed, closeExecutors resolves', async () => {
  const df = fromColumns({ k: [1, 2], v: [1, 2] }, { npartitions: 2 });
  const slow = df.groupby('k').apply((g) => {
    const end = Date.now() + 1500;
    while (Date.now() < end);
    return g;
  });
  for (const scheduler of ['threads', 'processes'] as SchedulerName[]) {
    await compute(df.col('v').sum(), { scheduler, numWorkers: 2 }); // warm pool: close hits running tasks
    const running = rejection(compute(slow, { scheduler, numWorkers: 2 }));
    await new Promise((r) => setTimeout(r, 300));
    await within(20_000, closeExecutors(), 'closeExecutors');
    const err = await within(20_000, running);
    assert.instance(err.cause, PoolClosedError, `${scheduler}: ${err.message}`);
    assert.not.match(err.message, /died again/);
    assert.match(err.message, /pool was closed \(closeExecutors\(\)\)/);
    assert.is(await within(30_000, df.col('v').sum().compute({ scheduler, numWorkers: 2 })), 3);
  }
});

test('compute options are validated: signal must be an AbortSignal, timeout and taskTimeout positive ms', async () => {
  const s = fromColumns({ v: [1] }).col('v').sum();
  assert.match((await rejection(s.compute({ signal: {} as AbortSignal }))).message, /signal must be an AbortSignal/);
  assert.match((await rejection(s.compute({ timeout: 0 }))).message, /timeout must be a positive number of milliseconds/);
  assert.match((await rejection(s.compute({ taskTimeout: -1 }))).message, /taskTimeout must be a number of milliseconds > 0/);
});

test.run();
