// Streams: element i is a pure function of (key, call start, i), so any split of a call into runs gives
// the same bits; generators are plain data; spawned and jumped streams do not overlap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Generator, generator } from '../../src/random/generator.ts';
import {
  fillBinomial, fillExponential, fillGamma, fillIntegers, fillNormal, fillPermutation, fillPoisson, fillUniform, fillWeightedChoice,
} from '../../src/random/distributions.ts';
import type { StreamStart } from '../../src/random/stream.ts';
import { rng } from '../helpers.ts';
import { elementaryWasm, setElementaryWasmDisabled } from '../../src/kernels/array/elementary-wasm.ts';
import { setPhiloxWasm } from '../../src/random/philox.ts';
import { wasmPhilox } from '../../src/random/philox-wasm.ts';

type Fill = (s: StreamStart, first: number, count: number, out: Float64Array, offset: number) => void;
const cumulative = Float64Array.from([0.5, 0.5, 2, 3.25]);
const FILLS: Record<string, Fill> = {
  uniform: (s, f, c, o, at) => fillUniform(s, f, c, o, at, -1, 2),
  normal: (s, f, c, o, at) => fillNormal(s, f, c, o, at, 3, 2),
  exponential: (s, f, c, o, at) => fillExponential(s, f, c, o, at, 1.5),
  gamma: (s, f, c, o, at) => fillGamma(s, f, c, o, at, 0.7, 2),
  poisson: (s, f, c, o, at) => fillPoisson(s, f, c, o, at, 42),
  binomial: (s, f, c, o, at) => fillBinomial(s, f, c, o, at, 500, 0.7),
  integers: (s, f, c, o, at) => fillIntegers(s, f, c, o, at, -10, 1e12),
  choice: (s, f, c, o, at) => fillWeightedChoice(s, f, c, o, at, cumulative),
  permutation: (s, f, c, o, at) => fillPermutation(s, f, c, o, at, 1001),
};

test('normal: the SIMD batch kernel and the JavaScript loop give the same bits (odd starts and lengths, counter carries, batch edges)', () => {
  if (!elementaryWasm()) return; // only the JavaScript loop exists here
  const start: StreamStart = { key0: 0x12345678, key1: 0x9abcdef0, p0: 0xfffff000, p1: 0xffffffff, p2: 1 };
  for (const [first, count] of [[0, 8192], [1, 8191], [8191, 8195], [5, 1], [2, 2], [12345, 3]] as const) {
    const fast = new Float64Array(count + 2).fill(NaN), slow = new Float64Array(count + 2).fill(NaN);
    fillNormal(start, first, count, fast, 1, -3, 0.25);
    const was = setElementaryWasmDisabled(true);
    try {
      fillNormal(start, first, count, slow, 1, -3, 0.25);
    } finally {
      setElementaryWasmDisabled(was);
    }
    assert.ok(Number.isNaN(fast[0]!) && Number.isNaN(fast[count + 1]!), 'nothing written outside the run');
    for (let i = 0; i < fast.length; i++) if (!Object.is(fast[i], slow[i])) assert.unreachable(`[${first}, +${count}) at ${i}: kernel ${fast[i]}, loop ${slow[i]}`);
  }
});

test('uniform: the SIMD kernels and the JavaScript loop give the same bits (odd starts and lengths, batches across a counter wrap, batch edges, ranges)', () => {
  if (!wasmPhilox()?.uniforms) return; // only the JavaScript loop exists here
  const starts: StreamStart[] = [
    { key0: 0x12345678, key1: 0x9abcdef0, p0: 0xfffff000, p1: 0xffffffff, p2: 1 },
    { key0: 7, key1: 0xffffffff, p0: 0xffffff00, p1: 3, p2: 0 },
    { key0: 0, key1: 0, p0: 0, p1: 0, p2: 0 },
  ];
  const ranges: Array<[number, number]> = [[0, 1], [-3, 0.25], [-1e300, 1e300], [5, 5], [2 ** 60, 2 ** 60 + 1e5], [-0, 1e-300]];
  for (const start of starts) {
    for (const [first, count] of [[0, 8192], [1, 8191], [201, 8195], [8191, 8195], [5, 1], [2, 2], [12345, 3], [3, 20000]] as const) {
      for (const [low, high] of ranges) {
        const fast = new Float64Array(count + 2).fill(NaN), slow = new Float64Array(count + 2).fill(NaN);
        fillUniform(start, first, count, fast, 1, low, high);
        const was = setPhiloxWasm(false);
        try {
          fillUniform(start, first, count, slow, 1, low, high);
        } finally {
          setPhiloxWasm(was);
        }
        assert.ok(Number.isNaN(fast[0]!) && Number.isNaN(fast[count + 1]!), 'nothing written outside the run');
        for (let i = 0; i < fast.length; i++) if (!Object.is(fast[i], slow[i])) assert.unreachable(`p0 ${start.p0} [${first}, +${count}) [${low}, ${high}) at ${i}: kernel ${fast[i]}, loop ${slow[i]}`);
      }
    }
  }
});

test('any split of a call into runs, in any order, gives the same bits as one run', () => {
  const r = rng(11);
  const n = 1001;
  // a start position with carries close by, to cross the 32-bit word boundaries of the counter
  const start: StreamStart = { key0: 0xdeadbeef, key1: 7, p0: 0xffffff00, p1: 0xffffffff, p2: 3 };
  for (const [name, fill] of Object.entries(FILLS)) {
    const whole = new Float64Array(n);
    fill(start, 0, n, whole, 0);
    for (let trial = 0; trial < 6; trial++) {
      const cuts = [0, ...Array.from({ length: trial * 3 }, () => Math.floor(r() * n)).sort((a, b) => a - b), n];
      const pieces = new Float64Array(n).fill(NaN);
      // runs filled in reverse order, into an offset output: order and placement must not matter
      for (let i = cuts.length - 2; i >= 0; i--) {
        const len = cuts[i + 1]! - cuts[i]!;
        const buffer = new Float64Array(len + 3);
        fill(start, cuts[i]!, len, buffer, 3);
        pieces.set(buffer.subarray(3), cuts[i]!);
      }
      assert.equal(Array.from(pieces), Array.from(whole), `${name}, cuts ${cuts}`);
    }
    // single elements
    for (const i of [0, 1, 2, 999, 1000]) {
      const one = new Float64Array(1);
      fill(start, i, 1, one, 0);
      assert.is(one[0], whole[i], `${name} element ${i} alone`);
    }
  }
});

test('one seed gives one sequence; successive calls continue it', () => {
  const a = generator(123);
  const b = generator(123);
  const first = a.normalArray(10);
  assert.equal(Array.from(b.normalArray(10)), Array.from(first));
  assert.not.equal(Array.from(a.normalArray(10)), Array.from(first), 'the second call draws new numbers');
  assert.not.equal(Array.from(generator(124).normalArray(10)), Array.from(first), 'another seed, other numbers');
  assert.not.equal(Array.from(generator(2n ** 100n).normalArray(10)), Array.from(first));
  // a call of n values reserves ceil(n/2) blocks for paired layouts: 3 + 3 values equal 6 in one call
  const c = generator(5);
  const d = generator(5);
  assert.equal([...c.uniformArray(4), ...c.uniformArray(4)], [...d.uniformArray(8)]);
});

test('a generator is plain data: JSON and structured clone carry it, and it continues the stream', () => {
  const g = generator(99);
  g.uniformArray(7);
  g.spawn(2);
  const state = JSON.parse(JSON.stringify(g));
  const cloned = generator(structuredClone(g.toJSON()));
  // a Generator itself structured-cloned (a task's params, postMessage) loses its class but not its state
  const raw = generator(structuredClone(g) as never);
  const revived = generator(state);
  const expected = Array.from(g.normalArray(5));
  assert.equal(Array.from(revived.normalArray(5)), expected);
  assert.equal(Array.from(cloned.normalArray(5)), expected);
  assert.equal(Array.from(raw.normalArray(5)), expected);
  assert.equal(revived.spawn(1)[0]!.toJSON(), g.spawn(1)[0]!.toJSON(), 'spawn numbering travels too');
  assert.throws(() => generator({ ...state, key: [1, -2] }), /state is damaged/);
  assert.throws(() => generator({ ...state, position: [0, 0] }), /state is damaged/);
});

/** A call's first `n` uniforms as 53-bit integers, for exact comparison. */
function words53(g: Generator, n: number): Float64Array {
  const u = g.uniformArray(n);
  for (let i = 0; i < n; i++) u[i] = u[i]! * 2 ** 53;
  return u;
}

function assertNoSharedValue(streams: Float64Array[], what: string): void {
  const total = streams.reduce((s, x) => s + x.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const s of streams) {
    all.set(s, at);
    at += s.length;
  }
  all.sort();
  let shared = 0;
  for (let i = 1; i < total; i++) if (all[i] === all[i - 1]) shared++;
  // 53-bit values: a chance repeat among 4M is ~1e-3 likely; an overlap of streams would repeat a million
  assert.ok(shared <= 1, `${what}: ${shared} repeated 53-bit values`);
}

test('spawned children: distinct keys, no shared value among the first million draws of each', () => {
  const parent = generator(2024);
  const children = parent.spawn(3);
  const more = parent.spawn(1);
  const keys = new Set([parent, ...children, ...more].map((g) => g.toJSON().key.join(':')));
  assert.is(keys.size, 5, 'every generator has its own key');
  assert.ok(more[0]!.toJSON().key.join() !== generator(2024).spawn(1)[0]!.toJSON().key.join(), 'a second spawn() continues the numbering');
  assert.equal(generator(2024).spawn(3).map((g) => g.toJSON()), children.map((g) => g.toJSON()), 'spawning is deterministic');
  assertNoSharedValue([words53(parent, 1e6), ...children.map((c) => words53(c, 1e6))], 'parent and children');
});

test('jumped(k) starts k * 2^64 blocks further on; jumped(2) is jumped(1).jumped(1)', () => {
  const g = generator(77);
  const j1 = g.jumped();
  assert.equal(j1.toJSON().position, [0, 0, 1]);
  assert.equal(g.toJSON().position, [0, 0, 0], 'jumped leaves the original alone');
  assert.equal(g.jumped(2).toJSON(), j1.jumped(1).toJSON());
  // the jumped stream is the parent's own sequence at block 2^64
  const there = generator({ ...g.toJSON(), position: [0, 0, 1] });
  assert.equal(Array.from(j1.normalArray(6)), Array.from(there.normalArray(6)));
  assertNoSharedValue([words53(generator(77), 1e6), words53(generator(77).jumped(), 1e6)], 'jumped');
  assert.throws(() => g.jumped(-1), /non-negative integer/);
  assert.throws(() => generator({ ...g.toJSON(), position: [0, 0, 0xffffffff] }).jumped(1), /2\^96/);
});

test.run();
