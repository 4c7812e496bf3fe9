// sortValues(): row sequences against DuckDB's ORDER BY (row id as the last key: tessera's sort is stable),
// NaN above numbers and nulls first/last, unicode by code point, several keys with mixed directions; and the
// range partitioning itself: skewed, constant, sorted and reverse-sorted input all spread over partitions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromColumns } from '../../../src/index.ts';
import { SCHEDULERS, rejects, rng } from '../../helpers.ts';
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

test('setIndex: sorted, every key value in one partition, partitions in order; index survives filter and select', async () => {
  const k = Array.from({ length: 600 }, (_, j) => (j % 50 === 0 ? null : (j * 37) % 41)); // many repeats
  const base = fromColumns({ k, j: k.map((_, n) => n) }, { npartitions: 6 });
  const df = base.setIndex('k');
  assert.is(df.index, 'k');
  const t = await df.compute({ scheduler: 'sync' });
  const parts = t.batches.map((b) => Array.from(b.getChild('k')!, (v) => v as number | null));
  const flat = parts.flat();
  assert.equal(flat, [...k].sort((a, b) => (a === null ? 1 : b === null ? -1 : a - b)));
  const owner = new Map<number | null, number>();
  parts.forEach((p, n) => p.forEach((v) => {
    assert.ok(owner.get(v) === undefined || owner.get(v) === n, `key ${v} in partitions ${owner.get(v)} and ${n}`);
    owner.set(v, n);
  }));
  assert.ok(Math.max(...parts.map((p) => p.length)) < 600, 'more than one partition used');
  const divisions = await df.divisions({ scheduler: 'sync' });
  assert.is(divisions.length, 7);
  parts.forEach((p, n) => assert.is(divisions[n], p.length > 0 && p[0] !== null ? p[0] : null, `division ${n}`));
  await rejects(base.divisions(), /no index/);
  assert.is(df.filter(df.col('j').gt(3)).index, 'k');
  assert.is(df.select(['j']).index, null);
  assert.is(df.resetIndex().index, null);
  assert.equal(df.resetIndex({ drop: true }).columns, ['j']);
  assert.is(base.index, null);
  assert.throws(() => base.resetIndex(), /no index/);
  assert.throws(() => base.setIndex('nope'), /nope/);
});

test('setIndex on data already in order keeps every partition as it is (no copy); one row out of order is caught', async () => {
  const k = Array.from({ length: 200 }, (_, j) => j * 3);
  const df = fromColumns({ k }, { npartitions: 5 });
  const before = (await df.compute({ scheduler: 'sync' })).batches;
  const after = (await df.setIndex('k').compute({ scheduler: 'sync' })).batches;
  assert.equal(after.map((b) => b.numRows), before.map((b) => b.numRows));
  after.forEach((b, n) => assert.ok(b.data.children[0]!.values === before[n]!.data.children[0]!.values, `partition ${n} was copied`));
  // never trusted: swap two rows inside partition 2, and make partition 3 overlap partition 4
  const bad = [...k];
  [bad[85], bad[86]] = [bad[86]!, bad[85]!];
  bad[150] = 10_000;
  const fixed = await fromColumns({ k: bad }, { npartitions: 5 }).setIndex('k').compute({ scheduler: 'sync' });
  assert.equal(Array.from(fixed.getChild('k')!), [...bad].sort((a, b) => a - b));
});

test("shuffle: 'disk' sends every input partition to disk as it is sampled: none waits in memory for the boundaries", async () => {
  const dirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tessera-shuffle-${process.pid}-`));
  let filesAtBoundaries = -1;
  const listeners = [{
    onTaskStart: (t: { op: string }) => {
      if (t.op !== 'sort.boundaries') return;
      filesAtBoundaries = dirs().reduce((n, d) => n + fs.readdirSync(path.join(os.tmpdir(), d)).length, 0);
    },
  }];
  // Partition 2 of 5 is empty (nothing to write for it).
  const v = [5, 3, 9, 1, 1, 8, 2, 7, 6, 4].map((n) => n * 1.5);
  const all = fromColumns({ v, rid: v.map((_, k) => k) }, { npartitions: 5 });
  const df = all.filter(all.col('rid').lt(4).or(all.col('rid').ge(6)));
  const sorted = df.sortValues('v', { npartitions: 3 });
  const want = rowStrings(await sorted.toRecords({ scheduler: 'sync' }), ['v', 'rid']);
  assert.equal(rowStrings(await sorted.toRecords({ scheduler: 'sync', shuffle: 'disk', listeners }), ['v', 'rid']), want);
  assert.is(filesAtBoundaries, 4, 'the four non-empty input partitions are on disk when the boundaries are computed');
  assert.equal(dirs(), []);
});

test('hostile column names sort and index like any other', async () => {
  const df = fromColumns(new Map<string, unknown[]>([['__proto__', [3, 1, 2, null]], ['constructor', ['c', 'a', 'b', 'd']]]), { npartitions: 2 });
  const t = await df.sortValues('__proto__', { ascending: false }).toRecords({ scheduler: 'sync' });
  assert.equal(t.map((r) => r['constructor']), ['c', 'b', 'a', 'd']);
  const i = df.setIndex('constructor');
  assert.is(i.index, 'constructor');
  assert.equal((await i.toRecords({ scheduler: 'sync' })).map((r) => r['__proto__']), [1, 2, 3, null]);
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
