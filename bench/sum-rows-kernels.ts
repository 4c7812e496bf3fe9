// Issue 14 case (d) micro-bench: variants of the sum(axis=0) WebAssembly kernel (sum-rows-wasm.ts's add8),
// run by N worker threads at once, each summing its own 2500x5000 float64 chunk (100 MB, as bench/array.ts's
// case (d) chunks) in its own shared memory. The variants run alternately, all threads on the same variant at
// the same time (a barrier), so a neighbour's load on this shared box falls on every variant alike.
// Reports median thread-CPU ms per chunk per variant per thread count, and checks each variant's bits against add8's.
// Found 2026-12-03 on the shared 2-core box (load 6-9): column tiles (512/1024 columns down all rows),
// software prefetch (an i32 load 1-4 KiB ahead per row stream), 4 groups per pass and unroll 4 all cost
// 8-70% more thread CPU; two groups per pass (2g shared) measured -4..-13% CPU with 2 threads over six runs
// and +11% in a seventh: inside the noise, not shipped (commit 769add2 has it in sum-rows-wasm.ts).
// 2026-12-03 (load ~1.5): one input stream as NumPy (row1 u4) +22% wall with 2 threads, +31% alone; four rows
// a pass (row4, row4 u2) +6-10% with 2 threads, +1-8% alone: eight rows a pass stays.
// usage: node --import tsx bench/sum-rows-kernels.ts [--only 'unroll4,2g shared'] [--threads 2] [--rounds 7] [--calls 3] [--rows 2500] [--cols 5000]

import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { get, i32c, load, op, set, store } from '../src/kernels/array/elementary-wasm.ts';
import { I32, funcBody, moduleOf, type ModuleFunction } from '../src/kernels/array/wasm-encode.ts';

const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, VOID = 0x40, BR_IF = 0x0d, BR = 0x0c, DROP = 0x1a;
const I32_ADD = [0x6a], I32_GE_U = [0x4f], I32_EQZ = [0x45], I32_SUB = [0x6b];
const F64_ADD = [0xa0];
const uleb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const f64load = (offset = 0): number[] => [0x2b, 3, ...uleb(offset)];
const f64store = (offset = 0): number[] => [0x39, 3, ...uleb(offset)];
const i32load = (offset = 0): number[] => [0x28, 2, ...uleb(offset)];

/**
 * rows(acc, src, stride, n, passes): each pass adds `groups` consecutive eight-row groups to acc (acc loaded
 * and stored once per pass, the groups' trees added in order: the same bits as one group per pass); column
 * pairs `unroll` at a time; with prefetch > 0 one i32 load per row stream and unrolled step, `prefetch` bytes ahead.
 */
function rowsFn(fname: string, groups: number, unroll: number, prefetch: number, shared = false): ModuleFunction {
  const ACC = 0, SRC = 1, STRIDE = 2, N = 3, PASSES = 4;
  const P = 5, A = 6, END_A = 7, END_U = 8, H = 9;
  const R = 8 * groups;
  // shared: one base pointer per group (Q[h] = P + h * 8 * stride) and the seven k * stride: fewer live registers
  const nS = shared ? 7 : R - 1;
  const S = [-1, ...Array.from({ length: nS }, (_, i) => 10 + i)];
  const Q = [P, ...Array.from({ length: groups - 1 }, (_, h) => 10 + nS + h)];
  const nLocals = 5 + nS + (shared ? groups - 1 : 0);
  const base = (r: number): number[] => (shared ? get(Q[r >> 3]!) : get(P));
  const rowAddr = (r: number): number[] => {
    const k = shared ? r & 7 : r;
    return k === 0 ? base(r) : [...base(r), ...get(S[k]!), ...I32_ADD];
  };
  const tree = (h: number, ld: (o?: number) => number[], add: number[], o: number): number[] => {
    const row = (k: number): number[] => [...rowAddr(8 * h + k), ...ld(o)];
    return [
      ...row(0), ...row(1), ...add, ...row(2), ...row(3), ...add, ...add,
      ...row(4), ...row(5), ...add, ...row(6), ...row(7), ...add, ...add,
      ...add,
    ];
  };
  const column = (ld: (o?: number) => number[], st: (o?: number) => number[], add: number[], o: number): number[] => [
    ...get(A), ...get(A), ...ld(o),
    ...Array.from({ length: groups }, (_, h) => [...tree(h, ld, add, o), ...add]).flat(),
    ...st(o),
  ];
  const touch = prefetch > 0 ? Array.from({ length: R }, (_, r) => [...rowAddr(r), ...i32load(prefetch), DROP]).flat() : [];
  const step = (bytes: number): number[] => [
    ...get(A), ...i32c(bytes), ...I32_ADD, ...set(A),
    ...(shared ? Q : [P]).flatMap((q) => [...get(q), ...i32c(bytes), ...I32_ADD, ...set(q)]),
  ];
  const eightRows = S[7]!; // 7 * stride
  const setQ = shared ? Q.slice(1).flatMap((q, h) => [...get(Q[h]!), ...get(eightRows), ...I32_ADD, ...get(STRIDE), ...I32_ADD, ...set(q)]) : [];
  const code = [
    ...get(STRIDE), ...set(S[1]!),
    ...Array.from({ length: nS - 1 }, (_, i) => i + 2).flatMap((k) => [...get(S[k - 1]!), ...get(STRIDE), ...I32_ADD, ...set(S[k]!)]),
    ...get(ACC), ...get(N), ...i32c(-2), 0x71, ...i32c(3), 0x74, ...I32_ADD, ...set(END_A),
    ...get(ACC), ...get(N), ...i32c(-2 * unroll), 0x71, ...i32c(3), 0x74, ...I32_ADD, ...set(END_U),
    ...get(PASSES), ...set(H),
    BLOCK, VOID, LOOP, VOID,
    ...get(H), ...I32_EQZ, BR_IF, 1,
    ...get(SRC), ...set(P), ...get(ACC), ...set(A), ...setQ,
    ...(unroll > 1 || prefetch > 0 ? [
      BLOCK, VOID, LOOP, VOID,
      ...get(A), ...get(END_U), ...I32_GE_U, BR_IF, 1,
      ...touch,
      ...Array.from({ length: unroll }, (_, u) => column(load, store, op.add, 16 * u)).flat(),
      ...step(16 * unroll),
      BR, 0, END, END,
    ] : []),
    BLOCK, VOID, LOOP, VOID,
    ...get(A), ...get(END_A), ...I32_GE_U, BR_IF, 1,
    ...column(load, store, op.add, 0),
    ...step(16),
    BR, 0, END, END,
    ...get(N), ...i32c(1), 0x71, 0x04, VOID,
    ...column(f64load, f64store, F64_ADD, 0),
    END,
    ...(shared
      ? [...get(SRC), ...Array.from({ length: groups }, () => [...get(S[7]!), ...I32_ADD, ...get(STRIDE), ...I32_ADD]).flat(), ...set(SRC)]
      : [...get(SRC), ...get(S[R - 1]!), ...I32_ADD, ...get(STRIDE), ...I32_ADD, ...set(SRC)]),
    ...get(H), ...i32c(1), ...I32_SUB, ...set(H),
    BR, 0, END, END,
    END,
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], results: [], body: funcBody([[nLocals, I32]], code) };
}


/** row1(acc, src, stride, n, rows): acc += each row in turn (one input stream, as NumPy), 4 vectors a step; n % 8 == 0. */
function row1Fn(fname: string): ModuleFunction {
  const ACC = 0, SRC = 1, STRIDE = 2, N = 3, ROWS = 4, P = 5, A = 6, END_U = 7;
  const code = [
    ...get(ACC), ...get(N), ...i32c(3), 0x74, ...I32_ADD, ...set(END_U),
    BLOCK, VOID, LOOP, VOID,
    ...get(ROWS), ...I32_EQZ, BR_IF, 1,
    ...get(SRC), ...set(P), ...get(ACC), ...set(A),
    BLOCK, VOID, LOOP, VOID,
    ...get(A), ...get(END_U), ...I32_GE_U, BR_IF, 1,
    ...[0, 1, 2, 3].flatMap((u) => [...get(A), ...get(A), ...load(16 * u), ...get(P), ...load(16 * u), ...op.add, ...store(16 * u)]),
    ...get(A), ...i32c(64), ...I32_ADD, ...set(A), ...get(P), ...i32c(64), ...I32_ADD, ...set(P),
    BR, 0, END, END,
    ...get(SRC), ...get(STRIDE), ...I32_ADD, ...set(SRC),
    ...get(ROWS), ...i32c(1), ...I32_SUB, ...set(ROWS),
    BR, 0, END, END,
    END,
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], results: [], body: funcBody([[3, I32]], code) };
}

/** row4(acc, src, stride, n, quads): acc += ((r0 + r1) + (r2 + r3)) for each four consecutive rows (four input streams), 1 vector a step; n % 2 == 0. */
function row4Fn(fname: string, unroll: number): ModuleFunction {
  const ACC = 0, SRC = 1, STRIDE = 2, N = 3, QUADS = 4, P = 5, A = 6, END_U = 7, S1 = 8, S2 = 9, S3 = 10;
  const row = (k: number, o: number): number[] => [...get(P), ...(k === 0 ? [] : [...get([0, S1, S2, S3][k]!), ...I32_ADD]), ...load(o)];
  const col = (o: number): number[] => [...get(A), ...get(A), ...load(o), ...row(0, o), ...row(1, o), ...op.add, ...row(2, o), ...row(3, o), ...op.add, ...op.add, ...op.add, ...store(o)];
  const code = [
    ...get(STRIDE), ...set(S1), ...get(STRIDE), ...get(STRIDE), ...I32_ADD, ...set(S2), ...get(S2), ...get(STRIDE), ...I32_ADD, ...set(S3),
    ...get(ACC), ...get(N), ...i32c(3), 0x74, ...I32_ADD, ...set(END_U),
    BLOCK, VOID, LOOP, VOID,
    ...get(QUADS), ...I32_EQZ, BR_IF, 1,
    ...get(SRC), ...set(P), ...get(ACC), ...set(A),
    BLOCK, VOID, LOOP, VOID,
    ...get(A), ...get(END_U), ...I32_GE_U, BR_IF, 1,
    ...Array.from({ length: unroll }, (_, u) => col(16 * u)).flat(),
    ...get(A), ...i32c(16 * unroll), ...I32_ADD, ...set(A), ...get(P), ...i32c(16 * unroll), ...I32_ADD, ...set(P),
    BR, 0, END, END,
    ...get(SRC), ...get(S3), ...I32_ADD, ...get(STRIDE), ...I32_ADD, ...set(SRC),
    ...get(QUADS), ...i32c(1), ...I32_SUB, ...set(QUADS),
    BR, 0, END, END,
    END,
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], results: [], body: funcBody([[6, I32]], code) };
}

type Fn = (acc: number, src: number, stride: number, n: number, passes: number) => void;
interface Variant { name: string; run: (acc: number, src: number, stride: number, cols: number, groups: number) => void }

function variants(exp: Record<string, Fn>): Variant[] {
  const grouped = (f: Fn, per: number, one: Fn) => (acc: number, src: number, stride: number, cols: number, groups: number) => {
    const passes = Math.floor(groups / per);
    f(acc, src, stride, cols, passes);
    const rest = groups - passes * per;
    if (rest > 0) one(acc, src + passes * per * 8 * stride, stride, cols, rest);
  };
  const tiled = (f: Fn, width: number) => (acc: number, src: number, stride: number, cols: number, groups: number) => {
    for (let j0 = 0; j0 < cols; j0 += width) f(acc + j0 * 8, src + j0 * 8, stride, Math.min(width, cols - j0), groups);
  };
  const base = exp.g1u1!;
  return [
    { name: 'add8 (now)', run: base },
    { name: 'unroll4', run: exp.g1u4! },
    { name: '2 groups/pass', run: grouped(exp.g2u1!, 2, base) },
    { name: '2 groups u4', run: grouped(exp.g2u4!, 2, base) },
    { name: '4 groups/pass', run: grouped(exp.g4u1!, 4, base) },
    { name: '2g shared', run: grouped(exp.g2u1s!, 2, base) },
    { name: '2g shared u2', run: grouped(exp.g2u2s!, 2, base) },
    { name: '2g shared u4', run: grouped(exp.g2u4s!, 2, base) },
    { name: '4g shared', run: grouped(exp.g4u1s!, 4, base) },
    { name: 'u4 pf 1 KiB', run: exp.g1u4p1k! },
    { name: 'u4 pf 4 KiB', run: exp.g1u4p4k! },
    { name: '2g u4 pf 2 KiB', run: grouped(exp.g2u4p2k!, 2, base) },
    { name: 'row4', run: (acc: number, src: number, stride: number, cols: number, groups: number) => exp.row4!(acc, src, stride, cols, groups * 2) },
    { name: 'row4 u2', run: (acc: number, src: number, stride: number, cols: number, groups: number) => exp.row4u2!(acc, src, stride, cols, groups * 2) },
    { name: 'row1 u4', run: (acc: number, src: number, stride: number, cols: number, groups: number) => exp.row1!(acc, src, stride, cols, groups * 8) },
    { name: 'col tile 512', run: tiled(base, 512) },
    { name: 'col tile 1024', run: tiled(base, 1024) },
  ];
}

const moduleFns = [
  rowsFn('g1u1', 1, 1, 0), rowsFn('g1u4', 1, 4, 0), rowsFn('g2u1', 2, 1, 0), rowsFn('g2u4', 2, 4, 0), rowsFn('g4u1', 4, 1, 0),
  rowsFn('g2u1s', 2, 1, 0, true), rowsFn('g2u2s', 2, 2, 0, true), rowsFn('g2u4s', 2, 4, 0, true), rowsFn('g4u1s', 4, 1, 0, true),
  rowsFn('g1u4p1k', 1, 4, 1024), rowsFn('g1u4p4k', 1, 4, 4096), rowsFn('g2u4p2k', 2, 4, 2048), row1Fn('row1'), row4Fn('row4', 1), row4Fn('row4u2', 2),
];

// This thread's CPU time (the box is shared: wall time includes waiting for a core). Node 20 has no
// process.threadCpuUsage; Linux's schedstat gives the thread's time on a CPU in nanoseconds, but updated at
// scheduler ticks and switches only (4 ms steps here): meaningful as a mean over many calls, not per call.
const threadCpuNs = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

if (isMainThread) {
  // a worker of a .ts file: tsx's loader registered in it first (workers take no --import)
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const argv = process.argv.slice(2);
  const arg = (n: string, d: number): number => { const i = argv.indexOf(`--${n}`); return i >= 0 ? Number(argv[i + 1]) : d; };
  const rounds = arg('rounds', 7), calls = arg('calls', 3), rows = arg('rows', 2500), cols = arg('cols', 5000);
  // --only a,b,c: the variants whose names are listed (add8 always first, the reference)
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : null;
  const threadCounts = argv.includes('--threads') ? [arg('threads', 2)] : [2, 1];
  for (const threads of threadCounts) {
    const barrier = new SharedArrayBuffer(8);
    const cpu0 = process.cpuUsage();
    const results = await Promise.all(Array.from({ length: threads }, (_, w) => new Promise<{ times: Record<string, number[]>; cpus: Record<string, number[]>; mismatches: string[] }>((resolve, reject) => {
      const worker = new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`, { eval: true, workerData: { w, threads, barrier, rounds, calls, rows, cols, only } });
      worker.once('message', resolve);
      worker.once('error', reject);
    })));
    const cpu = process.cpuUsage(cpu0);
    console.log(`\n${threads} thread(s), ${rows}x${cols} chunk each, ${rounds} rounds x ${calls} calls; process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
    const names = Object.keys(results[0]!.times);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const baseMed = median(results.flatMap((r) => r.times[names[0]!]!));
    const baseCpu = mean(results.flatMap((r) => r.cpus[names[0]!]!));
    for (const name of names) {
      const all = results.flatMap((r) => r.times[name]!);
      const cpu = mean(results.flatMap((r) => r.cpus[name]!));
      const per = results.map((r) => median(r.times[name]!).toFixed(2)).join(' / ');
      console.log(`${name.padEnd(16)} wall median ${median(all).toFixed(2)} ms (per thread ${per}) ${(100 * (median(all) / baseMed - 1)).toFixed(1).padStart(6)}%` +
        `  | thread CPU mean ${cpu.toFixed(2)} ms ${(100 * (cpu / baseCpu - 1)).toFixed(1).padStart(6)}%`);
    }
    const bad = results.flatMap((r) => r.mismatches);
    console.log(bad.length ? `BIT MISMATCHES: ${[...new Set(bad)].join(', ')}` : 'bits: every variant identical to add8');
  }
} else {
  const { w, threads, barrier, rounds, calls, rows, cols, only } = workerData as { w: number; threads: number; barrier: SharedArrayBuffer; rounds: number; calls: number; rows: number; cols: number; only: string[] | null };
  const chunkBytes = rows * cols * 8;
  const slack = 65536 * 2; // prefetch touches past the chunk's end: the real memory has its slots' tail there
  const accBytes = Math.ceil((cols * 8) / 65536) * 65536;
  const pages = Math.ceil((chunkBytes + slack + accBytes) / 65536);
  // the lib has no DOM/WebAssembly types: the few constructors used, typed here
  const wasm = (globalThis as unknown as { WebAssembly: {
    Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: unknown };
  } }).WebAssembly;
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  const exp = new wasm.Instance(new wasm.Module(moduleOf(moduleFns, 1, [], { sharedMaximum: 65536 })), { m: { memory } }).exports as Record<string, Fn>;
  const buf = memory.buffer as SharedArrayBuffer;
  const chunk = new Float64Array(buf, 0, rows * cols);
  let s = 12345 + w;
  for (let i = 0; i < chunk.length; i++) { s = (s * 1103515245 + 12345) >>> 0; chunk[i] = (s / 4294967296 - 0.5) * (i % 7 === 0 ? 1e6 : 1); }
  const accAt = pages * 65536 - accBytes;
  const acc = new Float64Array(buf, accAt, cols);
  const groups = Math.floor(rows / 8);
  const vs = variants(exp).filter((v, i) => i === 0 || only === null || only.includes(v.name));
  const sync = new Int32Array(barrier);
  let generation = 0;
  const wait = (): void => {
    generation++;
    if (Atomics.add(sync, 0, 1) === threads * generation - 1) Atomics.notify(sync, 0);
    else while (Atomics.load(sync, 0) < threads * generation) Atomics.wait(sync, 0, Atomics.load(sync, 0), 100);
  };
  let reference: Float64Array | null = null;
  const mismatches: string[] = [];
  const times: Record<string, number[]> = Object.fromEntries(vs.map((v) => [v.name, []]));
  const cpus: Record<string, number[]> = Object.fromEntries(vs.map((v) => [v.name, []]));
  for (let round = -1; round < rounds; round++) {
    for (let k = 0; k < vs.length; k++) {
      const v = vs[(k + Math.max(round, 0)) % vs.length]!;
      wait();
      for (let c = 0; c < calls; c++) {
        acc.fill(0.25);
        const t = threadCpuNs(), t0 = performance.now();
        v.run(accAt, 0, cols * 8, cols, groups);
        const wall = performance.now() - t0, cpu = (threadCpuNs() - t) / 1e6;
        if (round >= 0) { times[v.name]!.push(wall); cpus[v.name]!.push(cpu); }
      }
      if (v === vs[0]) reference ??= acc.slice();
      else if (reference && !new Uint8Array(acc.buffer, acc.byteOffset, acc.byteLength).every((b, i) => b === new Uint8Array(reference!.buffer)[i])) mismatches.push(v.name);
    }
  }
  parentPort!.postMessage({ times, cpus, mismatches });
}
