// Slow tasks handed over together on threads go out as one batch shared by a copy per worker
// (pooled.ts dispatchShared): each copy takes the next untaken task. These tests pin what that must keep
// from one-task batches: dynamic balance, results, one retry for a dying task (and none spent on its
// neighbours), time limits per task, and cancellation.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { ThreadPool, ThreadsExecutor } from '../../src/scheduler/executors/threads.ts';
import type { BatchControl } from '../../src/scheduler/executors/pooled.ts';
import type { BatchRequest, TaskResult } from '../../src/scheduler/worker/protocol.ts';
import { TimeoutError } from '../../src/scheduler/cancel.ts';
import { CANCEL_OPS_URL } from './fixtures/cancel-ops.ts';
import { rejection, within } from './fixtures/deadline.ts';

interface Stamp {
  threadId: number;
  start: number;
  end: number;
}

/** A thread pool that records every batch it is given. */
class CountingPool extends ThreadPool {
  readonly sent: BatchRequest[] = [];
  override send(req: BatchRequest, control: BatchControl, resent = 0): Promise<TaskResult[]> {
    if (resent === 0) this.sent.push(req);
    return super.send(req, control, resent);
  }
}

/** An executor whose threads have started and whose tasks are measured as slow but not very slow (the shared mode). */
const open = async () => {
  const pool = new CountingPool(2, null);
  const ex = new ThreadsExecutor({ numWorkers: 2, chunksize: null, modules: [CANCEL_OPS_URL] }, pool);
  await runGraph(graphOf(['warm#0', 'test.stamp', [10]], ['warm#1', 'test.stamp', [10]]), ['warm#0', 'warm#1'], ex);
  assert.is(ex.concurrency, 8, 'four tasks per worker in the shared mode');
  pool.sent.length = 0;
  return { pool, ex };
};
/** The first batch sent was a shared one of n tasks. */
const sharedFirst = (pool: CountingPool, n: number) => assert.ok(pool.sent[0]?.claims !== undefined && pool.sent[0].tasks.length === n, 'the tasks went out as one shared batch');
const graphOf = (...tasks: Array<[string, string, unknown[]]>): Graph => new Map(tasks.map(([k, op, args]) => [k, task(k, op, args)]));
const keys = (g: Graph) => [...g.keys()];

const dir = mkdtempSync(join(tmpdir(), 'tessera-shared-batch-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('threads: tasks of unknown duration, and tasks slower than SHARED_MAX_MS, go one per batch (their consumers start as each ends)', async () => {
  const pool = new CountingPool(2, null);
  const ex = new ThreadsExecutor({ numWorkers: 2, chunksize: null, modules: [CANCEL_OPS_URL] }, pool);
  try {
    const four = (ms: number) => graphOf(...Array.from({ length: 4 }, (_, i): [string, string, unknown[]] => [`t${ms}#${i}`, 'test.block', [ms, i]]));
    await within(20_000, runGraph(four(60), keys(four(60)), ex));
    assert.ok(pool.sent.length === 4 && pool.sent.every((r) => r.claims === undefined && r.tasks.length === 1), 'unknown: one task per batch');
    pool.sent.length = 0;
    await within(20_000, runGraph(four(61), keys(four(61)), ex)); // measured at ~60 ms now
    assert.ok(pool.sent.length === 4 && pool.sent.every((r) => r.claims === undefined), 'slow: one task per batch');
  } finally {
    await ex.close();
  }
});

test('threads: 8 slow tasks go out as one batch copied to both workers; a worker that is slower takes fewer', async () => {
  const { pool, ex } = await open();
  try {
    // one long task first, then seven short ones: the worker that took the long one takes no more
    const g = graphOf(['long#0', 'test.stamp', [400]], ...Array.from({ length: 7 }, (_, i): [string, string, unknown[]] => [`short#${i + 1}`, 'test.stamp', [40]]));
    const out = await within(20_000, runGraph(g, keys(g), ex));
    const stamps = keys(g).map((k) => out.get(k) as Stamp);
    assert.is(pool.sent.length, 2, 'one copy per worker');
    assert.ok(pool.sent.every((r) => r.tasks.length === 8 && r.claims !== undefined));
    const longThread = stamps[0]!.threadId;
    const shortOnLong = stamps.slice(1).filter((s) => s.threadId === longThread).length;
    assert.is(shortOnLong, 0, `the worker busy with the 400 ms task also ran ${shortOnLong} of the 40 ms ones`);
    // each task ran once, and the other worker ran the short ones one after another
    const other = stamps.slice(1).sort((a, b) => a.start - b.start);
    for (let i = 1; i < other.length; i++) assert.ok(other[i]!.start >= other[i - 1]!.end);
  } finally {
    await ex.close();
  }
});

test('threads: a task whose worker dies in a shared batch is retried once and succeeds; the tasks that worker had finished go again and nothing is lost', async () => {
  const { pool, ex } = await open();
  try {
    const marker = join(dir, 'died-once');
    const g = graphOf(
      ...Array.from({ length: 3 }, (_, i): [string, string, unknown[]] => [`a#${i}`, 'test.block', [30, i]]),
      ['dies#3', 'test.exitOnce', [marker, 'second try']],
      ...Array.from({ length: 4 }, (_, i): [string, string, unknown[]] => [`b#${i + 4}`, 'test.block', [30, i + 4]]),
    );
    const out = await within(30_000, runGraph(g, keys(g), ex));
    sharedFirst(pool, 8);
    assert.ok(existsSync(marker), 'the task died once');
    assert.is(out.get('dies#3'), 'second try');
    for (let i = 0; i < 8; i++) if (i !== 3) assert.is(out.get(keys(g)[i]!), i);
  } finally {
    await ex.close();
  }
});

test('threads: a task that dies twice in a shared batch fails clearly; the others still answer', async () => {
  const { pool, ex } = await open();
  try {
    const g = graphOf(['a#0', 'test.block', [20, 0]], ['dies#1', 'test.exit', [5]], ['b#2', 'test.block', [20, 2]], ['c#3', 'test.block', [20, 3]]);
    const err = await rejection(within(30_000, runGraph(g, keys(g), ex)));
    sharedFirst(pool, 4);
    assert.match(err.message, /dies#1/);
    assert.match(err.message, /died again when the task was retried once/);
    const ok = graphOf(['a#0', 'test.block', [20, 0]], ['b#2', 'test.block', [20, 2]], ['c#3', 'test.block', [20, 3]]);
    const out = await within(30_000, runGraph(ok, keys(ok), ex));
    assert.equal([...out.values()], [0, 2, 3]);
  } finally {
    await ex.close();
  }
});

test('threads: taskTimeout in a shared batch names the looping task; the worker is replaced and the next run answers', async () => {
  const { pool, ex } = await open();
  try {
    const g = graphOf(['a#0', 'test.block', [300, 0]], ['b#1', 'test.block', [300, 1]], ['loop#2', 'test.loopForever', []], ['d#3', 'test.block', [300, 3]]);
    const err = await rejection(within(30_000, runGraph(g, keys(g), ex, { taskTimeoutMs: 1000 })));
    sharedFirst(pool, 4);
    assert.instance(err, TimeoutError);
    assert.match(err.message, /task 'loop#2' \(op test\.loopForever, partition 2\) ran longer than taskTimeout \(1000 ms\)/, err.message);
    const ok = graphOf(['x#0', 'test.block', [10, 'x']], ['y#1', 'test.block', [10, 'y']]);
    assert.equal([...(await within(30_000, runGraph(ok, keys(ok), ex))).values()], ['x', 'y']);
  } finally {
    await ex.close();
  }
});

test('threads: cancelling a run stops both copies of its shared batch (one loops) and the pool answers the next run', async () => {
  const { pool, ex } = await open();
  try {
    const ac = new AbortController();
    const g = graphOf(['loop#0', 'test.loopForever', []], ['a#1', 'test.block', [100, 1]], ['b#2', 'test.block', [100, 2]], ['c#3', 'test.block', [100, 3]]);
    setTimeout(() => ac.abort(new Error('stop it')), 300);
    const err = await rejection(within(30_000, runGraph(g, keys(g), ex, { signal: ac.signal })));
    sharedFirst(pool, 4);
    assert.match(err.message, /stop it|abort/i);
    const ok = graphOf(['x#0', 'test.block', [10, 'x']], ['y#1', 'test.block', [10, 'y']], ['z#2', 'test.block', [10, 'z']]);
    assert.equal([...(await within(30_000, runGraph(ok, keys(ok), ex))).values()], ['x', 'y', 'z']);
  } finally {
    await ex.close();
  }
});

test.run();
