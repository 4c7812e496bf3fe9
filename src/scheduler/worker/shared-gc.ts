// V8 does not count SharedArrayBuffer memory towards its GC heuristics, so partitions that are dropped
// stay resident until an unrelated collection happens: a reduction over 64 partitions of 16 MB peaked
// at 1.1 GB instead of ~200 MB. Workers therefore force a collection whenever resident memory grew by
// GROWTH bytes since the last one. A collection of a worker's small heap costs a few ms.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const GROWTH = 128 * 1024 * 1024;

/** The engine's gc(), obtained without --expose-gc on the command line (workers cannot take V8 flags). */
const gc: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
})();

let baseline = process.memoryUsage.rss();

/** Collect if resident memory grew by more than GROWTH since the last collection. Cheap (one rss read) otherwise. */
export function collectIfGrown(): void {
  if (!gc) return;
  const rss = process.memoryUsage.rss();
  if (rss - baseline < GROWTH) {
    if (rss < baseline) baseline = rss;
    return;
  }
  gc();
  baseline = process.memoryUsage.rss();
}
