// An empty Arrow table (zero rows; Arrow gives its fixed-width columns no values buffer at all) goes through
// fromArrow and every kernel like any other input: this used to fail with "cannot select rows of ... Float64".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableFromArrays } from 'apache-arrow';
import { compute, fromArrow } from '../../src/index.ts';

function emptyFrame(npartitions: number) {
  return fromArrow(tableFromArrays({ a: new Float64Array(0), b: new Int32Array(0), s: [] as string[] }), { npartitions });
}

for (const npartitions of [1, 3]) {
  test(`empty table in ${npartitions} partition(s): reductions, filter, groupby, sort`, async () => {
    const df = emptyFrame(npartitions);
    const [sum, isum, count, mean] = await compute(df.col('a').sum(), df.col('b').sum(), df.col('b').count(), df.col('a').mean());
    assert.is(sum, 0);
    assert.is(isum, 0);
    assert.is(count, 0);
    assert.is(mean, null);
    const [filtered, grouped, sorted] = await compute(df.filter(df.col('a').gt(5)), df.groupby('b').agg({ a: 'sum' }), df.sortValues('a'));
    assert.is((filtered as any).numRows, 0);
    assert.is((grouped as any).numRows, 0);
    assert.is((sorted as any).numRows, 0);
    assert.equal((filtered as any).schema.fields.map((f: any) => f.name), ['a', 'b', 's']);
  });
}

test('more partitions than rows: empty partitions are real, sums exact', async () => {
  const df = fromArrow(tableFromArrays({ a: new Float64Array([1, 2, 3]) }), { npartitions: 5 });
  const [sum, all] = await compute(df.col('a').sum(), df);
  assert.is(sum, 6);
  assert.is((all as any).numRows, 3);
});

test.run();
