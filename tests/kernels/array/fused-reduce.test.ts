// The fused chain + reduction kernels (fused-reduce.ts): a step's partial must have the same bits as
// evaluating the chain into memory and reducing it with partialReduce, for every tail length, piece and
// step edge, special values, several inputs and scalars; and an NDArray reduction must give the same
// bits with WebAssembly SIMD on (fused) and off (the JavaScript loop and reduce.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../../helpers.ts';
import { fusedInPlaceSteps, fusedReducer, type FusedKind, type StepSums } from '../../../src/kernels/array/fused-reduce.ts';
import { allocate } from '../../../src/kernels/array/dtypes.ts';
import { claimSlot, memoryOf, releaseSlot } from '../../../src/kernels/array/wasm-chunks.ts';
import { elementaryWasm, setElementaryWasmDisabled } from '../../../src/kernels/array/elementary-wasm.ts';
import { evaluate, resultDType, type ArrayExpr } from '../../../src/kernels/array/elementwise.ts';
import { partialOfSums, partialReduce, type Partial } from '../../../src/kernels/array/reduce.ts';
import { view } from '../../../src/kernels/array/strided.ts';
import { array, closeExecutors, compute } from '../../../src/index.ts';

const x = (i: number): ArrayExpr => ({ kind: 'input', index: i });
const s = (value: number): ArrayExpr => ({ kind: 'scalar', value });
const u = (op: string, arg: ArrayExpr): ArrayExpr => ({ kind: 'unary', op, arg } as ArrayExpr);
const bin = (op: string, left: ArrayExpr, right: ArrayExpr): ArrayExpr => ({ kind: 'binary', op, left, right } as ArrayExpr);

const CHAINS: ArrayExpr[] = [
  bin('add', u('exp', x(0)), bin('mul', u('sin', x(0)), s(3))),
  x(0),
  u('cos', bin('sub', x(0), x(1))),
  bin('div', u('log', u('abs', x(1))), bin('maximum', x(0), s(-0.5))),
  bin('minimum', u('sqrt', u('abs', x(0))), u('neg', u('floor', bin('mul', x(1), s(2.5))))),
  bin('add', u('ceil', x(0)), bin('mul', s(0.25), x(0))),
];

/** Field by field, bit for bit (a mean's fused step keeps no squares: its M2 is NaN and not compared). */
const same = (a: Partial, b: Partial, what: string): void => {
  if (a.name === 'mean') assert.ok(Number.isNaN(a.m2![0]), `${what}: a mean's fused M2 is NaN`);
  for (const field of a.name === 'mean' ? (['values', 'count', 'shift'] as const) : (['values', 'count', 'm2', 'shift'] as const)) {
    const p = a[field], q = b[field];
    assert.is(p === undefined, q === undefined, `${what}: ${field} present in both`);
    if (p && q) for (let i = 0; i < p.length; i++) if (!Object.is(p[i], q[i])) assert.unreachable(`${what}: ${field}[${i}] fused ${p[i]}, reduce.ts ${q[i]}`);
  }
};

const KINDS: FusedKind[] = ['sum', 'moments', 'mean'];
/** The reduction each kind's step stands for (moments: var, which reads every field). */
const NAME = { sum: 'sum', moments: 'var', mean: 'mean' } as const;
const stepPartial = (name: 'sum' | 'var' | 'mean', sums: StepSums, n: number): Partial =>
  sums.kind === 'sum' ? partialOfSums(name, [1], 'float64', { a: sums.a }) : partialOfSums(name, [1], 'float64', { n, shift: sums.shift, s1: sums.s1, sq: sums.sq });

test('a fused step has the bits of evaluate + partialReduce (every tail, piece and step edge, both kinds)', () => {
  if (!elementaryWasm()) return; // no WebAssembly SIMD: the fused form does not exist (the next test covers the fallback)
  const r = rng(11);
  const n = 40_000;
  const a = Float64Array.from({ length: n }, () => (r() - 0.3) * 8);
  const b = Float64Array.from({ length: n }, () => (r() - 0.5) * 3);
  a[7] = -0; // -0 in a sum and a min
  const dtypes = ['float64', 'float64'] as const;
  const isFloat64 = (e: ArrayExpr): boolean => resultDType(e, [...dtypes]) === 'float64';
  const lengths = [1, 2, 3, 4, 5, 6, 7, 64, 65, 66, 67, 4095, 4096, 4097, 4098, 4099, 8192 + 3, 32_768, 32_768 + 1];
  for (const expr of CHAINS) {
    for (const kind of KINDS) {
      for (const offset of [0, 3]) {
        const step = fusedReducer(expr, [{ data: a, offset }, { data: b, offset }], kind, isFloat64);
        assert.ok(step, `${JSON.stringify(expr)} has a fused form`);
        for (const len of lengths) {
          for (const at of [0, 1, 17]) {
            const sums = step!(at, len);
            const values = evaluate(expr, [view(a.subarray(offset + at, offset + at + len), [len]), view(b.subarray(offset + at, offset + at + len), [len])]);
            const name = NAME[kind];
            const want = partialReduce(name, values, [0], { dtype: 'float64' });
            // an infinity or NaN in a step's moments: the caller (ops.ts) redoes the step with partialReduce
            if (sums.kind !== 'sum' && !(Number.isFinite(sums.shift) && Number.isFinite(sums.s1))) {
              assert.ok(Number.isNaN(want.m2![0]) || !Number.isFinite(want.values![0]! + want.shift![0]!), 'reduce.ts saw the same infinity or NaN');
              continue;
            }
            const got = stepPartial(name, sums, len);
            same(got, want, `${kind} of ${JSON.stringify(expr)} over ${len} at ${at}+${offset}`);
          }
        }
      }
    }
  }
});

test('vectors with lanes left to Math.* (redone by the calling form) keep the bits: single lanes, both lanes, runs, every position', () => {
  if (!elementaryWasm()) return;
  const r = rng(23);
  const n = 9000;
  // each finite through every chain below, and each outside some kernel's fast range
  const specials = [-709.5, -800, 1e-30, -(2 ** -40), (3 * Math.PI) / 2 + 1e-6, -1e6 - 1, -1e300, 5e-324, -3e7];
  const a = Float64Array.from({ length: n }, () => (r() - 0.5) * 6);
  const b = Float64Array.from({ length: n }, () => (r() - 0.5) * 2);
  // lane 0 alone, lane 1 alone, both lanes, runs of consecutive vectors (even and odd starts), across piece edges
  const at = [0, 3, 10, 11, 20, 21, 22, 23, 24, 25, 26, 27, 101, 4094, 4095, 4096, 4097, 8190, 8191];
  at.forEach((i, k) => {
    a[i] = specials[k % specials.length]!;
    b[(i * 7) % n] = specials[(k + 4) % specials.length]!;
  });
  for (let i = 5000; i < 5400; i += 3) a[i] = specials[i % specials.length]!; // a third of the lanes in a stretch
  const chains: ArrayExpr[] = [
    bin('add', u('exp', x(0)), bin('mul', u('sin', x(0)), s(3))),
    u('cos', bin('sub', x(0), x(1))),
    bin('add', u('log', u('abs', x(1))), u('sin', x(0))),
  ];
  const isFloat64 = (): boolean => true;
  for (const expr of chains) {
    for (const kind of KINDS) {
      const step = fusedReducer(expr, [{ data: a, offset: 0 }, { data: b, offset: 0 }], kind, isFloat64)!;
      for (const [from, len] of [[0, n], [1, n - 1], [3, 4100], [4093, 9]]) {
        const sums = step(from!, len!);
        const values = evaluate(expr, [view(a.subarray(from, from! + len!), [len!]), view(b.subarray(from, from! + len!), [len!])]);
        const name = NAME[kind];
        const want = partialReduce(name, values, [0], { dtype: 'float64' });
        assert.ok(Number.isFinite(want.values![0]!), 'the chains stay finite on these inputs');
        const got = stepPartial(name, sums, len!);
        same(got, want, `${kind} of ${JSON.stringify(expr)} over ${len} at ${from}`);
      }
    }
  }
});

test('in place over shared WebAssembly memories: the bits of the staged form (offsets, tails at the very end, two inputs, slots all taken)', () => {
  if (!elementaryWasm()) return;
  const r = rng(31);
  const n = 2 ** 21 + 11; // 16 MiB and more: allocate() makes it a shared WebAssembly memory
  const both = allocate('float64', 2 * n) as Float64Array;
  assert.ok(memoryOf(both.buffer) !== undefined, 'a large allocation is a WebAssembly memory');
  for (let i = 0; i < 2 * n; i++) both[i] = (r() - 0.3) * 8;
  both[9] = -0;
  both[100] = 800; // exp's fallback lane, in place
  // a at the start of the memory, b a view starting n elements in (byteOffset != 0), the plain copies staged
  const a = both.subarray(0, n), b = new Float64Array(both.buffer, n * 8, n);
  const plainA = a.slice(), plainB = b.slice();
  const other = allocate('float64', n) as Float64Array; // another memory: inputs in two memories are staged
  other.set(plainB);
  const isFloat64 = (): boolean => true;
  const cases: Array<[number, number]> = [[0, 1], [0, 2], [0, 3], [1, 5], [17, 4097], [3, 32_768 + 1], [n - 7, 7], [n - 8, 7], [n - 32_769, 32_769]];
  for (const expr of CHAINS) {
    const readsB = JSON.stringify(expr).includes('"index":1');
    for (const kind of KINDS) {
      for (const offset of [0, 3]) {
        const inPlace = fusedReducer(expr, [{ data: a, offset }, { data: b, offset }], kind, isFloat64)!;
        const staged = fusedReducer(expr, [{ data: plainA, offset }, { data: plainB, offset }], kind, isFloat64)!;
        const mixed = fusedReducer(expr, [{ data: a, offset }, { data: other, offset }], kind, isFloat64)!;
        for (const [at, len0] of cases) {
          const len = Math.min(len0, n - offset - at);
          const name = NAME[kind];
          const want = stepPartial(name, staged(at, len), len);
          const what = `${kind} of ${JSON.stringify(expr)} over ${len} at ${at}+${offset}`;
          if (!Number.isFinite(want.values![0]!)) continue;
          const before = fusedInPlaceSteps();
          same(stepPartial(name, inPlace(at, len), len), want, `in place: ${what}`);
          assert.is(fusedInPlaceSteps(), before + 1, `ran in place: ${what}`);
          same(stepPartial(name, mixed(at, len), len), want, `two memories: ${what}`);
          // a chain reading a alone is in place there too
          assert.is(fusedInPlaceSteps(), before + (readsB ? 1 : 2), `staged when the inputs lie in two memories: ${what}`);
        }
      }
    }
  }
  // every scratch slot of the memory taken (other kernels at work): the step is staged, same bits
  const expr = CHAINS[0]!;
  const inPlace = fusedReducer(expr, [{ data: a, offset: 0 }], 'moments', isFloat64)!;
  const free = inPlace(5, 40_000);
  const slots: number[] = [];
  for (let s = claimSlot(both.buffer as SharedArrayBuffer); s >= 0; s = claimSlot(both.buffer as SharedArrayBuffer)) slots.push(s);
  const before = fusedInPlaceSteps();
  const busy = inPlace(5, 40_000);
  assert.is(fusedInPlaceSteps(), before, 'no slot: staged');
  for (const s of slots) releaseSlot(both.buffer as SharedArrayBuffer, s);
  same(stepPartial('var', busy, 40_000), stepPartial('var', free, 40_000), 'staged when no slot is free');
});

test('the shift is the chain at the first element, so a step holding Inf or NaN is seen (not fused, the caller redoes it)', () => {
  if (!elementaryWasm()) return;
  const a = Float64Array.from({ length: 300 }, (_, i) => i / 300);
  const isFloat64 = (): boolean => true;
  const step = fusedReducer(u('log', x(0)), [{ data: a, offset: 0 }], 'moments', isFloat64)!;
  const sums = step(0, 300);
  assert.ok(sums.kind === 'moments' && sums.shift === -Infinity, 'log(0) is the shift');
  const later = step(1, 299);
  assert.ok(later.kind === 'moments' && later.shift === Math.log(1 / 300) && Number.isFinite(later.s1));
});

test('NDArray sum/mean/var/std of chains: the same bits with SIMD on (fused) and off, across chunks, NaN and Inf', async () => {
  const r = rng(12);
  const n = 100_003;
  const d = Float64Array.from({ length: n }, (_, i) => (r() - 0.2) * (i % 7 === 0 ? 30 : 1));
  const e = Float64Array.from({ length: n }, () => r() + 0.01);
  const withBad = d.slice();
  withBad[50_001] = Infinity;
  withBad[70_000] = NaN;
  const sync = { scheduler: 'sync' } as const;
  for (const data of [d, withBad]) {
    for (const chunks of [40_000, 2 ** 15 + 5, 1000]) {
      const a = array.fromTypedArray(data, [n], { chunks });
      const b = array.fromTypedArray(e, [n], { chunks });
      const exprs = [a.exp().add(a.sin().mul(3)), a.cos().sub(b.log()), a.mul(b).maximum(0.2), a.add(1)];
      for (const ex of exprs) {
        for (const name of ['sum', 'mean', 'var', 'std'] as const) {
          const fast = (await ex[name]().compute(sync)).data[0] as number;
          const was = setElementaryWasmDisabled(true);
          const slow = (await ex[name]().compute(sync)).data[0] as number;
          setElementaryWasmDisabled(was);
          assert.ok(Object.is(fast, slow), `${name} with chunks ${chunks}: fused ${fast}, JavaScript ${slow}`);
        }
      }
    }
  }
  // chunks lying in a shared WebAssembly memory (16 MiB and more) are read in place: the same bits again, sync and threads
  const big = Float64Array.from({ length: 2 ** 21 + 5 }, (_, i) => (i % 5 === 0 ? -1 : 1) * r() * 3);
  const x = array.fromTypedArray(big, [big.length], { chunks: 2 ** 19 });
  const chain = x.exp().add(x.sin().mul(3));
  for (const name of ['sum', 'mean', 'var', 'std'] as const) {
    const before = fusedInPlaceSteps();
    const fast = (await chain[name]().compute(sync)).data[0] as number;
    assert.ok(fusedInPlaceSteps() > before, `${name}: the steps ran in place`);
    const threads = (await chain[name]().compute({ scheduler: 'threads', numWorkers: 2 })).data[0] as number;
    const was = setElementaryWasmDisabled(true);
    const slow = (await chain[name]().compute(sync)).data[0] as number;
    setElementaryWasmDisabled(was);
    assert.ok(Object.is(fast, slow) && Object.is(threads, slow), `${name} in place: fused ${fast}, threads ${threads}, JavaScript ${slow}`);
  }
  // mean, var and std asked together: a mean-only fused step keeps no M2 (NaN), so it must never be the step
  // var/std read; each answer has the bits it has alone
  for (const opts of [sync, { scheduler: 'threads', numWorkers: 2 } as const]) {
    const together = (await compute(chain.mean(), chain.var(), chain.std({ ddof: 1 }), chain.sum(), opts)) as unknown as { data: Float64Array }[];
    const alone = [chain.mean(), chain.var(), chain.std({ ddof: 1 }), chain.sum()];
    for (let k = 0; k < alone.length; k++) {
      const one = (await alone[k]!.compute(opts)).data[0] as number;
      assert.ok(Object.is(together[k]!.data[0], one), `${opts.scheduler} output ${k}: together ${together[k]!.data[0]}, alone ${one}`);
      assert.ok(Number.isFinite(one));
    }
  }
  // and the values themselves, against a plain loop (the mean over 2-D blocks too)
  const m = array.fromTypedArray(d.subarray(0, 100_000), [250, 400], { chunks: [100, 150] });
  const got = (await m.exp().add(m.sin().mul(3)).mean().compute(sync)).data[0] as number;
  let want = 0;
  for (let i = 0; i < 100_000; i++) want += Math.exp(d[i]!) + 3 * Math.sin(d[i]!);
  want /= 100_000;
  assert.ok(Math.abs(got - want) <= 1e-12 * Math.abs(want), `mean ${got}, plain loop ${want}`);
});

test.after(() => closeExecutors());

test.run();
