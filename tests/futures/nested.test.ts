// Nested tasks: a task submits tasks with getClient() (Dask's get_client), on sync, threads and processes.
// With one worker, every level waits for the next: the waiting task secedes so the pool runs the next
// level, and nothing deadlocks. Errors keep their keys through the levels; cancelling the outer task
// cancels the work it submitted. Every wait here is bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CancelledError, TaskError, createClient, getClient, udf, type SchedulerName } from '../../src/index.ts';
import { rejects } from '../helpers.ts';

const NESTED = new URL('./fixtures/nested.ts', import.meta.url).href;
const MODELS = new URL('./fixtures/models.ts', import.meta.url).href;

/** `p`, or a rejection after `ms`: a deadlock fails the test instead of hanging it. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (deadlock?)`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const ALL: SchedulerName[] = ['sync', 'threads', 'processes'];

test('a 3-level nest of submissions with ONE worker finishes on sync, threads and processes', async () => {
  for (const scheduler of ALL) {
    const client = await createClient({ scheduler, numWorkers: 1 });
    try {
      // Every waiting task makes the pool start a worker (slow under tsx): a chain on the pools, a tree on sync.
      const width = scheduler === 'sync' ? 2 : 1;
      const got = await within(60_000, client.submit(udf(NESTED, 'tree'), 3, width, 'root').result(), `tree on ${scheduler}`);
      assert.equal(got, [width ** 3, 1 + width + width ** 2 + width ** 3], scheduler);
      if (scheduler !== 'processes') {
        // siblings wait at the same time; map + a sum task per level
        const depth = scheduler === 'sync' ? 3 : 2;
        assert.is(await within(60_000, client.submit(udf(NESTED, 'mapTree'), depth).result(), `mapTree on ${scheduler}`), 2 ** depth, scheduler);
      }
    } finally {
      await client.close();
    }
  }
});

test('an error three levels down rejects the outer future with a TaskError naming every level\'s key', async () => {
  for (const scheduler of ALL) {
    const client = await createClient({ scheduler, numWorkers: 1 });
    try {
      const outer = client.submit(udf(NESTED, 'failDeep'), 2); // three tasks: failDeep(2) > (1) > (0)
      const e = await within(60_000, rejects(outer.result(), /the leaf exploded/, TaskError), scheduler);
      const keys = [...e.message.matchAll(/task '(failDeep-[0-9a-f]+)'/g)].map((m) => m[1]);
      assert.is(keys.length, 3, `${scheduler}: ${e.message}`);
      assert.is(keys[0], outer.key);
      assert.is(new Set(keys).size, 3, 'three different tasks');
      assert.match(e.message, /failDeep\(2\) threw: .*failDeep\(1\) threw: .*failDeep\(0\) threw: the leaf exploded/);
      // the client goes on working
      assert.is(await within(30_000, client.submit(udf(MODELS, 'slowSquare'), 3, 1).result(), scheduler), 9);
    } finally {
      await client.close();
    }
  }
});

test('cancelling the outer future cancels the tasks it submitted: their workers are free at once', async () => {
  for (const scheduler of ['threads', 'processes'] as const) {
    const started: string[] = [];
    const finished: string[] = [];
    const isSleeper = (t: { op: string; args: readonly unknown[] }) => t.op === 'delayed.call' && /^slowSquare\(\d+, 60000\)/.test(String(t.args[2]));
    const client = await createClient({
      scheduler,
      numWorkers: 1,
      listeners: [{ onTaskStart: (t) => void (isSleeper(t) && started.push(t.key)), onTaskFinish: ({ task }) => void (isSleeper(task) && finished.push(task.key)) }],
    });
    try {
      const outer = client.submit(udf(NESTED, 'waitsForLongWork'), 3);
      const t0 = performance.now();
      while (started.length === 0 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(started.length > 0, `${scheduler}: an inner task started`);
      outer.cancel();
      await rejects(outer.result(), /was cancelled/, CancelledError);
      // With one worker, a new task runs at once only if the minute-long inner tasks were stopped.
      const t1 = performance.now();
      assert.is(await within(20_000, client.submit(udf(MODELS, 'slowSquare'), 4, 1).result(), scheduler), 16);
      assert.ok(performance.now() - t1 < 20_000);
      assert.equal(finished, [], `${scheduler}: no inner task ran to its end`);
    } finally {
      await client.close();
    }
  }
});

test('a task computes a DataFrame reduction, a filtered frame and a delayed call on its client', async () => {
  for (const scheduler of ['sync', 'threads'] as const) {
    const client = await createClient({ scheduler, numWorkers: 1 });
    try {
      const got = await within(60_000, client.submit(udf(NESTED, 'computeInside'), 100).result(), scheduler);
      assert.equal(got, { sum: 4950, doubled: 200, rows: 5 }, scheduler); // sum 0..99 by hand
    } finally {
      await client.close();
    }
  }
});

test('getClient() outside a task returns the open client made last, and says how to make one otherwise', async () => {
  const client = await createClient({ scheduler: 'sync' });
  assert.is(getClient(), client);
  await client.close();
  assert.throws(() => getClient(), /getClient\(\): there is no client here.*createClient/);
});

test.run();
