// Result types and exactness of Series arithmetic and comparisons (docs/TYPES.md): integers stay integers,
// int64 compares exactly with JS numbers, floordiv/mod/pow follow pandas, overflow is an error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromColumns } from '../../src/index.ts';

const sync = { scheduler: 'sync' as const };
async function rejects(f: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected an error matching ${re}`);
}
const values = async (s: { compute(o: object): Promise<{ toArray(): ArrayLike<unknown> } & Iterable<unknown>> }) => [...(await s.compute(sync))];

test('finding 3: int64 compared with a JS number is exact past 2^53', async () => {
  const df = fromColumns({ a: new BigInt64Array([9007199254740993n, 9007199254740992n]) });
  const count = (s: ReturnType<typeof df.col>) => df.filter(s).col('a').count().compute(sync);
  assert.is(await count(df.col('a').gt(9007199254740992)), 1);
  assert.is(await count(df.col('a').eq(9007199254740992)), 1);
  assert.is(await count(df.col('a').ge(9007199254740993)), 2); // the JS literal itself is 2^53
  assert.is(await count(df.col('a').ge(9007199254740993n)), 1);
  assert.is(await count(df.col('a').ne(9007199254740992)), 1);
  // Non-integer, infinite and NaN literals.
  const small = fromColumns({ a: new BigInt64Array([2n, 3n, -3n]) });
  const c = (s: ReturnType<typeof small.col>) => small.filter(s).col('a').count().compute(sync);
  assert.is(await c(small.col('a').gt(2.5)), 1);
  assert.is(await c(small.col('a').lt(-2.5)), 1);
  assert.is(await c(small.col('a').le(-3.5)), 0);
  assert.is(await c(small.col('a').eq(2.5)), 0);
  assert.is(await c(small.col('a').ne(2.5)), 3);
  assert.is(await c(small.col('a').lt(Infinity)), 3);
  assert.is(await c(small.col('a').gt(-Infinity)), 3);
  assert.is(await c(small.col('a').gt(1e300)), 0);
  assert.is(await c(small.col('a').eq(NaN)), 0);
  assert.is(await c(small.col('a').ne(NaN)), 3);
  // int64 against a float64 column, row by row.
  const mixed = fromColumns({ a: new BigInt64Array([9007199254740993n, 5n]), f: new Float64Array([9007199254740992, 5.5]) });
  assert.equal(await values(mixed.col('a').gt(mixed.col('f'))), [true, false]);
  assert.equal(await values(mixed.col('f').lt(mixed.col('a'))), [true, false]);
});

test('finding 10: int32 + int32 is Int32; mixed widths and int literals', async () => {
  const df = fromColumns({ a: new Int32Array([1, -2, 3]), b: new Int32Array([10, 20, 30]), s: new Int16Array([1, 2, 3]), w: new BigInt64Array([1n, 2n, 3n]), f: new Float64Array([0.5, 1, 2]) });
  const dt = (s: { dtype: unknown }) => String(s.dtype);
  assert.is(dt(df.col('a').add(df.col('b'))), 'Int32');
  assert.equal(await values(df.col('a').add(df.col('b'))), [11, 18, 33]);
  assert.is(dt(df.col('a').sub(df.col('s'))), 'Int64');
  assert.equal(await values(df.col('a').sub(df.col('s'))), [0n, -4n, 0n]);
  assert.is(dt(df.col('a').mul(df.col('w'))), 'Int64');
  assert.is(dt(df.col('a').mul(3)), 'Int32');
  assert.is(dt(df.col('a').mul(3_000_000_000)), 'Int64'); // the literal does not fit int32
  assert.is(dt(df.col('a').mul(1.5)), 'Float64');
  assert.is(dt(df.col('a').add(df.col('f'))), 'Float64');
  assert.is(dt(df.col('a').div(df.col('b'))), 'Float64');
  assert.is(dt(df.col('w').add(5)), 'Int64');
  assert.equal(await values(df.col('w').add(9007199254740991)), [9007199254740992n, 9007199254740993n, 9007199254740994n]);
  assert.is(dt(df.col('a').neg()), 'Int32');
  assert.equal(await values(df.col('a').abs()), [1, 2, 3]);
});

test('integer overflow is an error naming the expression; nulls do not overflow', async () => {
  const df = fromColumns({ a: new Int32Array([2 ** 30, 1]), w: new BigInt64Array([2n ** 62n, 1n]) });
  await rejects(() => df.col('a').mul(4).compute(sync), /mul\(a, 4\).*overflows Int32.*mul\(1n\)/);
  await rejects(() => df.col('w').mul(2).compute(sync), /mul\(w, 2\).*overflows Int64/);
  await rejects(() => fromColumns({ a: new Int32Array([-(2 ** 31)]) }).col('a').neg().compute(sync), /overflows Int32/);
  // Widening as the message says gives the exact answer.
  assert.equal(await values(df.col('a').mul(1n).mul(4)), [4294967296n, 4n]);
  // A null row's slot may hold anything: it must not raise.
  const withNull = fromColumns({ a: [2 ** 30, null] as (number | null)[] });
  assert.equal(await values(withNull.col('a').add(1)), [2 ** 30 + 1, null]);
});

test('floordiv, mod and pow follow pandas; integer division by zero is null', async () => {
  const df = fromColumns({ x: new Int32Array([7, -7, 7, -7, 0]), y: new Int32Array([2, 2, -2, -2, 3]) });
  assert.equal(await values(df.col('x').floordiv(df.col('y'))), [3, -4, -4, 3, 0]);
  assert.equal(await values(df.col('x').mod(df.col('y'))), [1, 1, -1, -1, 0]);
  assert.is(String(df.col('x').floordiv(df.col('y')).dtype), 'Int32');
  assert.equal(await values(df.col('x').floordiv(0)), [null, null, null, null, null]);
  assert.equal(await values(df.col('x').mod(0)), [null, null, null, null, null]);
  const w = fromColumns({ x: new BigInt64Array([7n, -7n, -9223372036854775807n]), y: new BigInt64Array([-2n, 0n, 10n]) });
  assert.equal(await values(w.col('x').floordiv(w.col('y'))), [-4n, null, -922337203685477581n]);
  assert.equal(await values(w.col('x').mod(w.col('y'))), [-1n, null, 3n]);
  // Floats: Python's rules (1 // 0.1 is 9, the remainder takes the divisor's sign), x // 0 is ±inf.
  const f = fromColumns({ x: new Float64Array([1, -7.5, 7.5, 1, 0]), y: new Float64Array([0.1, 2, -2, 0, 0]) });
  assert.equal(await values(f.col('x').floordiv(f.col('y'))), [9, -4, -4, Infinity, NaN]);
  const m = (await values(f.col('x').mod(f.col('y')))) as number[];
  assert.ok(Math.abs(m[0]! - 0.09999999999999995) < 1e-15);
  assert.equal(m.slice(1), [0.5, -0.5, NaN, NaN]);
  // pow
  assert.is(String(df.col('x').pow(2).dtype), 'Int32');
  assert.equal(await values(df.col('x').pow(2)), [49, 49, 49, 49, 0]);
  assert.equal(await values(w.col('x').pow(0)), [1n, 1n, 1n]);
  await rejects(() => df.col('x').pow(-1).compute(sync), /negative integer power.*div\(1\)/);
  await rejects(() => fromColumns({ x: new BigInt64Array([3n]) }).col('x').pow(100).compute(sync), /overflows Int64/);
  assert.equal(await values(df.col('x').div(1).pow(-1)), [1 / 7, -1 / 7, 1 / 7, -1 / 7, Infinity]);
  assert.equal(await values(fromColumns({ x: new Float64Array([1, -1]) }).col('x').pow(NaN)), [1, NaN]);
});

test.run();
