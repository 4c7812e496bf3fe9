// A custom aggregation's declared output type is enforced: a finalize() result that does not fit is an
// error naming the aggregation, the group and the value, on every scheduler, never a silent coercion.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { customAgg, fromColumns, type SchedulerName } from '../../../src/index.ts';
import { SCHEDULERS } from '../../helpers.ts';
import { rejection } from '../../scheduler/fixtures/deadline.ts';

const df = fromColumns({ k: ['a', 'b', 'b'], x: [1, 2, 3] }, { npartitions: 2 });

/** A custom aggregation returning `result(groupSize)` from finalize, declared as `type`. */
function returning(type: 'float64' | 'int32' | 'utf8' | 'bool', result: (n: number) => unknown) {
  return customAgg({
    chunk: (v: Float64Array | unknown[]) => v.length,
    combine: (parts: number[]) => parts.reduce((s, n) => s + n, 0),
    finalize: result as (n: number) => never,
    type,
  });
}

const agg = (c: ReturnType<typeof returning>, scheduler: SchedulerName) => df.groupby('k').agg({ z: ['x', c] }).compute({ scheduler });

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] values that do not fit the declared type are errors naming aggregation, group and value`, async () => {
    const cases: Array<[ReturnType<typeof returning>, RegExp]> = [
      [returning('float64', (n) => (n === 2 ? 'big' : 1.5)), /'z': finalize\(\) returned "big" \(string\) for group \["b"\], which does not fit its declared type float64/],
      [returning('int32', (n) => (n === 2 ? 2 ** 40 : 1)), /'z': finalize\(\) returned 1099511627776 \(number\) for group \["b"\], which does not fit its declared type int32; .*type: 'float64'/],
      [returning('int32', () => 1.5), /returned 1\.5 \(number\) for group \["a"\].*int32/],
      [returning('bool', (n) => (n === 2 ? 3 : true)), /returned 3 \(number\) for group \["b"\], which does not fit its declared type bool/],
      [returning('utf8', () => 7), /returned 7 \(number\) for group \["a"\], which does not fit its declared type utf8/],
      [returning('float64', () => 2n ** 60n + 1n), /returned 1152921504606846977n \(bigint\).*float64/],
      [returning('float64', () => ({ n: 1 })), /returned an object \(object\).*float64/],
    ];
    for (const [c, re] of cases) {
      const err = await rejection(agg(c, scheduler as SchedulerName));
      assert.match(err.message, re);
    }
  });

  test(`[${scheduler}] values that fit come back as the declared type (null, bigints in range, NaN for float64)`, async () => {
    const rows = async (c: ReturnType<typeof returning>) =>
      (await agg(c, scheduler as SchedulerName)).toArray().map((r) => [r.k, r.z]);
    assert.equal(await rows(returning('int32', (n) => (n === 2 ? null : 2 ** 31 - 1))), [['a', 2 ** 31 - 1], ['b', null]]);
    assert.equal(await rows(returning('int32', (n) => BigInt(-n))), [['a', -1], ['b', -2]]);
    assert.equal(await rows(returning('bool', (n) => n === 2)), [['a', false], ['b', true]]);
    assert.equal(await rows(returning('utf8', (n) => 'x'.repeat(n))), [['a', 'x'], ['b', 'xx']]);
    const f = await rows(returning('float64', (n) => (n === 2 ? NaN : 2n ** 53n)));
    assert.equal(f[0], ['a', 2 ** 53]);
    assert.ok(Number.isNaN(f[1]![1]));
  });
}

test.run();
