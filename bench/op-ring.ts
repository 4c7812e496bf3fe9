// For bench traces (sum-axis0-trace.ts): loaded into every worker thread (workerModules) and into the main
// thread, it wraps every registered array op so each run writes [op code, start, end, thread id] (epoch ms)
// into this thread's own shared ring: no message per op. Each thread announces its ring once on a
// BroadcastChannel; the main thread's ring is exported.

import { BroadcastChannel, threadId } from 'node:worker_threads';

export const RING_CHANNEL = 'tessera-bench-op-ring';
const ENTRIES = 8192;

export interface Ring {
  threadId: number;
  /** ENTRIES x [op code, start, end, thread id]; entry j is at 4 * (j % ENTRIES). */
  ring: Float64Array;
  /** [entries written so far] */
  counter: Int32Array;
}

const ring = new Float64Array(new SharedArrayBuffer(8 * 4 * ENTRIES));
const counter = new Int32Array(new SharedArrayBuffer(4));
export const mainRing: Ring = { threadId, ring, counter };

const channel = new BroadcastChannel(RING_CHANNEL);
(channel as unknown as { unref(): void }).unref();
channel.postMessage(mainRing);

/** Op codes in registration order: the same in every thread (each registers the same ops in the same order). */
export const opNames: string[] = [];
type Entry = { fn: (...args: unknown[]) => unknown };
const ops = (globalThis as unknown as Record<symbol, Map<string, Entry> | undefined>)[Symbol.for('tessera.ops')];
const wrapped = new WeakSet<object>();
for (const [id, entry] of ops ?? []) {
  if (!id.startsWith('array.') || wrapped.has(entry)) continue;
  const code = opNames.push(id) - 1;
  const inner = entry.fn;
  entry.fn = function traced(...args: unknown[]) {
    const start = performance.timeOrigin + performance.now();
    const value = inner(...args);
    const o = 4 * ((Atomics.add(counter, 0, 1) % ENTRIES));
    ring[o] = code;
    ring[o + 1] = start;
    ring[o + 2] = performance.timeOrigin + performance.now();
    ring[o + 3] = threadId;
    return value;
  };
  wrapped.add(entry);
}
