// V8 does not count SharedArrayBuffer memory towards its GC heuristics, so partitions that are dropped
// stay resident until an unrelated collection happens: a reduction over 64 partitions of 16 MB peaked
// at 1.1 GB instead of ~200 MB. And a shared buffer is freed only when EVERY thread that held a handle to
// it (the worker that made it, the main thread that kept it, the worker that read it) has collected that
// handle. So each thread collects on two signals: resident memory grew by GROWTH since its last collection,
// or it let go of enough bytes of shared memory (task inputs and results handed on, values the main
// thread dropped). A collection of a worker's small heap costs a few ms; of a main thread's, tens of ms.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const GROWTH = 128 * 1024 * 1024;
/** Shared bytes let go of before a worker collects (a worker heap collects in a few ms): a shuffle's splits leave little garbage behind, its consumers free their pieces as they go. */
export const WORKER_RELEASED = 16 * 1024 * 1024;

/**
 * The engine's gc(), obtained without --expose-gc on the command line (workers cannot take V8 flags), on the
 * first collection: the new context it takes costs ~5-15 ms, which every thread paid at load, collecting or not.
 */
let engineGc: (() => void) | null | undefined;
function gc(): (() => void) | null {
  if (engineGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn = runInNewContext('gc') as unknown;
      engineGc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      engineGc = null;
    }
  }
  return engineGc;
}

let baseline = process.memoryUsage.rss();
let released = 0;
let lastCollect = -Infinity;

function collect(): void {
  const collectGarbage = gc();
  if (!collectGarbage) return;
  collectGarbage();
  released = 0;
  baseline = process.memoryUsage.rss();
  lastCollect = performance.now();
}

/** Collect if resident memory grew by more than GROWTH since the last collection. Cheap (one rss read) otherwise. */
export function collectIfGrown(): void {
  const rss = process.memoryUsage.rss();
  if (rss - baseline < GROWTH) {
    if (rss < baseline) baseline = rss;
    return;
  }
  collect();
}

/**
 * This thread no longer holds `bytes` of shared memory: collect once `threshold` bytes have accumulated, but
 * not within `minIntervalMs` of the last collection (a collection costs the same for 16 MB as for 1 GB, so
 * tasks that pass big partitions through quickly must not pay one each).
 */
export function noteReleased(bytes: number, threshold = WORKER_RELEASED, minIntervalMs = 20): void {
  if (bytes <= 0) return;
  released += bytes;
  if (released >= threshold && performance.now() - lastCollect >= minIntervalMs) collect();
}

/** Collect now (a thread just dropped a large buffer of its own, such as a reader's kept partition buffer). */
export function collectNow(): void {
  collect();
}
