// The futures examples run as written (small sizes, 2 workers) and agree with a plain sequential loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lad, makeData, ols, theilSen, threeModels } from '../../examples/three-models.ts';
import { crossValidate, foldError } from '../../examples/cv-map.ts';
import { slowFast } from '../../examples/slow-fast.ts';
import { type Method, foldScore, methodsByFolds } from '../../examples/nested.ts';
import { replicate, simulate } from '../../examples/simulation.ts';
import { sharedData } from '../../examples/shared-data.ts';
import { random, type SchedulerName } from '../../src/index.ts';

test('three-models: three fits in parallel equal the same fits run one after another', async () => {
  const fits = await threeModels(4000, 'threads');
  const d = makeData(4000);
  assert.equal(fits, [ols(d), theilSen(d), lad(d)]);
  assert.ok(Math.abs(fits[1]!.slope - 2) < 0.05 && Math.abs(fits[2]!.slope - 2) < 0.05, 'the robust fits ignore the outliers');
  assert.ok(Math.abs(fits[0]!.slope - 2) > Math.abs(fits[2]!.slope - 2), 'least squares is pulled by them');
});

test('cv-map: 10 folds on a scattered dataset equal a sequential loop over the folds', async () => {
  const { folds, mean } = await crossValidate(3000, 'threads');
  const data = makeData(3000);
  const expected = Array.from({ length: 10 }, (_, k) => foldError({ data, k, folds: 10 }));
  assert.equal(folds, expected);
  assert.ok(Math.abs(mean - expected.reduce((s, f) => s + f.mse, 0) / 10) < 1e-12);
});

test('slow-fast: both allocation policies return every task, in order', async () => {
  const runs = await slowFast(60, 5, 'threads');
  assert.equal(runs.map((r) => r.policy), ['dynamic (chunksize 1)', 'static (chunksize 4)']);
  for (const r of runs) {
    assert.equal(r.ids, Array.from({ length: 16 }, (_, i) => i));
    assert.ok(r.ms > 0);
  }
});

test('nested: methods x folds (each method task maps its folds with getClient()) equals the plain double loop', async () => {
  const got = await methodsByFolds(3000, 'threads', 1);
  const data = makeData(3000);
  const expected = (['ols', 'theil-sen', 'lad'] as Method[]).map((method) => {
    const perFold = Array.from({ length: 10 }, (_, k) => foldScore({ method, data, k, folds: 10 }));
    return { method, mae: perFold.reduce((s, v) => s + v, 0) / 10, perFold };
  });
  assert.equal(got, expected);
  assert.ok(got[2]!.mae < got[0]!.mae, 'the robust fit predicts better than least squares here');
});

test('simulation: 1000 replicates, one stream each: identical on sync, threads and processes, reproducible, independent', async () => {
  const runs: Array<{ coverage: number; means: number[] }> = [];
  for (const scheduler of ['sync', 'threads', 'processes'] as SchedulerName[]) runs.push(await simulate(1000, 7, scheduler));
  assert.equal(runs[1], runs[0], 'threads = sync');
  assert.equal(runs[2], runs[0], 'processes = sync');
  assert.equal(await simulate(1000, 7, 'threads'), runs[0], 'the same seed gives the same study');
  // oracle: the replicates run one after another in this thread, on the same spawned streams
  const streams = random.generator(7).spawn(1000);
  assert.equal(runs[0]!.means, streams.map((stream) => replicate({ stream: stream.toJSON(), n: 50 }).mean));
  const { means, coverage } = runs[0]!;
  assert.is(new Set(means).size, 1000, 'no two replicates drew the same sample');
  const m = means.reduce((s, v) => s + v, 0) / means.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < means.length; i++) {
    den += (means[i]! - m) ** 2;
    if (i > 0) num += (means[i]! - m) * (means[i - 1]! - m);
  }
  assert.ok(Math.abs(num / den) < 0.1, `neighbouring replicates are uncorrelated (lag-1 r = ${(num / den).toFixed(3)})`);
  assert.ok(Math.abs(m - 1) < 0.02, `the replicate means average to the true mean 1 (got ${m})`);
  assert.ok(coverage > 0.88 && coverage < 0.97, `coverage ${coverage} near the nominal 95% (a skewed sample undercovers a little)`);
  assert.not.equal((await simulate(50, 8, 'sync')).means, runs[0]!.means.slice(0, 50), 'another seed, other numbers');
});

test('shared-data: 8 tasks over one shared array give the exact shares', async () => {
  const r = await sharedData(8, 'threads');
  // the data repeats 0, 0.001, ..., 0.999 (8 MB is a whole number of periods): shares counted by hand
  const n = r.arrayMb * 2 ** 20 / 8;
  const expected = Array.from({ length: 8 }, (_, k) => {
    let above = 0;
    for (let i = 0; i < n; i++) if ((i % 1000) / 1000 > (k + 1) / 9) above += 1;
    return above / n;
  });
  assert.equal(r.shares, expected);
  assert.ok(r.peakMb >= r.baselineMb);
});

test.run();
