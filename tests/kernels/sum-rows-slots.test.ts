// The scratch slots of a shared WebAssembly memory (wasm-chunks.ts; sum-rows-wasm.ts claims one per call)
// are given back when the thread holding them dies mid-kernel (terminated by an abort, crashed), so a
// long-lived process does not run out of them; claims stay exclusive while threads hammer them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { threadId } from 'node:worker_threads';
import { allocate } from '../../src/kernels/array/dtypes.ts';
import { MIN_BYTES, SLOTS, claimSlot, memoryOf, releaseSlot, releaseSlotsOf } from '../../src/kernels/array/wasm-chunks.ts';
import { type Graph, task } from '../../src/scheduler/graph.ts';
import { runGraph } from '../../src/scheduler/run-graph.ts';
import { ThreadsExecutor } from '../../src/scheduler/executors/threads.ts';
import { rejection, within } from '../scheduler/fixtures/deadline.ts';
import { HOLDER, SLOT_OPS_URL, countFree, hammer } from './fixtures/slot-ops.ts';

const ex = new ThreadsExecutor({ numWorkers: 2, chunksize: 1, modules: [SLOT_OPS_URL] });
test.after(() => ex.close());

/** A view over a fresh shared WebAssembly memory (the kind whose tail has the slots). */
function wasmMail(): Float64Array {
  const mail = allocate('float64', MIN_BYTES / 8 + 16) as Float64Array;
  assert.ok(memoryOf(mail.buffer) !== undefined, 'a WebAssembly memory');
  return mail;
}

const run = (ops: Array<[string, unknown[]]>, signal?: AbortSignal): Promise<Map<string, unknown>> => {
  const g: Graph = new Map(ops.map(([op, args], i) => [`t#${i}`, task(`t#${i}`, op, args)]));
  return runGraph(g, [...g.keys()], ex, signal ? { signal } : {});
};

/** Polls `f` until it is true; false after `ms` (never waits unbounded). */
async function eventually(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

test('a thread terminated while it holds slots gives them back once it has exited; a live holder keeps them', async () => {
  const mail = wasmMail();
  const buffer = mail.buffer as SharedArrayBuffer;
  const box = new Int32Array(buffer, mail.byteOffset, 2);
  const ac = new AbortController();
  const running = run([['slots.holdAndSpin', [mail, 3]]], ac.signal);
  assert.ok(await eventually(() => Atomics.load(box, HOLDER) !== 0, 20_000), 'the worker claimed its slots');
  const holder = Atomics.load(box, HOLDER);
  assert.is(countFree(buffer), SLOTS - 3, 'three slots held by the spinning thread');
  // Another thread's exit (or this thread's id) frees none of them.
  assert.is(releaseSlotsOf(holder + 1000), 0);
  assert.is(releaseSlotsOf(threadId), 0);
  assert.is(countFree(buffer), SLOTS - 3);
  ac.abort(new Error('stop'));
  await within(20_000, rejection(running));
  assert.ok(await eventually(() => countFree(buffer) === SLOTS, 10_000), `after the holder exited ${countFree(buffer)} of ${SLOTS} slots are free`);
  // The threads that replace it claim every slot.
  const free = await within(20_000, run([['slots.free', [mail]], ['slots.free', [mail]]]));
  assert.equal([...free.values()], [SLOTS, SLOTS]);
});

test('threads that crash while holding slots, again and again: the slots never run out', async () => {
  const mail = wasmMail();
  const buffer = mail.buffer as SharedArrayBuffer;
  // Each task dies twice (it is retried once), holding 2 slots each time: 12 claims in all, more than SLOTS.
  for (let round = 0; round < 3; round++) {
    const err = await within(30_000, rejection(run([['slots.holdAndExit', [mail, 2]]])));
    assert.match(err.message, /died|exit/i, err.message);
    assert.ok(await eventually(() => countFree(buffer) === SLOTS, 10_000), `round ${round}: ${countFree(buffer)} of ${SLOTS} slots free`);
  }
  const free = await within(20_000, run([['slots.free', [mail]]]));
  assert.equal([...free.values()], [SLOTS]);
});

test('claims stay exclusive: two threads and this one claim, fill, check and release at once', async () => {
  const mail = wasmMail();
  const buffer = mail.buffer as SharedArrayBuffer;
  const pending = run([['slots.hammer', [mail, 3000, 1]], ['slots.hammer', [mail, 3000, 2]]]);
  const mine = hammer(buffer, 3000, 3);
  const theirs = [...(await within(60_000, pending)).values()] as Array<[number, number, number]>;
  for (const [claims, conflicts, fallbacks] of [...theirs, mine]) {
    assert.is(conflicts, 0, 'no tile written by two threads at once');
    assert.is(claims + fallbacks, 3000);
    assert.ok(claims > 0);
  }
  assert.is(countFree(buffer), SLOTS, 'every slot given back');
});

test('a slot is released only by its holder; every slot taken means -1 (the caller falls back)', () => {
  const buffer = wasmMail().buffer as SharedArrayBuffer;
  const held = Array.from({ length: SLOTS }, () => claimSlot(buffer));
  assert.equal([...held].sort((a, b) => a - b), Array.from({ length: SLOTS }, (_, i) => i));
  assert.is(claimSlot(buffer), -1);
  for (const s of held) releaseSlot(buffer, s);
  assert.throws(() => releaseSlot(buffer, 0), /held by no thread/);
  assert.is(countFree(buffer), SLOTS);
});

test.run();
