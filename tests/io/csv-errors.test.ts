import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../helpers.ts';
import { CsvFileError, CsvOptionError, CsvParseError, readCsv } from '../../src/index.ts';
import { fixture, readAll, readParts, rowsOf } from '../fixtures/csv/expect.ts';

test('missing file and glob matching nothing fail at readCsv time', () => {
  assert.throws(() => readCsv(fixture('nope.csv')), (e: Error) => e instanceof CsvFileError && /CSV file not found: '.*nope\.csv'/.test(e.message));
  assert.throws(() => readCsv(fixture('zz*.csv')), /glob '.*zz\*\.csv' matched no files/);
  assert.throws(() => readCsv(fixture('empty.csv')), /no columns: '.*empty\.csv' is empty/);
});

test('different column orders: clear error naming both files', () => {
  assert.throws(() => readCsv(fixture('reordered/*.csv')), /files have different columns: '.*r1\.csv' has \["a","b","c"\] but '.*r2\.csv' has \["c","a","b"\]; pass alignColumns: 'byName'/);
});

test('ragged rows under each onBadLines', async () => {
  await rejects(readAll(fixture('ragged.csv')), /bad line at .*ragged\.csv line 3 \(byte 12\): expected 3 fields, saw 2/);
  const skipped = await readAll(fixture('ragged.csv'), { onBadLines: 'skip' });
  assert.equal(rowsOf(skipped), [{ a: 1, b: 2, c: 3 }, { a: 10, b: 11, c: 12 }]);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  const warned = await readAll(fixture('ragged.csv'), { onBadLines: 'warn' });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.is(warned.numRows, 2);
  assert.is(warnings.length, 2);
  assert.match(warnings[1]!, /ragged\.csv line 4 .*expected 3 fields, saw 4/);
});

test('a fixed dtype that does not fit names file, line, column, value and type', async () => {
  for (const engine of ['fast', 'papaparse'] as const) {
    const e = await rejects(readAll(fixture('basic.csv'), { dtype: { name: 'float64' }, engine }),
      /basic\.csv line 2 \(byte \d+\), column 'name': value "apple" is not a valid float64 \(type set by options\.dtype/);
    // The scheduler wraps task failures (naming task and partition); the CSV error is the cause.
    const cause = (e.cause ?? e) as CsvParseError;
    assert.ok(cause instanceof CsvParseError);
    assert.is(cause.location.line, 2);
    assert.is(cause.column, 'name');
    assert.is(cause.value, 'apple');
    assert.is(cause.expected, 'float64');
  }
});

test('parseDates {column: format}: a value not in the format names the file, its line in the file, the column and the format', async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  // Two files; the bad value sits in the second file, in a late partition, after a quoted field that
  // spans two physical lines (so the row number and the line number differ).
  const rows = (n: number) => Array.from({ length: n }, (_, i) => `${i},${String((i % 28) + 1).padStart(2, '0')}/03/2001 10:${String(i % 60).padStart(2, '0')},"n${i}"`);
  const first = ['id,when,note', ...rows(300)];
  const second = ['id,when,note', ...rows(400)];
  second.splice(50, 1, '49,01/01/2001 00:00,"two\nlines"');
  second.splice(361, 1, '360,2001-03-05 10:00,"iso, not the format"');
  fs.writeFileSync(`${dir}/a.csv`, first.join('\n') + '\n');
  fs.writeFileSync(`${dir}/b.csv`, second.join('\n') + '\n');
  // Lines are 1-based and count the header and the extra line of the quoted field: 361 + 1 + 1.
  const line = 363;
  assert.is(fs.readFileSync(`${dir}/b.csv`, 'utf8').split('\n')[line - 1], '360,2001-03-05 10:00,"iso, not the format"');
  for (const engine of ['fast', 'papaparse'] as const) {
    for (const scheduler of ['sync', 'threads'] as const) {
      const df = readCsv([`${dir}/a.csv`, `${dir}/b.csv`], { parseDates: { when: '%d/%m/%Y %H:%M' }, blocksize: 2048, engine });
      assert.ok(df.npartitions > 4);
      const e = await rejects(df.compute({ scheduler }),
        new RegExp(`b\\.csv line ${line} \\(byte \\d+\\), column 'when': value "2001-03-05 10:00" is not a date in format '%d/%m/%Y %H:%M'`));
      const cause = (e.cause ?? e) as CsvParseError;
      assert.ok(cause instanceof CsvParseError, `${engine}/${scheduler}: a CsvParseError`);
      assert.match(cause.location.file, /b\.csv$/);
      assert.is(cause.location.line, line);
      assert.is(cause.column, 'when');
      assert.is(cause.value, '2001-03-05 10:00');
      assert.is(cause.expected, "date in format '%d/%m/%Y %H:%M'");
    }
  }
  // The good rows read as the format says (spaces around a value are ignored, as toDatetime does).
  fs.writeFileSync(`${dir}/ok.csv`, 'when\n 05/03/2001 10:07 \n29/02/2004 23:59\nNA\n');
  const got = (await readCsv(`${dir}/ok.csv`, { parseDates: { when: '%d/%m/%Y %H:%M' } }).col('when').toList({ scheduler: 'sync' })).map((d) => (d === null ? null : (d as Date).getTime()));
  assert.equal(got, [Date.UTC(2001, 2, 5, 10, 7), Date.UTC(2004, 1, 29, 23, 59), null]);
  fs.rmSync(dir, { recursive: true });
});

for (const scheduler of ['sync', 'threads', 'processes'] as const) {
  test(`[${scheduler}] an inferred type contradicted outside the samples widens the column for every partition`, async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
    const lines = ['x,y'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},${i % 7}`);
    lines.splice(2600, 0, '2.5,1'); // a float among ints
    lines.splice(4100, 0, '7,oops'); // text among ints
    fs.writeFileSync(`${dir}/late.csv`, lines.join('\n') + '\n');
    // Samples: the first 64 bytes and three 16-byte ranges; neither value sits in them.
    const df = readCsv(`${dir}/late.csv`, { sampleBytes: 64, blocksize: 4096 });
    assert.equal(df.dtypes, { x: 'Int32', y: 'Int32' });
    assert.ok(df.npartitions > 3);
    const t = await df.compute({ scheduler });
    assert.equal(t.schema.fields.map((f) => String(f.type)), ['Float64', 'Utf8'], 'one type per column in every partition');
    assert.is(t.numRows, 5002);
    assert.is(t.getChild('x')!.get(2599), 2.5);
    assert.is(t.getChild('y')!.get(4099), 'oops');
    assert.is(t.getChild('y')!.get(0), '0');
    // the source keeps the widened schema for later work, and reductions see the wider type
    assert.equal(df.dtypes, { x: 'Float64', y: 'Utf8' });
    const sum = await df.col('x').sum().compute({ scheduler });
    assert.is(sum, lines.slice(1).reduce((s, l) => s + Number(l.split(',')[0]), 0));
    fs.rmSync(dir, { recursive: true });
  });
}

test('a reduction written for a column that the data turns into text fails clearly after widening', async () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  const lines = ['x'];
  for (let i = 0; i < 5000; i++) lines.push(String(i));
  lines.splice(2600, 0, 'oops');
  fs.writeFileSync(`${dir}/late.csv`, lines.join('\n') + '\n');
  const df = readCsv(`${dir}/late.csv`, { sampleBytes: 64, blocksize: 4096 });
  const mean = df.col('x').mean();
  await rejects(mean.compute({ scheduler: 'sync' }), /mean\(\) no longer applies to x: the data made it Utf8 \(after widening: column 'x' int32 -> string \(.*late\.csv line 2601: "oops"\)\)/);
  const full = await readAll(`${dir}/late.csv`, { sampleBytes: 'full', blocksize: 4096 });
  assert.is(String(full.schema.fields[0]!.type), 'Utf8');
  fs.rmSync(dir, { recursive: true });
});

test('options are validated at the edge', () => {
  assert.throws(() => readCsv(fixture('basic.csv'), { blocksize: '12 parsecs' }), (e: Error) => e instanceof CsvOptionError && /blocksize '12 parsecs' is not a size/.test(e.message));
  assert.throws(() => readCsv(fixture('basic.csv'), { columns: ['nope'] }), /options\.columns names 'nope', not among the columns 'id', 'price'/);
  assert.throws(() => readCsv(fixture('basic.csv'), { dtype: { id: 'decimal' as any } }), /options\.dtype\.id must be one of/);
  assert.throws(() => readCsv(fixture('basic.csv'), { bogus: 1 } as any), /unknown option 'bogus'/);
  assert.throws(() => readCsv(fixture('multichar.csv'), { delimiter: '||', engine: 'fast' }), /engine 'fast' needs a one-byte ASCII delimiter/);
  assert.throws(() => readCsv(fixture('basic.csv'), { parseDates: ['name'] }), /parseDates lists 'name', but '.*basic\.csv' holds "apple"/);
});

test('bz2 files read like the plain file; a broken one is a clear error naming it', async () => {
  // compressed/quoted.csv.bz2 was made with the bzip2 tool from quoted.csv
  const plainRows = rowsOf(await readAll(fixture('quoted.csv')));
  const bz = readCsv(fixture('compressed/quoted.csv.bz2'));
  assert.is(bz.npartitions, 1);
  assert.equal(rowsOf(await bz.compute({ scheduler: 'threads' })), plainRows);
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  fs.writeFileSync(`${dir}/a.csv.bz2`, 'not really bz2');
  assert.throws(() => readParts(`${dir}/a.csv.bz2`), /cannot decompress '.*a\.csv\.bz2' as bzip2/);
  fs.rmSync(dir, { recursive: true });
});

test.run();
