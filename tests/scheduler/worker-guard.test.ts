// Workers never re-run the caller's analysis and never start pools: a user-function module that computes
// at top level (even without awaiting) fails with a message to move the function; a nested compute in a
// user function is fine on 'sync' and refused on a pool. Every case is bounded: no runaway, no hang.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, fromColumns, udf, isTesseraWorker } from '../../src/index.ts';
import { within, rejection } from './fixtures/deadline.ts';

const df = fromColumns({ g: [1, 2, 1, 2, 3], x: [1, 2, 3, 4, 5] });
const here = (f: string) => new URL(`./fixtures/guard/${f}`, import.meta.url).href;

test('the caller is not a worker', () => {
  assert.is(isTesseraWorker(), false);
});

for (const scheduler of ['threads', 'processes'] as const) {
  test(`${scheduler}: a module computing at top level without await is refused, clearly`, async () => {
    const err = await within(60_000, rejection(compute(df.groupby('g').apply(udf(here('unawaited.ts'), 'rows')), { scheduler })), 'compute');
    assert.match(err.message, /compute\(\) was called while a tessera worker was importing .*unawaited\.ts/);
    assert.match(err.message, /Move the function into a module of its own/);
  });

  test(`${scheduler}: a nested compute inside a user function runs on sync and is refused on a pool`, async () => {
    const [ok] = await within(60_000, compute(df.groupby('g').apply(udf(here('nested.ts'), 'nestedSync')), { scheduler }), 'compute');
    assert.equal(ok.toArray().map((r: { n: number; s: number }) => [r.n, r.s]), [[2, 6], [2, 6], [1, 6]]);
    const err = await within(60_000, rejection(compute(df.groupby('g').apply(udf(here('nested.ts'), 'nestedThreads')), { scheduler })), 'compute');
    assert.match(err.message, /workers never start pools of their own.*\{scheduler: 'sync'\}/);
  });
}

test.run();
