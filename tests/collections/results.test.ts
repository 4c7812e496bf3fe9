// Plain values out of results: toRecords/toObjects/toColumns keep nulls as null (Arrow's toArray gives 0),
// int64 exact (bigint only beyond 2^53), dates as Date; print()/toString()/formatTable read like pandas.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeVector, vectorFromArray, tableFromArrays, DateDay, Table, RecordBatch } from 'apache-arrow';
import { compute, fromArrow, fromColumns, formatTable, toColumns, toObjects, toRecords } from '../../src/index.ts';

const BIG = 2n ** 60n + 1n;

function sample(): Table {
  const t = tableFromArrays({ f: Float64Array.from([1.5, NaN, -2]), s: ['a', 'ü', 'c'] });
  const i64 = makeVector(new BigInt64Array([1n, BIG, -3n]));
  const withNull = vectorFromArray([1, null, 3]);
  const date = vectorFromArray([new Date(Date.UTC(2001, 0, 2)), null, new Date(Date.UTC(1969, 11, 31))], new DateDay());
  return new Table({ ...Object.fromEntries(t.schema.fields.map((f, i) => [f.name, t.getChildAt(i)!])), i64, n: withNull, d: date, ['__proto__']: vectorFromArray(['x', 'y', null]) } as never);
}

test('toRecords: nulls null, int64 exact, dates as Date, hostile names are plain keys', () => {
  const rows = toRecords(sample());
  assert.is(rows.length, 3);
  assert.is(rows[0]!.f, 1.5);
  assert.ok(Number.isNaN(rows[1]!.f as number), 'NaN is a value, kept');
  assert.is(rows[1]!.s, 'ü');
  assert.is(rows[0]!.i64, 1);
  assert.is(typeof rows[0]!.i64, 'number');
  assert.is(rows[1]!.i64, BIG);
  assert.is(rows[1]!.n, null);
  assert.is(rows[2]!.n, 3);
  assert.ok(rows[0]!.d instanceof Date);
  assert.is((rows[0]!.d as Date).toISOString(), '2001-01-02T00:00:00.000Z');
  assert.is(rows[1]!.d, null);
  assert.is((rows[2]!.d as Date).toISOString(), '1969-12-31T00:00:00.000Z');
  assert.ok(Object.keys(rows[0]!).includes('__proto__'), Object.keys(rows[0]!).join(','));
  assert.is(rows[2]!['__proto__'], null);
  assert.equal(toObjects(sample()), rows);
});

test('toColumns: typed arrays for null-free numbers, arrays with null otherwise', () => {
  const cols = toColumns(sample());
  assert.ok(cols.f instanceof Float64Array);
  assert.equal(Array.from(cols.n as unknown[]), [1, null, 3]);
  assert.equal(cols.i64, [1, BIG, -3]);
  assert.equal(cols.s, ['a', 'ü', 'c']);
});

test('DataFrame and Series conversions compute first and agree with a naive reference', async () => {
  const df = fromColumns({ a: [1, null, 3, 4], b: ['x', null, 'z', 'w'] }, { npartitions: 2 });
  const rows = await df.toRecords({ scheduler: 'sync' });
  assert.equal(rows.map((r) => ({ ...r })), [{ a: 1, b: 'x' }, { a: null, b: null }, { a: 3, b: 'z' }, { a: 4, b: 'w' }]);
  assert.equal(await df.col('a').toList({ scheduler: 'sync' }), [1, null, 3, 4]);
  const cols = await df.toColumns({ scheduler: 'sync' });
  assert.equal(cols.b, ['x', null, 'z', 'w']);
  const [t] = await compute(df, { scheduler: 'sync' });
  assert.equal(toRecords(t).map((r) => r.a), [1, null, 3, 4]);
});

test('formatTable: first and last rows, index, shape and dtypes', () => {
  const t = tableFromArrays({ x: Float64Array.from({ length: 25 }, (_, i) => i / 3), name: Array.from({ length: 25 }, (_, i) => `r${i}`) });
  const text = formatTable(t, { rows: 6 });
  const lines = text.split('\n');
  assert.match(lines[0]!, /^\s+x\s+name$/);
  assert.match(lines[1]!, /^0\s+0\s+r0$/);
  assert.match(lines[2]!, /^1\s+0\.333333\s+r1$/);
  assert.match(lines[4]!, /^\.\.\.\s+\.\.\.\s+\.\.\.$/);
  assert.match(lines[7]!, /^24\s+8\s+r24$/);
  assert.ok(text.includes('[25 rows x 2 columns]'));
  assert.ok(text.includes('dtypes: x: float64, name: string'));
  const vec = formatTable(t.getChild('x')!, {}, 'x');
  assert.ok(vec.includes('[25 values]'));
});

test('print() shows the first rows of a lazy frame; toString() computes nothing', async () => {
  const df = fromArrow(tableFromArrays({ v: Int32Array.from({ length: 30 }, (_, i) => i) }), { npartitions: 3 });
  const logged: string[] = [];
  const orig = console.log;
  console.log = (s: string) => void logged.push(s);
  try {
    const text = await df.print({ rows: 4 }, { scheduler: 'sync' });
    assert.is(logged[0], text);
    assert.match(text, /\n3\s+3\n/);
    assert.not.match(text, /\n4\s+4\n/);
    assert.match(text, /first 4 rows of a lazy frame; 3 partitions x 1 columns/);
  } finally {
    console.log = orig;
  }
  assert.is(df.toString(), 'DataFrame(npartitions=3)\n  v: int32');
  assert.is(String(df.col('v').div(2)), 'Series(npartitions=3)\n  v: float64');
  void RecordBatch;
});

test.run();
