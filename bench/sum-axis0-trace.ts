// Where the time of bench/array.ts case (d) goes: sum(axis=0) of a persisted 20000 x 5000 float64 array in 8
// row chunks on threads, computed --computes times. Every array op on every thread records its start and end
// in a shared ring (op-ring.ts: no message per op, so the trace barely disturbs what it measures). Prints the
// medians over the computes after the first five: when the first and the last worker began their first chunk,
// the kernel time summed over chunks, the idle time between one thread's chunks, how long one thread waited
// at the end for the other, and the time from the in-place combine to compute()'s return. --detail also
// prints the timeline of three computes. Found 2026-12-03 (2 vCPUs): kernels 4.7-5.4 ms per 100 MB chunk with
// both threads streaming, first chunk starts ~1 ms after compute() is called when the box is quiet.
// usage: node --import tsx bench/sum-axis0-trace.ts [--computes 30] [--detail] [--chunksize N]

import { BroadcastChannel } from 'node:worker_threads';
import { array, random, closeExecutors, type ComputeOptions } from '../src/index.ts';
import { RING_CHANNEL, opNames, mainRing, type Ring } from './op-ring.ts';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const computes = Number(arg('computes') ?? 30);
const detail = argv.includes('--detail');
const chunksize = arg('chunksize');

const opts: ComputeOptions = {
  scheduler: 'threads',
  workerModules: [new URL('./op-ring.ts', import.meta.url).href],
  ...(chunksize ? { chunksize: Number(chunksize) } : {}),
};
const rings: Ring[] = [mainRing];
const channel = new BroadcastChannel(RING_CHANNEL);
channel.onmessage = (e) => rings.push((e as unknown as { data: Ring }).data);

const x = random.generator(1).uniform([20000, 5000], { chunks: [2500, 5000] });
const data = await x.compute(opts);
const persisted = array.fromTypedArray(data.data as Float64Array, x.shape, { chunks: x.chunks });

interface Op {
  op: string;
  thread: number;
  start: number;
  end: number;
}
const stats: Record<string, number[]> = {};
const note = (k: string, v: number): void => void (stats[k] ??= []).push(v);
for (let i = 0; i < computes; i++) {
  const seen = rings.map((r) => Atomics.load(r.counter, 0));
  const t0 = performance.timeOrigin + performance.now();
  await persisted.sum({ axis: 0 }).compute(opts);
  const t1 = performance.timeOrigin + performance.now();
  const ops: Op[] = [];
  rings.forEach((r, k) => {
    for (let j = seen[k]!; j < Atomics.load(r.counter, 0); j++) {
      const o = 4 * (j % (r.ring.length / 4));
      ops.push({ op: opNames[r.ring[o]!] ?? '?', start: r.ring[o + 1]! - t0, end: r.ring[o + 2]! - t0, thread: r.ring[o + 3]! });
    }
  });
  ops.sort((a, b) => a.start - b.start);
  if (detail && i >= 20 && i < 23) {
    console.log(`compute ${i}: ${(t1 - t0).toFixed(2)} ms`);
    for (const o of ops) console.log(`  t${o.thread} ${o.op.slice(6).padEnd(28)} ${o.start.toFixed(2).padStart(7)} .. ${o.end.toFixed(2).padStart(7)}`);
  }
  if (i < 5) continue; // the kernels tier up and the pool warms over the first computes
  const kernels = ops.filter((o) => o.op === 'array.reduce-partial');
  const byThread = new Map<number, Op[]>();
  for (const k of kernels) byThread.set(k.thread, [...(byThread.get(k.thread) ?? []), k]);
  const firsts = [...byThread.values()].map((ks) => ks[0]!.start);
  const lasts = [...byThread.values()].map((ks) => ks[ks.length - 1]!.end);
  let gaps = 0;
  for (const ks of byThread.values()) for (let j = 1; j < ks.length; j++) gaps += ks[j]!.start - ks[j - 1]!.end;
  const combine = ops.find((o) => o.op.startsWith('array.reduce-combine'));
  note('compute() ms', t1 - t0);
  note('first chunk starts (ms after the call)', Math.min(...firsts));
  note('last worker starts its first chunk', Math.max(...firsts));
  note('kernel ms summed over chunks', kernels.reduce((s, k) => s + k.end - k.start, 0));
  note('idle between chunks, summed over threads', gaps);
  note('one thread waits for the other at the end', Math.max(...lasts) - Math.min(...lasts));
  if (combine) note('combine start -> compute() returns', t1 - t0 - combine.start);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`sum(axis=0) of 20000 x 5000 in 8 chunks, medians of ${computes - 5} computes (ms):`);
for (const [k, v] of Object.entries(stats)) console.log(`  ${k.padEnd(44)} ${median(v).toFixed(2)}`);
channel.close();
await closeExecutors();
