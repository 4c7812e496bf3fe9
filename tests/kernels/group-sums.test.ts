// Exact per-group integer sums inside one partition: the double accumulators are flushed to BigInt in
// blocks, so a group whose int32 sum passes 2^53 within a single chunk still sums exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Field, Int32, Schema } from 'apache-arrow';
import { groupChunk, groupFinalize, type GroupPartial } from '../../src/kernels/groupby/aggregate.ts';
import { makeBatch, primitiveData, sharedArray } from '../../src/kernels/arrow-build.ts';

test('an int32 group sum past 2^53 in one partition is exact (block flushing), counts included', () => {
  const n = 2 ** 22 + 3;
  const keys = sharedArray(Int32Array, n); // one group: key 0
  const values = sharedArray(Int32Array, n).fill(2147483647);
  const batch = makeBatch(new Schema([new Field('k', new Int32(), false), new Field('v', new Int32(), false)]), [
    primitiveData(new Int32(), n, keys, null),
    primitiveData(new Int32(), n, values, null),
  ]);
  const specs = [
    { out: 's', column: 'v', fn: 'sum' as const, ddof: 1 },
    { out: 'c', column: 'v', fn: 'count' as const, ddof: 1 },
  ];
  const partial = groupChunk(batch, ['k'], specs, true) as GroupPartial;
  const out = groupFinalize(partial, ['k'], specs, ['int32', 'int64', 'int64'], { by: 'keys' }) as import('apache-arrow').RecordBatch;
  const want = BigInt(n) * 2147483647n; // odd and above 2^53: no double can hold it
  assert.is(out.getChild('s')!.get(0), want);
  assert.is(out.getChild('c')!.get(0), BigInt(n));
});

test.run();
