import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { compute, fromRecordBatches, readParquet, toParquet } from '../../src/index.ts';
import { parquetStats, resetParquetStats } from '../../src/io/parquet/ops.ts';
import { pushDownPredicates, filterConjuncts } from '../../src/collections/optimize/predicate-pushdown.ts';
import type { ParquetSource } from '../../src/io/parquet/source.ts';
import { airline, rows, sql, tmpDir, values } from '../fixtures/parquet/helpers.ts';

// 12 years x 8000 rows sorted by Year, 1000-row row groups: 24 row groups over 3 files.
const N = 24_000;
const dir = tmpDir('filters');
await toParquet(airline(N, 11), dir, { rowGroupSize: 1000 });
const glob = `${dir}/*.parquet`;

// Row groups are counted in this thread: run the counted reads on the inline scheduler whatever the default.
const SYNC = { scheduler: 'sync' } as const;

const sortKey = (r: Record<string, unknown>) => JSON.stringify(r);

test('filters option: only matching row groups are read, and exactly the matching rows come back (vs DuckDB)', async () => {
  const cases: Array<[unknown, string]> = [
    [[['Year', '>=', 2005]], 'Year >= 2005'],
    [[['Year', '>=', 2005], ['Origin', 'in', ['SFO', 'OAK']]], `Year >= 2005 AND Origin IN ('SFO', 'OAK')`],
    [[['Year', '==', 2001]], 'Year = 2001'],
    [[['Year', '<', 2000]], 'Year < 2000'],
    [[['Year', '!=', 2003], ['Cancelled', '==', true]], 'Year != 2003 AND Cancelled'],
    [[[['Year', '<=', 1998]], [['Year', '>', 2008], ['DepDelay', '>', 90.5]]], 'Year <= 1998 OR (Year > 2008 AND DepDelay > 90.5)'],
    [[['Origin', 'not in', ['SFO', 'LAX', 'JFK']]], `Origin NOT IN ('SFO', 'LAX', 'JFK')`],
    [[['Year', '>', 2030]], 'Year > 2030'],
  ];
  for (const [filters, where] of cases) {
    resetParquetStats();
    const df = readParquet(glob, { filters: filters as never, rowGroupsPerPartition: 1 });
    const t = await df.compute(SYNC);
    const want = await sql(`SELECT Year, Month, DepDelay, Origin, UniqueCarrier, Cancelled FROM '${glob}' WHERE ${where}`);
    assert.equal(rows(t).map(sortKey).sort(), want.map(sortKey).sort(), where);
    assert.is(parquetStats.rowGroupsRead, df.npartitions, where);
  }
  // Year-sorted data: a Year range reads only its row groups.
  resetParquetStats();
  const df = readParquet(glob, { filters: [['Year', '>=', 2005]], rowGroupsPerPartition: 1 });
  await df.compute(SYNC);
  const rowGroupsHolding2005On = 14; // 2005..2009 fully (5 x 2000 rows = 10 groups), plus the groups where 2004/2005 and later years share
  assert.ok(parquetStats.rowGroupsRead <= rowGroupsHolding2005On && parquetStats.rowGroupsRead >= 10, String(parquetStats.rowGroupsRead));
  assert.ok(df.explain().includes(`row groups ${parquetStats.rowGroupsRead}/24 after filters`), df.explain());
});

test('predicate pushdown: filter().select() reads fewer row groups and gives the same rows as without pushdown', async () => {
  const df = readParquet(glob, { rowGroupsPerPartition: 1 });
  const q = df.filter(df.col('Year').ge(2005)).select(['Year', 'DepDelay', 'Origin']);
  resetParquetStats();
  const pushed = await q.compute(SYNC);
  const readWith = parquetStats.rowGroupsRead;
  // Without pushdown: the same filter evaluated over every row group (an explicit full read, then filter).
  resetParquetStats();
  const all = await df.compute(SYNC);
  const readWithout = parquetStats.rowGroupsRead;
  assert.is(readWithout, 24);
  assert.ok(readWith < readWithout / 2 + 4, `${readWith} row groups read with pushdown`);
  const years = values(all.getChild('Year')) as number[];
  const keep = years.map((y) => y >= 2005);
  const expect = ['Year', 'DepDelay', 'Origin'].map((c) => values(all.getChild(c)).filter((_, i) => keep[i]));
  assert.equal(['Year', 'DepDelay', 'Origin'].map((c) => values(pushed.getChild(c))), expect);
  const plan = q.explain();
  // Each row group holds one year (2000 rows a year, 1000-row groups) and Year has no nulls: the kept groups'
  // statistics prove that every row passes, so the filter itself is gone (pruning did all its work).
  assert.not.match(plan, /filter ge\(Year, 2005\)/);
  assert.match(plan, new RegExp(`row groups ${readWith}/24 after filters`));
  assert.match(plan, /pushed: Year >= 2005/);
  // With a conjunct the statistics cannot decide (Cancelled is mixed in every group) the filter stays.
  const mixed = df.filter(df.col('Year').ge(2005).and(df.col('Cancelled').eq(false)));
  assert.match(mixed.explain(), /filter and\(ge\(Year, 2005\), eq\(Cancelled, false\)\)/);
});

test('pushdown through select, stacked filters and assign of other columns; flipped literals; compute() of several outputs', async () => {
  const df = readParquet(glob, { rowGroupsPerPartition: 1 });
  const a = df.select(['Year', 'DepDelay']).filter(df.col('DepDelay').gt(10));
  const b = a.filter(a.col('Year').lt(2001)); // two filters, pushed through a select
  const c = df.assign({ late: df.col('DepDelay').gt(15) }).filter(df.col('Year').eq(2003));
  const d = df.assign({ Year: df.col('Month') }); // Year redefined: its filter must not reach the source
  const dq = d.filter(d.col('Year').eq(2003));
  resetParquetStats();
  const [sb, nc, nd, sAll] = await compute(b.col('DepDelay').sum(), c.col('late').count(), dq.col('Month').count(), df.col('DepDelay').sum(), SYNC);
  const [o] = await sql(`SELECT (SELECT sum(DepDelay) FROM '${glob}' WHERE DepDelay > 10 AND Year < 2001) sb,
     (SELECT count(DepDelay) FROM '${glob}' WHERE Year = 2003) nc, (SELECT count(*) FROM '${glob}' WHERE Month = 2003) nd, (SELECT sum(DepDelay) FROM '${glob}') sa`);
  assert.ok(Math.abs((sb as number) - (o!.sb as number)) < 1e-6 * (o!.sb as number));
  assert.is(nc, Number(o!.nc));
  assert.is(nd, Number(o!.nd));
  assert.ok(Math.abs((sAll as number) - (o!.sa as number)) < 1e-6 * Math.abs(o!.sa as number));
  assert.match(b.explain(), /pushed: Year < 2001 and DepDelay > 10/);
  assert.match(c.explain(), /row groups \d+\/24 after filters/);
  assert.not.match(dq.explain(), /after filters/);
  // 2 < Year flips to Year > 2
  assert.equal(filterConjuncts({ t: 'bin', op: 'lt', l: { t: 'lit', value: 2 }, r: { t: 'col', name: 'Year' } }), [{ column: 'Year', op: 'gt', value: 2 }]);
});

test('pushdown is pure: unchanged plans come back as the same objects; OR is not pushed', () => {
  const df = readParquet(glob, { rowGroupsPerPartition: 1 });
  const plain = { kind: 'frame' as const, node: df.select(['Year']).node };
  assert.ok(pushDownPredicates([plain])[0] === plain);
  const or = df.filter(df.col('Year').lt(2000).or(df.col('Year').gt(2008)));
  const out = pushDownPredicates([{ kind: 'frame', node: or.node }])[0]!;
  assert.ok((out as { node: unknown }).node === or.node);
  // A filter that prunes nothing and that statistics cannot prove leaves the plan (and its token) as it was
  // (DepDelay is float64 with nulls).
  const none = df.filter(df.col('DepDelay').ge(-1000));
  assert.ok((pushDownPredicates([{ kind: 'frame', node: none.node }])[0] as { node: unknown }).node === none.node);
  // One that prunes nothing but is proven to pass every row (no null Year, all >= 1990) goes: the plan is the
  // source itself, the same object.
  const all = df.filter(df.col('Year').ge(1990));
  assert.ok((pushDownPredicates([{ kind: 'frame', node: all.node }])[0] as { node: unknown }).node === df.node);
});

test('filters on dates, timestamps and strings prune by statistics and filter rows exactly', async () => {
  const d = tmpDir('time');
  const n = 4000;
  const ms = Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * 3_600_000);
  const t = new arrow.Table({
    day: arrow.vectorFromArray(ms.map((x) => new Date(x - (x % 86_400_000))), new arrow.DateDay()),
    at: arrow.vectorFromArray(ms, new arrow.TimestampMicrosecond()),
    name: arrow.vectorFromArray(ms.map((_, i) => `n${String(i).padStart(5, '0')}`), new arrow.Utf8()),
  });
  await toParquet(fromRecordBatches(t.batches), d, { rowGroupSize: 500 });
  const cases: Array<[unknown, (i: number) => boolean]> = [
    [[['day', '>=', new Date('2020-03-01')]], (i) => ms[i]! >= Date.UTC(2020, 2, 1)],
    [[['day', '==', '2020-01-05']], (i) => ms[i]! - (ms[i]! % 86_400_000) === Date.UTC(2020, 0, 5)],
    [[['at', '<', Date.UTC(2020, 0, 3, 12)]], (i) => ms[i]! < Date.UTC(2020, 0, 3, 12)],
    [[['name', '>', 'n03500']], (i) => i > 3500],
    [[['name', 'in', ['n00007', 'n03999', 'zzz']]], (i) => i === 7 || i === 3999],
  ];
  for (const [filters, pred] of cases) {
    resetParquetStats();
    const df = readParquet(d, { filters: filters as never, rowGroupsPerPartition: 1 });
    const got = values((await df.compute(SYNC)).getChild('name'));
    const want = ms.map((_, i) => i).filter(pred).map((i) => `n${String(i).padStart(5, '0')}`);
    assert.equal(got, want, JSON.stringify(filters));
    assert.ok(parquetStats.rowGroupsRead < 8, `${JSON.stringify(filters)} read ${parquetStats.rowGroupsRead} of 8 row groups`);
  }
});

test('filters on hive columns skip whole folders; nulls never match a comparison', async () => {
  const d = tmpDir('hive-f');
  const files = await toParquet(airline(6000, 5), d, { partitionOn: ['Year'] });
  const in1999or2004 = files.filter((f) => /Year=(1999|2004)/.test(f)).length;
  resetParquetStats();
  const df = readParquet(d, { filters: [['Year', 'in', [1999, 2004]], ['Origin', '==', 'SFO']] });
  const t = await df.compute(SYNC);
  const want = await sql(`SELECT count(*) n FROM read_parquet('${d}/**/*.parquet', hive_partitioning = true) WHERE Year IN (1999, 2004) AND Origin = 'SFO'`);
  assert.is(t.numRows, Number(want[0]!.n));
  assert.ok(t.numRows > 0);
  assert.ok(values(t.getChild('Year')).every((y) => y === 1999 || y === 2004));
  assert.is(parquetStats.rowGroupsRead, in1999or2004);
  assert.match(df.explain(), new RegExp(`read-parquet ${files.length} files, row groups ${in1999or2004}/${files.length} after filters`));
  const all = readParquet(d);
  const viaFilter = all.filter(all.col('Year').eq(2004));
  const in2004 = files.filter((f) => /Year=2004/.test(f)).length;
  assert.match(viaFilter.explain(), new RegExp(`row groups ${in2004}/${files.length} after filters`));
  // Origin is null on some rows: '!=' never returns them (nulls satisfy no comparison), as in DuckDB.
  const ne = await readParquet(d, { filters: [['Origin', '!=', 'SFO']] }).compute(SYNC);
  const [o] = await sql(`SELECT count(*) n FROM read_parquet('${d}/**/*.parquet', hive_partitioning = true) WHERE Origin != 'SFO'`);
  assert.is(ne.numRows, Number(o!.n));
});

void path;
test.run();
