// The futures examples run as written (small sizes, 2 workers) and agree with a plain sequential loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lad, makeData, ols, theilSen, threeModels } from '../../examples/three-models.ts';
import { crossValidate, foldError } from '../../examples/cv-map.ts';
import { slowFast } from '../../examples/slow-fast.ts';

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

test.run();
