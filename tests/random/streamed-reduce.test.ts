// Sums, products and moments of random arrays drawn without their chunks (collections/ndarray/random-chunk.ts):
// each chunk's partial has the bits partialReduce gives for the made chunk, for every distribution, region
// shape and odd start; whole reductions have the bits of the made array reduced with the same chunks, on
// every scheduler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, compute, random, closeExecutors, type NDArray } from '../../src/index.ts';
import { momentsAs, reduceRandomChunk } from '../../src/collections/ndarray/random-chunk.ts';
import { getOp } from '../../src/scheduler/registry.ts';
import { partialReduce, type Partial, type ReductionName } from '../../src/kernels/array/reduce.ts';
import { newLowering, lowerArray, type TaskSink } from '../../src/collections/ndarray/lower.ts';
import type { RandomSpec } from '../../src/collections/ndarray/node.ts';
import type { Chunk } from '../../src/collections/ndarray/ops.ts';
import { SCHEDULERS } from '../helpers.ts';
import '../../src/collections/ndarray/ops.ts';

test.after(() => closeExecutors());

const bitsOf = (x: number): string => Buffer.from(Float64Array.of(x).buffer).toString('hex');
const START = { key0: 0x243f6a88, key1: 0x85a308d3, p0: 0xfffffff0, p1: 7, p2: 0 };

const SPECS: RandomSpec[] = [
  { dist: 'normal', start: START, params: { loc: 0, scale: 1 } },
  { dist: 'normal', start: START, params: { loc: 3, scale: 0.5 } },
  { dist: 'uniform', start: START, params: { low: -1, high: 2 } },
  { dist: 'exponential', start: START, params: { scale: 2 } },
  { dist: 'gamma', start: START, params: { shape: 0.7, scale: 2 } },
  { dist: 'poisson', start: START, params: { lam: 30 } },
  { dist: 'binomial', start: START, params: { n: 100, p: 0.3 } },
  { dist: 'integers', start: START, params: { low: -5, high: 1e6 } },
  { dist: 'choice', start: START, params: {}, cumulative: [1, 3, 6, 10] },
  { dist: 'permutation', start: START, params: { n: 100000 } },
  // non-finite and signed-zero values (not reachable through the generator's checks, but the order must hold)
  { dist: 'normal', start: START, params: { loc: Infinity, scale: Infinity } },
  { dist: 'normal', start: START, params: { loc: -0, scale: 0 } },
];

/** The made chunk, by the op that makes it, and partialReduce of it: the path the drawn reduction replaces. */
function madePartial(spec: RandomSpec, fullShape: number[], start: number[], shape: number[], name: ReductionName): Partial {
  const chunk = getOp('array.random')(spec, fullShape, start, shape, 'float64') as Chunk;
  return partialReduce(name, chunk, shape.map((_, i) => i), { dtype: 'float64' });
}

/** Every field of a partial, the floats as bits. */
function partialBits(p: Partial): string {
  const f = (a: Float64Array | undefined) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex') : '-');
  return `${p.name} [${p.shape}] ${p.inputDType} values ${f(p.values)} count ${f(p.count)} m2 ${f(p.m2)} shift ${f(p.shift)} big ${p.big ? 'yes' : '-'}`;
}

const NAMES: ReductionName[] = ['sum', 'nansum', 'prod', 'mean', 'var', 'std', 'nanmean', 'nanvar', 'nanstd'];

test('a drawn chunk partial has the bits of partialReduce over the made chunk: every distribution and drawn reduction, 1-D runs around the 8192-value step, groups of four and pairs', () => {
  const regions: Array<[number, number]> = [[0, 0], [0, 1], [3, 2], [3, 3], [1, 4], [5, 5], [0, 8191], [7, 8192], [2, 8193], [4, 8194], [9, 16387], [12345, 20000]];
  for (const spec of SPECS) {
    for (const name of NAMES) {
      for (const [first, n] of regions) {
        const got = reduceRandomChunk(spec, [40000], [first], [n], name);
        assert.is(partialBits(got), partialBits(madePartial(spec, [40000], [first], [n], name)), `${spec.dist} ${JSON.stringify(spec.params)} ${name} [${first}, +${n})`);
      }
    }
  }
});

test('a drawn chunk partial of an N-D region takes its rows in C order as partialReduce does (column blocks, one-element rows, 0-d, empty)', () => {
  const cases: Array<[number[], number[], number[]]> = [
    [[50, 300], [7, 13], [11, 250]],
    [[50, 300], [0, 0], [50, 300]],
    [[20, 9000], [3, 5], [2, 8999]],
    [[6, 5, 4], [1, 2, 1], [4, 3, 3]],
    [[100, 1], [10, 0], [37, 1]],
    [[], [], []],
    [[10, 10], [3, 3], [0, 4]],
  ];
  for (const spec of SPECS.slice(0, 3).concat(SPECS.slice(-2))) {
    for (const [full, start, shape] of cases) {
      for (const name of NAMES) {
        const got = reduceRandomChunk(spec, full, start, shape, name);
        assert.is(partialBits(got), partialBits(madePartial(spec, full, start, shape, name)), `${spec.dist} ${name} full ${full} start ${start} shape ${shape}`);
      }
    }
  }
});

test('a drawn chunk sum reads its own counters: each chunk equals the eager draw of the same elements summed in rowSum order, and differs from a neighbour chunk', () => {
  const eager = random.generator(11).normalArray(50000);
  // the call's counter start, as a lazy array of the same generator state reserves it
  const spec: RandomSpec = { dist: 'normal', start: random.generator(11).reserve(25000), params: { loc: 0, scale: 1 } };
  for (const [first, n] of [[0, 4096], [4096, 4096], [1, 9999], [33333, 16667]] as const) {
    const got = reduceRandomChunk(spec, [50000], [first], [n], 'sum').values![0]!;
    const want = partialReduce('sum', { data: eager, shape: [n], stride: [1], offset: first }, [0]).values![0]!;
    assert.is(bitsOf(got), bitsOf(want), `[${first}, +${n})`);
    // and near a plain loop over the eager values (a different order: rounding only)
    let naive = 0, mag = 0;
    for (let i = first; i < first + n; i++) (naive += eager[i]!), (mag += Math.abs(eager[i]!));
    assert.ok(Math.abs(got - naive) <= 1e-12 * mag, `[${first}, +${n}) near the plain loop`);
    const shifted = partialReduce('sum', { data: eager, shape: [n], stride: [1], offset: first + 1 }, [0]).values![0]!;
    assert.ok(bitsOf(got) !== bitsOf(shifted), `[${first}, +${n}) is not the run one element on`);
  }
});

/** A sink keeping each task's op once per key, as the graph builder keeps a key's first task. */
const keepTasks = (): TaskSink & { ops: string[] } => {
  const ops: string[] = [];
  const keys = new Set<string>();
  return { ops, addTask: (key, op) => (keys.has(key) || (keys.add(key), ops.push(op)), key) };
};

test('sums, products and moments of a random float64 array over all axes lower to drawn partials and make no chunk; other reductions, axes and dtypes make the chunks', () => {
  const g = random.generator(5);
  for (const [x, drawn] of [
    [g.normal(1000, { chunks: 300 }).sum(), true],
    [g.uniform([30, 40], { chunks: [7, 40] }).nansum(), true],
    [g.normal(1000, { chunks: 300 }).mean(), true],
    [g.exponential([20, 30], { chunks: [7, 11] }).std({ ddof: 1 }), true],
    [g.uniform(1000, { chunks: 300 }).prod(), true],
    [g.normal(1000, { chunks: 300 }).max(), false],
    [g.normal(1000, { chunks: 300 }).argmin(), false],
    [g.normal([30, 40], { chunks: [7, 40] }).sum({ axis: 0 }), false],
    [g.integers(0, 10, 1000, { chunks: 300 }).sum(), false],
  ] as Array<[NDArray, boolean]>) {
    const sink = keepTasks();
    lowerArray(newLowering(sink, 'sync', 8), x.node);
    assert.is(sink.ops.includes('array.reduce-random'), drawn);
    assert.is(sink.ops.includes('array.random'), !drawn);
  }
});

type Reduce = (x: NDArray) => NDArray;
const REDUCE: Record<string, Reduce> = {
  sum: (x) => x.sum(), nansum: (x) => x.nansum(), mean: (x) => x.mean(), var: (x) => x.var(), std: (x) => x.std({ ddof: 1 }),
  nanmean: (x) => x.nanmean(), prod: (x) => x.prod(),
  // keepdims and a narrow combine tree: the same partials, finished differently
  'sum keepdims splitEvery 2': (x) => x.sum({ keepdims: true, splitEvery: 2 }), 'var axis all ddof 1': (x) => x.var({ axis: x.shape.map((_, i) => i), ddof: 1 }),
};

test('a reduction of a random array whose chunks the graph already makes reduces those chunks instead of drawing them again', () => {
  const x = random.generator(5).normal(1000, { chunks: 300 });
  const sink = keepTasks();
  const lw = newLowering(sink, 'sync', 8);
  lowerArray(lw, x.node);
  const made = sink.ops.length;
  lowerArray(lw, x.sum().node);
  assert.is(made, 4);
  assert.not.ok(sink.ops.includes('array.reduce-random'));
  assert.is(sink.ops.filter((o) => o === 'array.random').length, 4);
});

test('mean, var and std of one random array in one graph draw each chunk once and share its moments; sum draws its own', async () => {
  const x = random.generator(8).normal(1000, { chunks: 300 });
  const sink = keepTasks();
  const lw = newLowering(sink, 'sync', 8);
  for (const r of [x.mean(), x.std({ ddof: 1 }), x.var(), x.sum()]) lowerArray(lw, r.node);
  assert.is(sink.ops.filter((o) => o === 'array.reduce-random').length, 8, 'one moments draw and one sum draw per chunk');
  assert.is(sink.ops.filter((o) => o === 'array.moments-as').length, 12);
  // and the values: the bits of each reduction computed alone, on every scheduler
  for (const scheduler of SCHEDULERS) {
    const make = () => random.generator(8).normal(20011, { chunks: 2859, loc: 2 });
    const y = make();
    const together = await compute(y.mean(), y.std({ ddof: 1 }), y.var(), y.nanstd(), y.sum(), { scheduler });
    const alone = [make().mean(), make().std({ ddof: 1 }), make().var(), make().nanstd(), make().sum()];
    for (let i = 0; i < alone.length; i++) {
      const want = ((await alone[i]!.compute({ scheduler })).data as Float64Array)[0]!;
      assert.is(bitsOf((together[i]!.data as Float64Array)[0]!), bitsOf(want), `${scheduler}: output ${i}`);
    }
  }
});

test('a shared moments partial stands only for reductions of the same kind', () => {
  const p = reduceRandomChunk(SPECS[0]!, [100], [0], [100], 'mean');
  assert.is(momentsAs(p, 'std').name, 'std');
  assert.is(partialBits({ ...momentsAs(p, 'var'), name: 'mean' }), partialBits(p));
  assert.throws(() => momentsAs(p, 'nanvar'), /cannot stand for nanvar/);
  assert.throws(() => momentsAs(reduceRandomChunk(SPECS[0]!, [100], [0], [100], 'sum'), 'mean'), /cannot stand for mean/);
});

/** The same values made (computed, then wrapped as data with the same chunks) and reduced: the old path's answer. */
async function madeReduced(x: NDArray, chunks: number | number[], reduce: Reduce, options: object): Promise<number> {
  const made = await x.compute(options);
  const data = array.fromTypedArray(made.data as Float64Array, made.shape, { chunks });
  return ((await reduce(data).compute(options)).data as Float64Array)[0]!;
}

test('reductions of random arrays on every scheduler: the bits of the made array reduced with the same chunks (1, 7, ragged chunks, 2-D)', async () => {
  for (const scheduler of SCHEDULERS) {
    const options = { scheduler, numWorkers: 2 };
    const cases: Array<[string, (g: random.Generator) => NDArray, number | number[], string[]]> = [
      ['normal, one chunk', (g) => g.normal(20011, { chunks: 20011 }), 20011, ['sum', 'mean', 'var']],
      ['normal, 7 chunks (ragged)', (g) => g.normal(20011, { chunks: 2859 }), 2859, ['sum', 'std', 'nanmean']],
      ['uniform, 7 chunks', (g) => g.uniform(20011, { low: -2, high: 5, chunks: 2859 }), 2859, ['nansum', 'mean']],
      ['uniform near 1, product', (g) => g.uniform(3001, { low: 0.999, high: 1.001, chunks: 1000 }), 1000, ['prod']],
      ['normal 2-D, column blocks', (g) => g.normal([101, 203], { chunks: [17, 50], loc: 1, scale: 3 }), [17, 50], ['sum', 'var', 'sum keepdims splitEvery 2', 'var axis all ddof 1']],
      ['exponential, ragged', (g) => g.exponential(9999, { chunks: 1000 }), 1000, ['sum', 'std']],
    ];
    for (const [what, make, chunks, names] of cases) {
      for (const name of names) {
        const got = ((await REDUCE[name]!(make(random.generator(99))).compute(options)).data as Float64Array)[0]!;
        const want = await madeReduced(make(random.generator(99)), chunks, REDUCE[name]!, options);
        assert.is(bitsOf(got), bitsOf(want), `${scheduler}: ${what} ${name}`);
      }
    }
    // the chunking changes only how the partials add up, never the values: near each other
    const one = ((await random.generator(3).normal(30000, { chunks: 30000 }).sum().compute(options)).data as Float64Array)[0]!;
    const many = ((await random.generator(3).normal(30000, { chunks: 4321 }).sum().compute(options)).data as Float64Array)[0]!;
    assert.ok(Math.abs(one - many) < 1e-9, `${scheduler}: one chunk ${one} vs many ${many}`);
  }
});

test.run();
