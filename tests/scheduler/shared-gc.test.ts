// Shared memory is freed only when every thread that held a handle to it has collected that handle; V8 does
// not count SharedArrayBuffers towards its own collections. noteReleased collects once a thread has let go of
// enough shared bytes, and releaseScratch drops the buffers a thread keeps between tasks and collects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noteReleased } from '../../src/scheduler/worker/shared-gc.ts';
import { registerScratch, releaseScratch } from '../../src/kernels/scratch.ts';

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

test.run();
