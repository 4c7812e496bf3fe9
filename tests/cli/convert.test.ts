import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compute, readArrowIpc, readCsv, readParquet } from '../../src/index.ts';
import { FLIGHTS_A, FLIGHTS_B, fixtureDir, tessera, tesseraHere } from './run.ts';

const dir = fixtureDir({ 'a.csv': FLIGHTS_A, 'b.csv': FLIGHTS_B });
const p = (name: string) => path.join(dir, name);

const rowsOf = async (df: ReturnType<typeof readCsv>) => (await df.compute({ scheduler: 'sync' })).toArray().map((r) => JSON.stringify(r.toJSON()));

test('csv -> parquet -> arrow -> csv keeps every row and value', async () => {
  for (const [from, to] of [['a.csv', 'a.parquet'], ['a.parquet', 'a.arrow'], ['a.arrow', 'back.csv']]) {
    const r = await (to === 'a.parquet' ? tessera : tesseraHere)(['convert', p(from!), p(to!), '--scheduler', 'sync']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /^converted \w+ -> \w+: 1 partition into '.*' in [\d.]+ s/);
    assert.ok(fs.statSync(p(to!)).isFile(), `${to} is one file`);
  }
  const want = await rowsOf(readCsv(p('a.csv')));
  assert.equal(await rowsOf(readParquet(p('a.parquet'))), want);
  assert.equal(await rowsOf(readArrowIpc(p('a.arrow'))), want);
  assert.equal(await rowsOf(readCsv(p('back.csv'))), want);
});

test('several partitions: one CSV file, or a directory of Parquet part files', async () => {
  const csv = await tesseraHere(['convert', path.join(dir, '[ab].csv'), p('both.csv'), '--scheduler', 'sync']);
  const pq = await tesseraHere(['convert', p('a.csv'), p('b.csv'), p('both.parquet'), '--compression', 'zstd', '--scheduler', 'sync']);
  assert.is(csv.code, 0, csv.stderr);
  assert.ok(fs.statSync(p('both.csv')).isFile());
  assert.is(pq.code, 0, pq.stderr);
  assert.match(pq.stderr, /2 part files in directory/);
  assert.ok(fs.statSync(p('both.parquet')).isDirectory());
  const [n1, n2] = await compute(readCsv(p('both.csv')).col('distance').sum(), readParquet(p('both.parquet')).col('distance').sum(), { scheduler: 'sync' });
  assert.is(Number(n1), 2800);
  assert.is(Number(n2), 2800);
});

test('bad input: existing output (2) until --overwrite, unknown output format (2), missing input (1), one argument (2)', async () => {
  fs.writeFileSync(p('exists.arrow'), 'old');
  const exists = await tessera(['convert', p('a.csv'), p('exists.arrow')]);
  assert.is(exists.code, 2);
  assert.match(exists.stderr, /exists; pass --overwrite/);
  assert.is(fs.readFileSync(p('exists.arrow'), 'utf8'), 'old');
  const over = await tesseraHere(['convert', p('a.csv'), p('exists.arrow'), '--overwrite', '--scheduler', 'sync']);
  assert.is(over.code, 0, over.stderr);
  assert.is(Number((await compute(readArrowIpc(p('exists.arrow')).col('distance').count(), { scheduler: 'sync' }))[0]), 4);
  const fmt = await tesseraHere(['convert', p('a.csv'), p('out.xlsx')]);
  const missing = await tessera(['convert', p('zz.csv'), p('zz.parquet')]);
  const one = await tesseraHere(['convert', p('a.csv')]);
  assert.is(fmt.code, 2);
  assert.match(fmt.stderr, /cannot tell the output format of .*out\.xlsx/);
  assert.is(missing.code, 1);
  assert.is(missing.stderr.trim().split('\n').length, 1);
  assert.not.ok(fs.existsSync(p('zz.parquet')));
  assert.is(one.code, 2);
  assert.match(one.stderr, /needs an input and an output/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
