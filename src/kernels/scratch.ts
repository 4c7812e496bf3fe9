// Large buffers a thread keeps between tasks to reuse (a CSV reader's partition buffer, tens of MB) register
// a release function here. A task that runs only after every read of its input is over (a shuffle's
// consumer) lets them go, so they do not sit idle beside the shuffled data at the run's memory peak; a later
// read allocates its buffer again (one allocation per thread).

import { collectNow } from '../scheduler/worker/shared-gc.ts';

/** Each returns true when it held a buffer and dropped it. */
const releases = new Set<() => boolean>();

export function registerScratch(release: () => boolean): void {
  releases.add(release);
}

/** Drop every kept buffer of this thread, and collect so their memory goes now. */
export function releaseScratch(): void {
  let dropped = false;
  for (const release of releases) dropped = release() || dropped;
  if (dropped) collectNow();
}
