// The threads pool queues a second batch on a busy thread (BATCHES_PER_THREAD): the thread starts it
// without a round trip through the main thread, and the pool itself cancels queued and running batches
// (piscina would not queue a batch that carries an AbortSignal).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { task } from '../../src/scheduler/graph.ts';
import { ThreadPool } from '../../src/scheduler/executors/threads.ts';
import type { BatchRequest, TaskResult } from '../../src/scheduler/worker/protocol.ts';
import { TEST_OPS_URL } from './fixtures/test-ops.ts';
import { rejection, within } from './fixtures/deadline.ts';

interface Stamp {
  threadId: number;
  start: number;
  end: number;
}

const batch = (op: string, ...args: unknown[]): BatchRequest => ({
  mode: 'shared',
  modules: [TEST_OPS_URL],
  tasks: [{ task: task(`t-${op}`, op, args), inputs: [] }],
});
const value = <T>(results: TaskResult[]): T => {
  const r = results[0]!;
  if (!r.ok) throw new Error(`task failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
};
const control = (c = new AbortController()) => ({ signal: c.signal });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

const dir = mkdtempSync(join(tmpdir(), 'tessera-thread-queue-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('threads: a busy thread starts the batch queued behind its running one while the main thread is blocked', async () => {
  const pool = new ThreadPool(1, null);
  try {
    await within(20_000, pool.send(batch('test.stamp', 0), control())); // the thread has started and loaded the ops
    const first = pool.send(batch('test.stamp', 150), control());
    const second = pool.send(batch('test.stamp', 0), control());
    // Block this thread well past the first batch's end: the second can only start meanwhile if it was
    // already waiting in the worker's queue.
    const until = now() + 600;
    while (now() < until);
    const unblocked = now();
    const [a, b] = [value<Stamp>(await within(20_000, first)), value<Stamp>(await within(20_000, second))];
    assert.is(b.threadId, a.threadId);
    assert.ok(b.start >= a.end, 'one batch at a time on the thread');
    assert.ok(b.start < unblocked, `the second batch began ${(b.start - unblocked).toFixed(1)} ms after the main thread was free again`);
  } finally {
    await pool.close();
  }
});

test('threads: aborting a queued batch rejects it at once and it never runs; the batch running ahead of it finishes on the same thread', async () => {
  const pool = new ThreadPool(1, null);
  try {
    const warm = value<Stamp>(await within(20_000, pool.send(batch('test.stamp', 0), control())));
    const marker = join(dir, 'queued-ran');
    const running = pool.send(batch('test.stamp', 300), control());
    const abort = new AbortController();
    const queued = pool.send(batch('test.mark', marker), control(abort));
    await sleep(50);
    const t0 = now();
    abort.abort(new Error('cancelled by the test'));
    const err = await within(1000, rejection(queued));
    assert.is(err.message, 'cancelled by the test');
    assert.ok(now() - t0 < 200, 'rejected without waiting for the running batch');
    const a = value<Stamp>(await within(20_000, running));
    assert.is(a.threadId, warm.threadId, 'the thread was not stopped');
    await within(20_000, pool.send(batch('test.stamp', 0), control())); // the thread has passed the skipped batch
    assert.not.ok(existsSync(marker), 'the cancelled batch ran');
  } finally {
    await pool.close();
  }
});

test('threads: aborting a running batch stops its thread; the batch queued behind it runs on a new thread', async () => {
  const pool = new ThreadPool(1, null);
  try {
    const warm = value<Stamp>(await within(20_000, pool.send(batch('test.stamp', 0), control())));
    const abort = new AbortController();
    const running = pool.send(batch('test.sleep', 60_000), control(abort)); // a busy loop: only termination stops it
    const queued = pool.send(batch('test.stamp', 0), control());
    await sleep(100);
    abort.abort(new Error('stop the loop'));
    const err = await within(5000, rejection(running));
    assert.is(err.message, 'stop the loop');
    const b = value<Stamp>(await within(20_000, queued));
    assert.is.not(b.threadId, warm.threadId);
  } finally {
    await pool.close();
  }
});

test('threads: a batch queued behind one whose thread dies goes again (uncounted); the dying batch alone fails', async () => {
  const pool = new ThreadPool(1, null);
  try {
    await within(20_000, pool.send(batch('test.stamp', 0), control()));
    const dying = pool.send(batch('test.exit', 3), control());
    const queued = pool.send(batch('test.stamp', 0), control());
    const err = await within(20_000, rejection(dying));
    assert.match(err.message, /exited|code/);
    assert.ok(value<Stamp>(await within(20_000, queued)).threadId > 0);
  } finally {
    await pool.close();
  }
});

test.run();
