// sortValues(): row sequences against DuckDB's ORDER BY (row id as the last key: tessera's sort is stable),
// NaN above numbers and nulls first/last, unicode by code point, several keys with mixed directions; and the
// range partitioning itself: skewed, constant, sorted and reverse-sorted input all spread over partitions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromColumns } from '../../../src/index.ts';
import { SCHEDULERS, rng } from '../../helpers.ts';
import { duckRows, duckTable, rowStrings } from './duck-tables.ts';

const r = rng(21);
const N = 700;
const words = ['b', 'B', 'é', 'e\u0301', '😀', '\uffff', '', 'Zürich', 'a b', '東京'];
const x = Array.from({ length: N }, () => (r() < 0.08 ? null : r() < 0.05 ? NaN : Math.round((r() - 0.5) * 40) / 2));
const s = Array.from({ length: N }, () => (r() < 0.08 ? null : words[Math.floor(r() * words.length)]!));
const i = Array.from({ length: N }, () => (r() < 0.05 ? null : Math.floor(r() * 5)));
const rid = Array.from({ length: N }, (_, k) => k);
const cols = ['x', 's', 'i', 'rid'];

test('setup: DuckDB table t', async () => {
  await duckTable('t', { x: { type: 'DOUBLE', values: x }, s: { type: 'VARCHAR', values: s }, i: { type: 'INTEGER', values: i }, rid: { type: 'INTEGER', values: rid } });
});

const cases: Array<{ by: string[]; ascending: boolean[]; nullsFirst: boolean }> = [
  { by: ['x'], ascending: [true], nullsFirst: false },
  { by: ['x'], ascending: [false], nullsFirst: true },
  { by: ['s'], ascending: [true], nullsFirst: true },
  { by: ['i', 's'], ascending: [false, true], nullsFirst: false },
  { by: ['s', 'x', 'i'], ascending: [true, false, true], nullsFirst: true },
];

for (const c of cases) {
  test(`sortValues([${c.by}], ascending ${c.ascending}, nullsFirst ${c.nullsFirst}) equals DuckDB's ORDER BY on 1, 5 and 9 partitions`, async () => {
    // Strings compare by code point in both (DuckDB's default collation is binary).
    const order = c.by.map((b, k) => `${b} ${c.ascending[k] ? 'ASC' : 'DESC'} NULLS ${c.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ');
    const want = await duckRows(`SELECT x, s, i, rid FROM t ORDER BY ${order}, rid`);
    for (const [inParts, outParts] of [[1, 1], [5, 5], [4, 9]] as const) {
      const df = fromColumns({ x, s, i, rid }, { npartitions: inParts }).sortValues(c.by, { ascending: c.ascending, nullsFirst: c.nullsFirst, npartitions: outParts });
      assert.is(df.npartitions, outParts);
      const got = rowStrings(await df.toRecords({ scheduler: 'sync' }), cols);
      assert.equal(got, want, `${inParts} -> ${outParts} partitions`);
    }
  });
}

for (const scheduler of SCHEDULERS) {
  test(`[${scheduler}] sortValues on 6 partitions equals the sync result (boundaries travel to workers)`, async () => {
    const big = Array.from({ length: N }, (_, k) => (k % 9 === 0 ? null : BigInt(k % 13) * 10n ** 15n));
    const df = fromColumns({ big: big.map((v) => v), rid }, { npartitions: 6 });
    const sorted = df.sortValues(['big', 'rid'], { ascending: [false, true] });
    const want = rowStrings(await sorted.toRecords({ scheduler: 'sync' }), ['big', 'rid']);
    assert.equal(rowStrings(await sorted.toRecords({ scheduler }), ['big', 'rid']), want);
  });
}

const sizes = async (values: unknown[], nparts: number) => (await fromColumns({ v: values }, { npartitions: nparts }).sortValues('v').compute({ scheduler: 'sync' })).batches.map((b) => b.numRows);

test('range partitioning never puts everything in one partition: skewed, constant, sorted and reverse-sorted data', async () => {
  const n = 4000;
  const skewed = Array.from({ length: n }, (_, k) => (k % 10 === 0 ? k : 7)); // 90% one value
  const constant = Array.from({ length: n }, () => 3);
  const ascending = Array.from({ length: n }, (_, k) => k);
  const descending = Array.from({ length: n }, (_, k) => n - k);
  const allNull = Array.from({ length: n }, () => null as number | null);
  for (const [name, values] of [['skewed', skewed], ['constant', constant], ['sorted', ascending], ['reverse', descending], ['all null', allNull]] as const) {
    const parts = await sizes([...values], 8);
    assert.is(parts.reduce((a, b) => a + b, 0), n, name);
    // With ties broken by position, every output gets about n / 8 rows.
    assert.ok(Math.max(...parts) <= (n / 8) * 1.5, `${name}: ${parts}`);
  }
});

test('sorted output: each partition sorted and partitions in order; empty input partitions and an empty frame', async () => {
  const v = Array.from({ length: 300 }, (_, k) => (k * 37) % 101);
  const base = fromColumns({ v }, { npartitions: 6 });
  const df = base.filter(base.col('v').gt(50)).sortValues('v', { npartitions: 4 });
  const t = await df.compute({ scheduler: 'sync' });
  const got = Array.from(t.getChild('v')!.toArray() as Int32Array);
  assert.equal(got, v.filter((a) => a > 50).sort((a, b) => a - b));
  const empty = base.filter(base.col('v').gt(1000)).sortValues('v');
  assert.is((await empty.compute({ scheduler: 'sync' })).numRows, 0);
  assert.equal(empty.columns, ['v']);
});

test('sortValues validates before any work', () => {
  const df = fromColumns({ a: [1, 2], b: ['x', 'y'] });
  assert.throws(() => df.sortValues('nope'), /nope/);
  assert.throws(() => df.sortValues([]), /non-empty array/);
  assert.throws(() => df.sortValues(['a', 'a']), /appears twice/);
  assert.throws(() => df.sortValues(['a', 'b'], { ascending: [true] }), /one boolean per column/);
  assert.throws(() => df.sortValues('a', { nullsFirst: 'yes' as never }), /nullsFirst/);
  assert.throws(() => df.sortValues('a', { npartitions: 0 }), /positive integer/);
  assert.throws(() => df.sortValues('a', { asc: true } as never), /unknown option 'asc'/);
});

test.run();
