// Shared memory is freed only when every thread that held a handle to it has collected that handle; V8 does
// not count SharedArrayBuffers towards its own collections. noteReleased collects once a thread has let go of
// enough shared bytes, and releaseScratch drops the buffers a thread keeps between tasks and collects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noteReleased } from '../../src/scheduler/worker/shared-gc.ts';
import { registerScratch, releaseScratch } from '../../src/kernels/scratch.ts';
import { sharedBytes } from '../../src/scheduler/transport.ts';
import { array, closeExecutors } from '../../src/index.ts';
import { vectorFromArray } from 'apache-arrow';

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

test('sharedBytes counts array chunks, reduction partials and Arrow data, not private memory', () => {
  const chunk = { data: new Float64Array(new SharedArrayBuffer(800)), shape: [10, 10], stride: [10, 1], offset: 0, dtype: 'float64' };
  const partial = { name: 'mean', shape: [10], values: new Float64Array(new SharedArrayBuffer(80)), count: new Float64Array(new SharedArrayBuffer(80)) };
  assert.is(sharedBytes(chunk), 800);
  assert.is(sharedBytes(partial), 160);
  assert.is(sharedBytes([chunk, { nested: [partial] }]), 960);
  // a view counts its own bytes, not its whole buffer
  assert.is(sharedBytes(new Int32Array(new SharedArrayBuffer(4096), 16, 8)), 32);
  // memory no other thread can hold is not this module's business: V8 counts it already
  assert.is(sharedBytes(new Float64Array(100)), 0);
  assert.is(sharedBytes({ data: new Float64Array(100) }), 0);
  const v = vectorFromArray(new Float64Array([1, 2, 3]));
  assert.is(sharedBytes(v), v.data.reduce((s, d) => s + d.byteLength, 0));
  assert.is(sharedBytes(null), 0);
  assert.is(sharedBytes(7), 0);
});

test('threads: array intermediates that pass through the main thread are freed as computes go, not held until some collection', async () => {
  // 8 row chunks of a 16 x 1500 array: x.T @ x makes eight 18 MB partials (shared WebAssembly memories, made in
  // the workers, held by this thread until dropped) and the adds between them, ~150 MB of garbage per compute.
  // Before the main thread counted dropped array chunks, each compute added that much to resident memory (10
  // computes: +1.4 GB). The pause lets this thread's collections (at most one per 200 ms) keep up.
  const x = array.fromTypedArray(Float64Array.from({ length: 16 * 1500 }, (_, i) => Math.sin(i)), [16, 1500], { chunks: [2, 1500] });
  const gram = x.T.matmul(x);
  const opts = { scheduler: 'threads' as const, numWorkers: 2 };
  let first: Float64Array | null = null;
  await gram.sum().compute(opts); // warm-up: threads started, modules loaded
  const before = process.memoryUsage.rss();
  let peak = before;
  try {
    for (let i = 0; i < 10; i++) {
      const g = (await gram.compute(opts)).data as Float64Array;
      first ??= g;
      assert.is(g[1501], first[1501]); // the same answer each time (freed memory is never reused while held)
      peak = Math.max(peak, process.memoryUsage.rss());
      await new Promise((r) => setTimeout(r, 220));
    }
  } finally {
    await closeExecutors();
  }
  const grown = (peak - before) / 2 ** 20;
  assert.ok(grown < 700, `resident memory grew by ${grown.toFixed(0)} MiB over 10 computes`);
});

test.run();
