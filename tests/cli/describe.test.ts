import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv, readParquet, resetKernelStats, kernelStats, toParquet } from '../../src/index.ts';
import { describeFrame } from '../../src/cli/describe.ts';
import { FLIGHTS_A, FLIGHTS_B, fixtureDir, tessera, tesseraHere } from './run.ts';

const dir = fixtureDir({ 'a.csv': FLIGHTS_A, 'b.csv': FLIGHTS_B, 'bad/x.csv': 'n\n1\n2\n', 'bad/y.csv': 'm\n1\n' });
const glob = path.join(dir, '*.csv');

test('describe --json: exact statistics over a glob of two files', async () => {
  const r = await tesseraHere(['describe', glob, '--json', '--top', '2', '--scheduler', 'sync']);
  assert.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.is(d.format, 'csv');
  assert.is(d.rows, 7);
  assert.equal(d.columns.map((c: { name: string }) => c.name), ['carrier', 'delay', 'distance', 'cancelled']);
  const [carrier, delay, distance] = d.columns;
  assert.is(carrier.count, 6);
  assert.is(carrier.nulls, 1);
  assert.is(carrier.distinct, 3);
  assert.equal(carrier.top, [{ value: 'AA', count: 3 }, { value: 'UA', count: 2 }]);
  assert.is(carrier.mean, null); // strings: no mean
  assert.is(delay.count, 6);
  assert.is(delay.nulls, 1);
  assert.is(delay.min, -5);
  assert.is(delay.max, 30.5);
  const vals = [10, -5, 30.5, 0, 20, 7];
  const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
  assert.ok(Math.abs(delay.mean - mean) < 1e-12);
  const sd = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1));
  assert.ok(Math.abs(delay.std - sd) < 1e-12);
  assert.is(delay.distinct, 6);
  assert.is(distance.min, 100);
  assert.is(distance.max, 700);
  assert.is(distance.mean, 400);
});

test('describe prints the schema and one statistics row per column (threads, the default)', async () => {
  const r = await tessera(['describe', glob]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^7 rows, 4 columns, 2 partitions \(csv\)/);
  assert.match(r.stdout, /\nSchema\ncolumn\s+type\n/);
  const stats = r.stdout.split('\nStatistics\n')[1]!.trim().split('\n');
  assert.match(stats[0]!, /^column\s+count\s+nulls\s+min\s+max\s+mean\s+std\s+distinct\s+top 3$/);
  assert.is(stats.length, 2 + 4);
  assert.match(stats.find((l) => l.startsWith('carrier'))!, /AA \(3\), UA \(2\), DL \(1\)$/);
});

test('describe reads every partition once for all statistics of all columns', async () => {
  // Parquet: its reader counts the partitions it produces (kernelStats), so the test can see one read each.
  await toParquet(readCsv(glob), path.join(dir, 'pq'), { scheduler: 'sync', progress: false });
  const df = readParquet(path.join(dir, 'pq'));
  assert.is(df.npartitions, 2);
  resetKernelStats();
  const d = await describeFrame(df, { top: 3, distinct: true, scheduler: 'sync', progress: false });
  assert.is(kernelStats.partitionReads, df.npartitions);
  assert.is(d.columns.length, 4);
  assert.is(d.columns[3]!.max, 1);
});

test('describe --no-distinct and --columns', async () => {
  const r = await tesseraHere(['describe', glob, '--json', '--no-distinct', '--columns', 'delay', '--scheduler', 'sync']);
  assert.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.is(d.columns.length, 1);
  assert.is(d.columns[0].distinct, null);
  assert.is(d.columns[0].top, null);
});

test('bad input: files whose columns differ, an unknown column, a glob matching nothing, no files', async () => {
  const mixed = await tessera(['describe', path.join(dir, 'bad', '*.csv'), '--scheduler', 'sync']);
  const col = await tesseraHere(['describe', glob, '--columns', 'nope', '--scheduler', 'sync']);
  const none = await tesseraHere(['describe', path.join(dir, '*.parquet')]);
  const empty = await tesseraHere(['describe']);
  assert.is(mixed.code, 1);
  assert.is(mixed.stderr.trim().split('\n').length, 1);
  assert.match(mixed.stderr, /^tessera describe: error: /);
  assert.is(col.code, 1);
  assert.match(col.stderr, /nope/);
  assert.is(none.code, 1);
  assert.match(none.stderr, /matched no files/);
  assert.is(empty.code, 2);
  assert.match(empty.stderr, /no input files/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
