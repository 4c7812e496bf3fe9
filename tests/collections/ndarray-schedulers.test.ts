// Arrays on every scheduler: random arrays are bit-identical across chunkings, schedulers and worker
// counts (and equal the eager draws of the same generator state); array results agree with sync.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { array, random, closeExecutors, type NDArray } from '../../src/index.ts';
import { SCHEDULERS } from '../helpers.ts';

test.after(() => closeExecutors());

const bits = async (x: NDArray, options: object): Promise<string> => {
  const out = await x.compute(options);
  const d = out.data as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
};

const eagerBits = (d: ArrayBufferView): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');

test('random.normal (1000,) in 1, 7 and 1000 chunks: the same bits as each other and as the eager draw', async () => {
  const eager = eagerBits(random.generator(42).normalArray(1000));
  for (const chunks of [1000, 143, 1]) {
    assert.is(await bits(random.generator(42).normal([1000], { chunks }), { scheduler: 'sync' }), eager, `chunks ${chunks}`);
  }
  // a 2-D array numbers its elements in C order, so its bits equal the 1-D draw's
  assert.is(await bits(random.generator(42).normal([40, 25], { chunks: [7, 6] }), { scheduler: 'sync' }), eager, '2-D');
});

test('every distribution: lazy chunked arrays equal the eager arrays of the same generator state', async () => {
  const cases: Array<[string, (g: random.Generator) => NDArray, (g: random.Generator) => ArrayBufferView]> = [
    ['uniform', (g) => g.uniform(301, { low: -1, high: 3, chunks: 17 }), (g) => g.uniformArray(301, -1, 3)],
    ['exponential', (g) => g.exponential(301, { scale: 2, chunks: 17 }), (g) => g.exponentialArray(301, 2)],
    ['gamma', (g) => g.gamma(0.7, 301, { scale: 2, chunks: 17 }), (g) => g.gammaArray(301, 0.7, 2)],
    ['poisson', (g) => g.poisson(30, 301, { chunks: 17 }), (g) => g.poissonArray(301, 30)],
    ['binomial', (g) => g.binomial(100, 0.3, 301, { chunks: 17 }), (g) => g.binomialArray(301, 100, 0.3)],
    ['integers', (g) => g.integers(-5, 1000, 301, { chunks: 17 }), (g) => g.integersArray(-5, 1000, 301)],
    ['choice', (g) => g.choice(4, 301, { p: [1, 2, 3, 4], chunks: 17 }), (g) => g.choiceArray(4, 301, { p: [1, 2, 3, 4] })],
    ['permutation', (g) => g.permutation(301, { chunks: 17 }), (g) => g.permutationArray(301)],
  ];
  for (const [name, lazy, eager] of cases) {
    assert.is(await bits(lazy(random.generator(3)), { scheduler: 'sync' }), eagerBits(eager(random.generator(3))), name);
  }
  // two calls on one generator draw different numbers, in build order
  const g = random.generator(9);
  const a = g.normal(10);
  const b = g.normal(10);
  assert.is.not(await bits(a, { scheduler: 'sync' }), await bits(b, { scheduler: 'sync' }));
});

for (const scheduler of SCHEDULERS.filter((s) => s !== 'sync')) {
  const workerCounts = [1, 2, 4];
  test(`${scheduler}: random arrays bit-identical to sync for ${workerCounts.join('/')} workers`, async () => {
    const make = () => random.generator(2024).spawn(2)[1]!;
    const want = await bits(make().normal([5000], { chunks: 5000 }), { scheduler: 'sync' });
    const wantInts = await bits(make().integers(0, 10, [64, 64], { chunks: 64 }), { scheduler: 'sync' });
    for (const numWorkers of workerCounts) {
      const [normal, ints] = await Promise.all([
        bits(make().normal([5000], { chunks: 333 }), { scheduler, numWorkers }),
        bits(make().integers(0, 10, [64, 64], { chunks: [10, 30] }), { scheduler, numWorkers }),
      ]);
      assert.is(normal, want, `normal on ${numWorkers} workers`);
      assert.is(ints, wantInts, `int64 on ${numWorkers} workers`);
    }
  });

  test(`${scheduler}: element-wise, reductions, matmul, cholesky, mapBlocks agree with sync`, async () => {
    const g = random.generator(77);
    const x = g.normal([400, 6], { chunks: [50, 6] });
    const d = array.fromTypedArray(Float64Array.from({ length: 240 }, (_, i) => (i * 7) % 13), [40, 6], { chunks: [7, 4] });
    const outputs = (options: object) => Promise.all([
      d.slice([3, 30], [null, null, -1]).sum({ axis: 0 }).compute(options),
      x.exp().add(x.sin().mul(3)).mean().compute(options),
      x.sum({ axis: 0 }).compute(options),
      array.linalg.cholesky(x.T.matmul(x)).compute(options),
      x.cumsum(0).slice(-1).compute(options),
      x.mapBlocks((b: { shape: number[]; data: Float64Array; offset: number }) => {
        const out = new Float64Array(b.shape[0]! * b.shape[1]!);
        for (let i = 0; i < out.length; i++) out[i] = b.data[b.offset + i]! * 2;
        return out;
      }).max().compute(options),
    ]);
    const want = await outputs({ scheduler: 'sync' });
    const got = await outputs({ scheduler, numWorkers: 2 });
    got.forEach((o, i) => assert.equal(Array.from(o.data as Float64Array), Array.from(want[i]!.data as Float64Array), `output ${i}`));
  });
}

test.run();
