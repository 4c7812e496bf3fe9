// Loaded into every worker thread by bench/gram.ts (workerModules), and into the main thread: wraps every
// registered array op so each run posts {op, thread, start, end, cpu} on a BroadcastChannel. Start and end
// are epoch milliseconds (performance.timeOrigin + now, comparable across threads); cpu is this thread's
// CPU milliseconds over the op, read from /proc/thread-self/stat (clock ticks, 10 ms granularity).

import { readFileSync } from 'node:fs';
import { BroadcastChannel, threadId } from 'node:worker_threads';

export interface TraceEvent {
  op: string;
  thread: number;
  start: number;
  end: number;
  cpu: number;
}

export const TRACE_CHANNEL = 'tessera-bench-gram-trace';

/** This thread's user + system CPU in ms (Linux). */
export function threadCpuMs(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime after the comm field
}

const channel = new BroadcastChannel(TRACE_CHANNEL);
(channel as unknown as { unref(): void }).unref();

type Entry = { fn: (...args: unknown[]) => unknown };
const ops = (globalThis as unknown as Record<symbol, Map<string, Entry> | undefined>)[Symbol.for('tessera.ops')];
const wrapped = new WeakSet<object>();
for (const [id, entry] of ops ?? []) {
  if (!id.startsWith('array.') || wrapped.has(entry)) continue;
  const inner = entry.fn;
  entry.fn = function traced(...args: unknown[]) {
    const c0 = threadCpuMs();
    const start = performance.timeOrigin + performance.now();
    const value = inner(...args);
    const end = performance.timeOrigin + performance.now();
    channel.postMessage({ op: id, thread: threadId, start, end, cpu: threadCpuMs() - c0 } satisfies TraceEvent);
    return value;
  };
  wrapped.add(entry);
}
