import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ParquetFileError, ParquetOptionError, readParquet, toParquet } from '../../src/index.ts';
import { closeExecutors } from '../../src/scheduler/get-executor.ts';
import { airline, tmpDir } from '../fixtures/parquet/helpers.ts';

const dir = tmpDir('errors');
await toParquet(airline(4000, 2), dir, { rowGroupSize: 500 });
const good = path.join(dir, 'part-0.parquet');

function copyTo(name: string, bytes: Uint8Array): string {
  const d = tmpDir('bad');
  const p = path.join(d, name);
  fs.writeFileSync(p, bytes);
  return p;
}

function throwsLike(fn: () => unknown, Cls: new (...a: never[]) => Error, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, Cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected ${Cls.name} matching ${re}`);
}

async function rejectsLike(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

test('a file that is not Parquet: named, with what was wrong', () => {
  const p = copyTo('flights.parquet', Buffer.from('Year,Month\n2005,1\n2006,2\n'));
  throwsLike(() => readParquet(p), ParquetFileError, /flights\.parquet' is not a Parquet file \(no 'PAR1' magic/);
  const tiny = copyTo('tiny.parquet', Buffer.from('PAR'));
  throwsLike(() => readParquet(tiny), ParquetFileError, /tiny\.parquet' is not a Parquet file/);
  throwsLike(() => readParquet(path.join(dir, 'nope.parquet')), ParquetFileError, /not found: '.*nope\.parquet'/);
  throwsLike(() => readParquet(`${dir}/*.csv`), ParquetFileError, /glob '.*\*\.csv' matched no files/);
});

test('a truncated file: caught from its footer before anything is read', () => {
  const bytes = fs.readFileSync(good);
  for (const cut of [1, 8, 100, bytes.length / 2, bytes.length - 4]) {
    const p = copyTo('cut.parquet', bytes.subarray(0, bytes.length - Math.floor(cut)));
    throwsLike(() => readParquet(p), ParquetFileError, /cut\.parquet' is truncated/);
  }
  // Footer intact but the data before it cut out: the column chunks point past the data.
  const meta = bytes.readUInt32LE(bytes.length - 8);
  const spliced = Buffer.concat([bytes.subarray(0, 4), bytes.subarray(bytes.length - 8 - meta)]);
  throwsLike(() => readParquet(copyTo('spliced.parquet', spliced)), ParquetFileError, /spliced\.parquet' is truncated or corrupt: column '\w+' of row group 0 ends at byte/);
  // Corrupt metadata bytes.
  const garbled = Buffer.from(bytes);
  garbled.fill(0xff, bytes.length - 8 - meta, bytes.length - 8 - meta + 40);
  throwsLike(() => readParquet(copyTo('garbled.parquet', garbled)), ParquetFileError, /garbled\.parquet' has corrupt metadata|garbled\.parquet/);
});

test('corrupt data pages: compute rejects naming the file and row groups; nothing partial is returned', async () => {
  const bytes = Buffer.from(fs.readFileSync(good));
  const meta = bytes.readUInt32LE(bytes.length - 8);
  // Scribble over the middle of the data (the footer stays valid).
  const end = bytes.length - 8 - meta;
  for (let i = Math.floor(end / 3); i < Math.floor((2 * end) / 3); i++) bytes[i] = (i * 7919) & 0xff;
  const p = copyTo('scribbled.parquet', bytes);
  const df = readParquet(p, { rowGroupsPerPartition: 1 });
  for (const scheduler of ['sync', 'threads'] as const) {
    let result: unknown = 'unset';
    try {
      result = await df.compute({ scheduler });
    } catch (e) {
      assert.match((e as Error).message, /scribbled\.parquet' \(row groups \d+\)/);
    }
    assert.is(result, 'unset', `${scheduler}: a table came back from a corrupt file`);
  }
  await closeExecutors();
});

test('a file changed after readParquet: the read task refuses it', async () => {
  const d = tmpDir('changed');
  await toParquet(airline(1000, 4), d);
  const df = readParquet(d);
  const f = path.join(d, 'part-0.parquet');
  fs.appendFileSync(f, 'x');
  await rejectsLike(df.compute(), /part-0\.parquet' \(row groups .*\) changed on disk since readParquet\(\) was called/);
});

test('columns: a missing column names the file and the columns that exist', () => {
  throwsLike(() => readParquet(good, { columns: ['Year', 'Nope'] }), ParquetOptionError, /column 'Nope' is not in '.*part-0\.parquet'; the columns are: 'Year', 'Month'/);
  throwsLike(() => readParquet(good, { columns: ['Year', 'Year'] }), ParquetOptionError, /lists a name twice/);
  throwsLike(() => readParquet(good, { colums: ['Year'] } as never), ParquetOptionError, /no option 'colums'/);
  throwsLike(() => readParquet(good, { rowGroupsPerPartition: 0 }), ParquetOptionError, /rowGroupsPerPartition must be a positive integer/);
});

test('filters: missing column, wrong value type, bad operator, bad shape: each names the column (and the file)', () => {
  throwsLike(() => readParquet(good, { filters: [['Yeer', '>=', 2005]] }), ParquetOptionError, /filter on missing column 'Yeer' in '.*part-0\.parquet'; the columns are: 'Year'/);
  throwsLike(() => readParquet(dir, { filters: [['Year', '>=', '2005']] }), ParquetOptionError, /filter on 'Year' \(Int32\) in 3 files \('.*part-0\.parquet', \.\.\.\): value "2005" is a string; expected a number/);
  throwsLike(() => readParquet(good, { filters: [['Origin', '==', 5]] }), ParquetOptionError, /filter on 'Origin' \(Utf8\) .*value 5 is a number; expected a string/);
  throwsLike(() => readParquet(good, { filters: [['Cancelled', '==', 'yes']] }), ParquetOptionError, /filter on 'Cancelled' \(Bool\).*expected a boolean/);
  throwsLike(() => readParquet(good, { filters: [['Year', '>=', NaN]] }), ParquetOptionError, /value null is NaN|is NaN/);
  throwsLike(() => readParquet(good, { filters: [['Origin', 'in', 'SFO']] }), ParquetOptionError, /\['Origin', 'in', \.\.\.\] needs a list of values/);
  throwsLike(() => readParquet(good, { filters: [['Origin', '==', ['SFO']]] }), ParquetOptionError, /needs one value, not a list/);
  throwsLike(() => readParquet(good, { filters: [['Year', '=>', 2005]] as never }), ParquetOptionError, /filter on 'Year': unknown operator "=>"/);
  throwsLike(() => readParquet(good, { filters: [['Year', '>=']] } as never), ParquetOptionError, /a filter is \[column, op, value\]/);
  throwsLike(() => readParquet(good, { filters: 'Year > 2005' } as never), ParquetOptionError, /filters must be a list/);
});

test('files that disagree: a missing column or a different type names both files', async () => {
  const a = tmpDir('mix-a');
  const b = tmpDir('mix-b');
  await toParquet(airline(100, 1).select(['Year', 'Month']), a);
  await toParquet(airline(100, 1).select(['Year']), b);
  throwsLike(() => readParquet([path.join(a, 'part-0.parquet'), path.join(b, 'part-0.parquet')]), ParquetFileError, /mix-b.*part-0\.parquet' has no column 'Month', which '.*mix-a.*' has/);
  const c = tmpDir('mix-c');
  const df = airline(100, 1);
  await toParquet(df.assign({ Month: df.col('Month').mul(1.5) }).select(['Year', 'Month']), c);
  throwsLike(() => readParquet([path.join(a, 'part-0.parquet'), path.join(c, 'part-0.parquet')]), ParquetFileError, /column 'Month' is Float64 in '.*mix-c.*' but Int32 in '.*mix-a.*'/);
});

test('toParquet: refuses a non-empty directory unless told, and checks its options', async () => {
  const df = airline(100, 1);
  await assertRejects(toParquet(df, dir), /toParquet: directory '.*' is not empty; pass \{overwrite: true\}/);
  const d = tmpDir('w');
  await assertRejects(toParquet(df, d, { compression: 'lzo' as never }), /compression must be one of 'snappy'/);
  await assertRejects(toParquet(df, d, { partitionOn: ['Nope'] }), /partitionOn column 'Nope' does not exist/);
  await assertRejects(toParquet(df, d, { rowGroupSize: 0 }), /rowGroupSize must be a positive integer/);
  const again = await toParquet(df, dir, { overwrite: true });
  assert.is(again.length, 3);
  assert.equal(fs.readdirSync(dir).sort(), ['_tessera.json', 'part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
});

async function assertRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  return rejectsLike(p, re);
}

test.run();
