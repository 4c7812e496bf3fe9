// sample({frac, seed}) and randomSplit(fracs, {seed}): the same rows on every scheduler and on every run,
// different rows for another seed, about frac of the rows, and randomSplit's parts disjoint and complete.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromColumns } from '../../../src/index.ts';
import { SCHEDULERS } from '../../helpers.ts';

const id = Array.from({ length: 5000 }, (_, k) => k);
const df = fromColumns({ id }, { npartitions: 5 });
const ids = async (d: typeof df, scheduler: 'sync' | 'threads' | 'processes' = 'sync') => Array.from((await d.compute({ scheduler })).getChild('id')!.toArray() as Int32Array);

test('sample: reproducible across schedulers and runs, about frac of the rows, a subsequence of the input', async () => {
  const s = df.sample({ frac: 0.2, seed: 7 });
  const want = await ids(s);
  for (const scheduler of SCHEDULERS) assert.equal(await ids(s, scheduler), want, scheduler);
  assert.equal(await ids(df.sample({ frac: 0.2, seed: 7 })), want);
  assert.ok(Math.abs(want.length - 1000) < 120, `${want.length} rows`);
  assert.ok(want.every((v, k) => k === 0 || v > want[k - 1]!), 'rows keep their order');
  const other = await ids(df.sample({ frac: 0.2, seed: 8 }));
  assert.not.equal(other, want);
  assert.is((await ids(df.sample({ frac: 0, seed: 1 }))).length, 0);
  assert.is((await ids(df.sample({ frac: 1, seed: 1 }))).length, 5000);
  // a bigger frac keeps every row a smaller one kept (the same draws)
  const more = new Set(await ids(df.sample({ frac: 0.5, seed: 7 })));
  assert.ok(want.every((v) => more.has(v)));
});

test('randomSplit: parts disjoint, together every row, sizes about proportional', async () => {
  const parts = df.randomSplit([0.5, 0.3, 0.2], { seed: 3 });
  const got = await Promise.all(parts.map((p) => ids(p)));
  const all = got.flat().sort((a, b) => a - b);
  assert.equal(all, id);
  [2500, 1500, 1000].forEach((n, k) => assert.ok(Math.abs(got[k]!.length - n) < 200, `part ${k}: ${got[k]!.length}`));
  assert.equal(await ids(df.randomSplit([1, 1], { seed: 3 })[0]!), await ids(df.randomSplit([2, 2], { seed: 3 })[0]!));
});

test('sample and randomSplit validate their options', () => {
  assert.throws(() => df.sample({ frac: 1.5, seed: 1 }), /frac must be a number in \[0, 1\]/);
  assert.throws(() => df.sample({ frac: 0.5 }), /pass \{seed\}/);
  assert.throws(() => df.sample({ frac: 0.5, seed: -1 }), /seed/);
  assert.throws(() => df.sample({ frac: 0.5, seed: 1, replace: true } as never), /unknown option 'replace'/);
  assert.throws(() => df.randomSplit([], { seed: 1 }), /non-empty array/);
  assert.throws(() => df.randomSplit([0, 0], { seed: 1 }), /add up to 0/);
  assert.throws(() => df.randomSplit([0.5, -1], { seed: 1 }), /non-negative/);
});

test.run();
