// The futures client: submit/map/gather/asCompleted/wait/cancel/scatter/close on one long-lived session.
// Ordering, futures as arguments without a round trip, deterministic keys, errors that leave other futures
// running, cancellation and close of pending work, values released when nothing refers to them, the same
// results on sync, threads and processes, scattered arrays read in place on threads, and a process that
// exits although the user forgot close().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CancelledError, ClientClosedError, TaskError, createClient, delayed, fromColumns, udf, type Future } from '../../src/index.ts';
import { SCHEDULERS, rejects } from '../helpers.ts';

const MODELS = new URL('./fixtures/models.ts', import.meta.url).href;
const fitLine = udf(MODELS, 'fitLine');
const slowSquare = udf(MODELS, 'slowSquare');
const failOn = udf(MODELS, 'failOn');

/** 10 folds of a noisy line y = 3x + 1: fit each fold's training set (a cross-validation as a map). */
function folds(): Array<{ x: number[]; y: number[] }> {
  const out = [];
  for (let k = 0; k < 10; k++) {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 10 === k) continue;
      x.push(i);
      y.push(3 * i + 1 + (((i * 7919) % 13) - 6) / 10);
    }
    out.push({ x, y });
  }
  return out;
}

test('map over 10 folds gives identical results on sync, threads and processes, in item order, with any chunksize', async () => {
  const data = folds();
  const reference = data.map((d) => {
    // independent oracle: closed-form least squares written out again
    const n = d.x.length;
    const mx = d.x.reduce((s, v) => s + v, 0) / n;
    const my = d.y.reduce((s, v) => s + v, 0) / n;
    const slope = d.x.reduce((s, v, i) => s + (v - mx) * (d.y[i]! - my), 0) / d.x.reduce((s, v) => s + (v - mx) ** 2, 0);
    return slope;
  });
  let first: unknown[] | null = null;
  for (const scheduler of SCHEDULERS) {
    const client = await createClient({ scheduler, numWorkers: 2 });
    for (const chunksize of [null, 1, 3]) {
      const fits = client.map(fitLine, data, { chunksize });
      const got = (await client.gather(fits)) as Array<{ slope: number; intercept: number }>;
      got.forEach((g, i) => assert.ok(Math.abs(g.slope - reference[i]!) < 1e-9, `fold ${i} on ${scheduler}/${chunksize}`));
      if (first === null) first = got;
      else assert.equal(got, first, `bit-identical on ${scheduler} with chunksize ${chunksize}`);
    }
    await client.close();
  }
});

test('a Future is an argument of submit and of delayed; equal submissions share one task', async () => {
  let calls = 0;
  const client = await createClient({ scheduler: 'sync', listeners: [{ onTaskStart: (t) => void (t.op === 'delayed.call' && calls++) }] });
  const sq = (x: number) => x * x;
  const a = client.submit(sq, 3);
  const b = client.submit(sq, 3);
  assert.is(a.key, b.key);
  const c = client.submit((x: number, y: number[]) => x + y[0]!, a, [b]);
  const d = client.compute(delayed((x: number) => x * 2)(c));
  assert.equal(await client.gather([a, b, c, d, 'plain']), [9, 9, 18, 36, 'plain']);
  assert.is(calls, 3, 'sq(3) ran once for both futures');
  // A Future used outside its client (compute() of a Delayed) waits for its result.
  assert.is(await delayed((x: number) => x + 1)(a).compute({ scheduler: 'sync' }), 10);
  await client.close();
});

test('a failing task rejects its future with a TaskError naming the function, key and arguments; others keep running', async () => {
  for (const scheduler of ['sync', 'threads'] as const) {
    const client = await createClient({ scheduler, numWorkers: 2 });
    const futures = client.map(failOn, [1, 2, 3, 4], { chunksize: 2 });
    const bad = client.submit(failOn, 7, 7);
    const e = await rejects(bad.result(), /task 'failOn-[0-9a-f]+' .*failOn\(7, 7\) threw: item 7 is bad/, TaskError);
    assert.match(e.stack!, /Caused by: RangeError: .*item 7 is bad\n\s+at failOn/);
    assert.is(bad.status, 'error');
    assert.equal(await client.gather(futures), [10, 20, 30, 40]);
    const mixed = client.map((x: number) => {
      if (x === 2) throw new Error('two');
      return x;
    }, [1, 2, 3], { chunksize: 3 });
    await rejects(client.gather(mixed), /two/);
    assert.equal(await client.gather(mixed, { errors: 'skip' }), [1, 3], 'one bad item of a batch fails only its own future');
    await client.close();
  }
});

test('asCompleted yields in completion order; wait returns done and not done', async () => {
  const client = await createClient({ scheduler: 'threads', numWorkers: 2 });
  const slow = client.submit(slowSquare, 3, 400);
  const fast = client.submit(slowSquare, 2, 5);
  const order: number[] = [];
  for await (const f of client.asCompleted([slow, fast])) order.push((await f.result()) as number);
  assert.equal(order, [4, 9]);
  const later = client.submit(slowSquare, 5, 2000);
  const quick = client.submit(slowSquare, 6, 1);
  const { done, notDone } = await client.wait([later, quick], { timeout: 500 });
  assert.equal(done, [quick]);
  assert.equal(notDone, [later]);
  const first = await client.wait([later, client.submit(slowSquare, 7, 1)], { returnWhen: 'first' });
  assert.is(first.done.length, 1);
  later.cancel();
  await client.close();
});

test('cancel rejects a pending future at once; close cancels pending work promptly and refuses new work', async () => {
  const client = await createClient({ scheduler: 'threads', numWorkers: 1 });
  const running = client.submit(slowSquare, 2, 300);
  const queued = client.submit(slowSquare, 3, 300);
  client.cancel([queued]);
  await rejects(queued.result(), /was cancelled/, CancelledError);
  assert.is(queued.status, 'cancelled');
  assert.is(await running.result(), 4, 'the other future was not touched');

  const stuck = client.submit(slowSquare, 4, 60_000);
  const t0 = performance.now();
  await client.close();
  await rejects(stuck.result(), /the client was closed/, ClientClosedError);
  assert.ok(performance.now() - t0 < 5000);
  assert.is(stuck.status, 'cancelled');
  assert.throws(() => client.submit(slowSquare, 1, 1), (e: Error) => e instanceof ClientClosedError && /client\.submit\(\): the client was closed .*createClient\(\)/.test(e.message));
  assert.throws(() => client.map(slowSquare, [1]), /client\.map\(\): the client was closed/);
  assert.throws(() => client.scatter(new Float64Array(1)), /client\.scatter\(\): the client was closed/);
  assert.equal(await running.result(), 4, 'a finished future keeps its value after close');
});

test('a value is released when no future and no pending task refers to it', async () => {
  const released: string[] = [];
  const client = await createClient({ scheduler: 'sync', listeners: [{ onRelease: (k) => released.push(k) }] });
  const a = client.submit((x: number) => x + 1, 1);
  const b = client.submit((x: number) => x * 10, a);
  assert.is(await b.result(), 20);
  assert.not.ok(released.includes(a.key), 'a is still held by its future');
  a.release();
  assert.ok(released.includes(a.key), 'no future and no pending task: dropped');
  assert.not.ok(released.includes(b.key));
  b.release();
  assert.ok(released.includes(b.key));
  // Asked for again, a released value is computed again (the task stays known to the session).
  assert.is(await client.submit((x: number) => x * 10, client.submit((x: number) => x + 1, 1)).result(), 20);
  await client.close();
});

test('scatter: tasks on threads read the same shared memory (no copy), results equal on every scheduler', async () => {
  const n = 1_000_000;
  const big = new Float64Array(n);
  for (let i = 0; i < n; i++) big[i] = i % 1000;
  const expected = 999 * 1000 * (n / 1000) / 2;
  for (const scheduler of SCHEDULERS) {
    const client = await createClient({ scheduler, numWorkers: 2 });
    const shared = client.scatter(big);
    const sums = client.map(udf(MODELS, 'sumArray'), [shared, shared, shared, shared]);
    assert.equal(await client.gather(sums), [expected, expected, expected, expected]);
    if (scheduler === 'threads') {
      const placed = (await shared.result()) as Float64Array;
      assert.ok(placed.buffer instanceof SharedArrayBuffer);
      assert.ok(await client.submit(udf(MODELS, 'markShared'), shared, 42).result(), 'the worker got a SharedArrayBuffer view');
      assert.is(placed[0], 42, "the worker's write is visible here: the same memory, not a copy");
      assert.is(big[0], 0, "the caller's array was copied once into shared memory, not modified");
    }
    await client.close();
  }
});

test('map chunksize k runs ceil(n/k) tasks of k items; 1 and null run one task per item', async () => {
  const ops: string[] = [];
  // A fused chain (a last batch of one item with its pick) counts its steps.
  const record = (t: { op: string; args: readonly unknown[] }) => void (t.op === 'tessera.chain' ? ops.push(...(t.args[0] as Array<{ op: string }>).map((s) => s.op)) : ops.push(t.op));
  const client = await createClient({ scheduler: 'sync', listeners: [{ onTaskStart: record }] });
  const items = Array.from({ length: 10 }, (_, i) => i);
  const count = (op: string) => ops.filter((o) => o === op).length;
  assert.equal(await client.gather(client.map((x: number) => x * 3, items, { chunksize: 3 })), items.map((x) => x * 3));
  assert.is(count('delayed.batch'), 4);
  assert.is(count('delayed.call'), 0);
  // (different functions: equal work already held by the first map's futures would not run again)
  for (const [chunksize, fn, k] of [[1, (x: number) => x * 5, 5], [null, (x: number) => x * 7, 7]] as const) {
    ops.length = 0;
    assert.equal(await client.gather(client.map(fn, items, { chunksize })), items.map((x) => x * k));
    assert.is(count('delayed.call'), 10);
    assert.is(count('delayed.batch'), 0);
  }
  ops.length = 0;
  await client.gather(client.map((x: number) => x * 3, items, { chunksize: 3 }));
  assert.is(ops.length, 0, 'the same map again is held work: nothing runs');
  await client.close();
});

test('client.compute runs a collection on the client; options are validated', async () => {
  const client = await createClient({ scheduler: 'sync' });
  const df = fromColumns({ x: [1, 2, 3, 4] }, { npartitions: 2 });
  assert.is(await client.compute<number>(df.col('x').sum()).result(), 10);
  const table = client.compute(df);
  assert.is(((await table.result()) as { numRows: number }).numRows, 4);
  // Its Future stands for the whole result (not the first partition) as an argument of other work.
  assert.is(await client.submit((t: { numRows: number }) => t.numRows, table).result(), 4);
  assert.is(await client.submit((s: number) => s * 2, client.compute(df.col('x').sum())).result(), 20);
  assert.throws(() => client.map((x: number) => x, [1], { chunksize: 0 }), /chunksize must be a positive integer or null; got 0/);
  assert.throws(() => client.map((x: number) => x, [1], { chunk: 2 } as never), /map\(\): unknown option 'chunk'; known options: chunksize, pure/);
  await rejects(client.gather([], { errors: 'ignore' as never }), /errors must be 'raise' or 'skip'/);
  await rejects(createClient({ schedular: 'sync' } as never), /createClient\(\): unknown option 'schedular'/);
  await client.close();
});

test('a process exits when the user forgets close() (threads and processes pools, and their nested tasks, do not keep it alive)', () => {
  const script = fileURLToPath(new URL('./fixtures/forget-close.ts', import.meta.url));
  // The child compiles its task modules (and the library they import) through tsx in every worker: ~10 s
  // of CPU. 60 s was close to that at load 10 on two cores; a process that never exits still fails here.
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 180_000 });
  assert.is(r.signal, null, `the process was still running after 180 s: ${r.stderr}`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /threads 49\nthreads nested 1,2\nprocesses 64\nprocesses nested 1,2\n/);
});

test.run();
