// The Session core: tasks accepted while others run, a promise per key, results released when no holder
// and no waiting dependent remains (and recomputed if asked for again), failures reaching only their
// dependents, and cancel(reason) rejecting every pending key at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Graph, type Task, ref, task } from '../../src/scheduler/graph.ts';
import { registerOp } from '../../src/scheduler/registry.ts';
import { CancelledError, Session, TaskError } from '../../src/scheduler/session.ts';
import { SyncExecutor } from '../../src/scheduler/executors/sync.ts';
import type { Executor } from '../../src/scheduler/executor.ts';

const runs: string[] = [];
registerOp('sessiontest.const', (x: number, tag: string) => {
  runs.push(tag);
  return x;
});
registerOp('sessiontest.add', (...xs: number[]) => xs.reduce((a, b) => a + b, 0));
registerOp('sessiontest.boom', () => {
  throw new Error('boom');
});

/** Tasks of op 'gate' settle only when the test opens their gate: a task that is still running. */
const gates = new Map<string, (v: number) => void>();
registerOp('sessiontest.gate', (name: string) => new Promise<number>((resolve) => gates.set(name, resolve)));

const graphOf = (...tasks: Task[]): Graph => new Map(tasks.map((t) => [t.key, t]));
const concurrent: Executor = { name: 'test', concurrency: 4, run: (t, inputs) => new SyncExecutor().run(t, inputs) };
const tick = () => new Promise((r) => setImmediate(r));

test('a session accepts and finishes a task while another one is still running', async () => {
  const s = new Session(concurrent);
  s.submit(graphOf(task('slow', 'sessiontest.gate', ['slow'])));
  let slowDone = false;
  const slow = s.get('slow').then((v) => ((slowDone = true), v));
  await tick();
  assert.ok(gates.has('slow'), 'the slow task is running');
  s.submit(graphOf(task('one', 'sessiontest.const', [1, 'one']), task('two', 'sessiontest.add', [ref('one'), 1])));
  assert.is(await s.get('two'), 2);
  assert.not.ok(slowDone, 'the later task finished first');
  // A task submitted later may read an earlier key that is still running.
  s.submit(graphOf(task('after', 'sessiontest.add', [ref('slow'), ref('two')])));
  const after = s.get('after');
  gates.get('slow')!(40);
  assert.is(await slow, 40);
  assert.is(await after, 42);
  s.close();
});

test('a result is dropped when no holder and no dependent remains, and recomputed if asked again', async () => {
  runs.length = 0;
  const released: string[] = [];
  const s = new Session(new SyncExecutor(), { listeners: [{ onRelease: (k) => released.push(k) }] });
  s.submit(graphOf(task('a', 'sessiontest.const', [5, 'a']), task('b', 'sessiontest.add', [ref('a'), 1]), task('c', 'sessiontest.add', [ref('a'), 2])));
  assert.is(await s.get('b'), 6);
  assert.equal(released, ['a'], "'a' is dropped once b ran (c is not asked for); b is kept for its holder");
  s.release('b');
  assert.ok(released.includes('b'));
  assert.is(await s.get('a'), 5);
  assert.equal(runs, ['a', 'a'], "'a' had been dropped after b ran, so asking for it again runs it again");
  assert.is(await s.get('c'), 7);
  assert.is(runs.length, 2, "c reads the held 'a' without running it again");
  s.release('a');
  s.release('c');
  assert.ok(released.includes('a') && released.includes('c'));
  s.close();
});

test('a value read by a pending dependent is kept until that dependent ran', async () => {
  const released: string[] = [];
  const s = new Session(concurrent, { listeners: [{ onRelease: (k) => released.push(k) }] });
  s.submit(graphOf(task('x', 'sessiontest.const', [3, 'x']), task('wait', 'sessiontest.gate', ['wait']), task('sum', 'sessiontest.add', [ref('x'), ref('wait')])));
  const sum = s.get('sum');
  await tick();
  assert.not.ok(released.includes('x'), 'x waits for its reader');
  gates.get('wait')!(4);
  assert.is(await sum, 7);
  assert.ok(released.includes('x') && released.includes('wait'));
  s.close();
});

test('a failure rejects its dependents only; other keys of the session still resolve', async () => {
  const s = new Session(new SyncExecutor());
  s.submit(graphOf(task('bad#2', 'sessiontest.boom', []), task('use', 'sessiontest.add', [ref('bad#2'), 1]), task('ok', 'sessiontest.const', [9, 'ok'])));
  const [use, ok] = await Promise.allSettled([s.get('use'), s.get('ok')]);
  assert.is(use.status, 'rejected');
  const e = (use as PromiseRejectedResult).reason;
  assert.instance(e, TaskError);
  assert.match(e.message, /task 'bad#2' \(op sessiontest\.boom, partition 2\) failed on the 'sync' scheduler: boom/);
  assert.equal(ok, { status: 'fulfilled', value: 9 });
  s.close();
});

test('cancel(reason) rejects every pending key at once, aborts the session signal and refuses new work', async () => {
  const finished: unknown[] = [];
  const s = new Session(concurrent, { listeners: [{ onFinish: (i) => finished.push(i.error) }] });
  s.submit(graphOf(task('g1', 'sessiontest.gate', ['g1']), task('g2', 'sessiontest.add', [ref('g1'), 1])));
  const p = s.get('g2');
  await tick();
  let aborted: unknown = null;
  s.signal.addEventListener('abort', () => (aborted = s.signal.reason));
  s.cancel('user pressed stop');
  const e = await p.then(() => null, (err) => err);
  assert.instance(e, CancelledError);
  assert.match(e.message, /cancelled: user pressed stop/);
  assert.is(aborted, e);
  assert.equal(finished, [e]);
  assert.throws(() => s.submit(graphOf(task('late', 'sessiontest.const', [1, 'late']))), /cancelled/);
  gates.get('g1')!(1); // the running task settles later: ignored
  await tick();
});

test('an AbortSignal given to the session cancels it with an AbortError naming the reason and the running task', async () => {
  const ac = new AbortController();
  const s = new Session(concurrent, { signal: ac.signal });
  s.submit(graphOf(task('g3', 'sessiontest.gate', ['g3'])));
  const p = s.get('g3');
  await tick();
  const reason = new Error('deadline');
  ac.abort(reason);
  await p.then(
    () => assert.unreachable(),
    (err) => {
      assert.is(err.name, 'AbortError');
      assert.is(err.cause, reason);
      assert.match(err.message, /aborted \(deadline\) while running task 'g3'/);
    },
  );
  gates.get('g3')!(0);
});

test('submit refuses a dependency it cannot find, naming both keys', () => {
  const s = new Session(new SyncExecutor());
  assert.throws(() => s.submit(graphOf(task('b', 'sessiontest.add', [ref('nowhere')]))), /task 'b' depends on 'nowhere', which is neither in the submitted graph nor in the session/);
  assert.throws(() => s.get('never'), /key 'never' was never submitted/);
  s.close();
});

test.run();
