// Shared memory is freed only when every thread that held a handle to it has collected that handle; V8 does
// not count SharedArrayBuffers towards its own collections. noteReleased collects once a thread has let go of
// enough shared bytes, and releaseScratch drops the buffers a thread keeps between tasks and collects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noteReleased } from '../../src/scheduler/worker/shared-gc.ts';
import { registerScratch, releaseScratch } from '../../src/kernels/scratch.ts';
import { makeData, Int32 } from 'apache-arrow';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { ref } from '../../src/scheduler/graph.ts';
import { registerOp } from '../../src/scheduler/registry.ts';
import { CHAIN_OP, executeTask } from '../../src/scheduler/execute.ts';
import { runBatch } from '../../src/scheduler/worker/run-batch.ts';
import { WORKER_RELEASED } from '../../src/scheduler/worker/shared-gc.ts';

/** Resolves true once `held` (created by make) has been collected, false if it was not within a few turns. */
async function collectedAfter(make: () => object, act: () => void): Promise<boolean> {
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  (() => registry.register(make(), 'x'))();
  act();
  for (let i = 0; i < 20 && !collected; i++) await new Promise((r) => setTimeout(r, 5));
  return collected;
}

test('noteReleased collects once the released shared bytes reach the threshold', async () => {
  const threshold = 1 << 20;
  const ok = await collectedAfter(
    () => new Int32Array(new SharedArrayBuffer(1024)),
    () => {
      noteReleased(threshold / 2, threshold);
      noteReleased(threshold / 2, threshold); // reaches it: a collection now
    },
  );
  assert.ok(ok, 'the dropped handle was collected');
});

test('releaseScratch drops every registered buffer and collects, so its memory goes at once', async () => {
  let kept: Uint8Array | null = null;
  let calls = 0;
  registerScratch(() => {
    calls++;
    const had = kept !== null;
    kept = null;
    return had;
  });
  const ok = await collectedAfter(
    () => (kept = new Uint8Array(new SharedArrayBuffer(4096))),
    () => releaseScratch(),
  );
  assert.is(calls, 1);
  assert.is(kept, null);
  assert.ok(ok, 'the kept buffer was collected');
  releaseScratch(); // nothing kept: no collection needed, and no error
  assert.is(calls, 2);
});

// A chain that reads a partition and reduces it in one task (read > reduce) hands on only a small result:
// the partition it made is garbage in shared memory once the task ends, and must count as let go of, or
// such partitions pile up until an unrelated collection (RSS grew ~4 MB per partition read, Q1 large).
registerOp('gctest.partition', (n: number) => makeData({ type: new Int32(), length: n, data: new Int32Array(new SharedArrayBuffer(n * 4)) }));
registerOp('gctest.length', (d: { length: number }) => d.length);

test('executeTask hands each chain step value but the last to onIntermediate, async steps included', async () => {
  registerOp('gctest.add', (x: number, y: number) => x + y);
  registerOp('gctest.later', (x: number) => Promise.resolve(x * 10));
  const seen: unknown[] = [];
  const steps = [
    { key: 'a', op: 'gctest.add', args: [ref('in'), 1] },
    { key: 'b', op: 'gctest.later', args: [ref('a')] },
    { key: 'c', op: 'gctest.add', args: [ref('b'), ref('a')] },
  ];
  const v = await executeTask({ key: 'c', op: CHAIN_OP, args: [steps], deps: ['in'] }, [4], (x) => seen.push(x));
  assert.is(v, 55);
  assert.equal(seen, [5, 50]);
  const plain: unknown[] = [];
  assert.is(executeTask({ key: 'x', op: 'gctest.add', args: [1, 2], deps: [] }, [], (x) => plain.push(x)), 3);
  assert.equal(plain, [], 'a task that is not a chain has no intermediates');
});

test('a worker collects after chains whose intermediate partitions reach the threshold, though each result is a number', async () => {
  const n = WORKER_RELEASED / 4; // one partition holds the whole threshold
  const task = (i: number) => ({
    task: { key: `len-${i}`, op: CHAIN_OP, deps: [], args: [[
      { key: `part-${i}`, op: 'gctest.partition', args: [n] },
      { key: `len-${i}`, op: 'gctest.length', args: [ref(`part-${i}`)] },
    ]] },
    inputs: [],
  });
  await new Promise((r) => setTimeout(r, 30)); // past the minimum interval since any earlier collection
  // Forced collections are the ones shared-gc asks for (V8's own are never flagged forced).
  let forced = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (((e as { detail?: { flags?: number } }).detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forced++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const results = await runBatch({ mode: 'shared', modules: [], tasks: [task(0), task(1)] } as never);
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  assert.equal(results.map((r) => (r as { value: unknown }).value), [n, n]);
  assert.ok(forced >= 1, 'the worker collected after its chains let go of their partitions');
});

test.run();
