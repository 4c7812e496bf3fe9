import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CsvOptions } from '../../src/index.ts';
import { fixture, readParts, typesOf } from '../fixtures/csv/expect.ts';

// Both parsers take the same plans; on every fixture they must give identical columns: same types,
// same values, same dictionary entries in the same order, at several blocksizes.
const CASES: [string, CsvOptions][] = [
  ['basic.csv', {}],
  ['basic.csv', { dtype: { name: 'category', id: 'int64' } }],
  ['quoted.csv', {}],
  ['crlf_bom.csv', {}],
  ['unicode.csv', {}],
  ['numbers.csv', {}],
  ['numbers.csv', { dtype: { code: 'int32', sci: 'float64', big: 'string' } }],
  ['int64.csv', {}],
  ['header_only.csv', {}],
  ['mixed/*.csv', { includePathColumn: 'file' }],
  ['reordered/*.csv', { alignColumns: 'byName' }],
  ['semicolon.csv', {}],
  ['dates.csv', { comment: '#', parseDates: true }],
  ['ragged.csv', { onBadLines: 'skip' }],
];

function dictionaries(batches: ReturnType<typeof readParts>['batches']): unknown[] {
  return batches.map((b) => b.schema.fields.map((f, j) => {
    const dict = (b.getChildAt(j)!.data[0] as any).dictionary;
    return dict ? [...dict] : null;
  }));
}

for (const [name, opts] of CASES) {
  for (const blocksize of [7, 64, 1 << 20]) {
    test(`fast == papaparse: ${name} ${JSON.stringify(opts)} blocksize ${blocksize}`, () => {
      const fast = readParts(fixture(name), { ...opts, blocksize, engine: 'fast' });
      const papa = readParts(fixture(name), { ...opts, blocksize, engine: 'papaparse' });
      assert.equal(fast.rows, papa.rows);
      assert.equal(fast.sizes, papa.sizes);
      assert.equal(fast.batches.map(typesOf), papa.batches.map(typesOf));
      assert.equal(dictionaries(fast.batches), dictionaries(papa.batches));
    });
  }
}

test('fast == papaparse on generated airline data, all columns and projected', () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  execFileSync(process.execPath, [new URL('../../datasets/gen-airline.mjs', import.meta.url).pathname, dir, '2', '3000'], { stdio: 'ignore' });
  for (const columns of [null, ['DepDelay', 'Origin', 'TailNum']]) {
    const fast = readParts(`${dir}/*.csv`, { blocksize: 40000, engine: 'fast' }, columns);
    const papa = readParts(`${dir}/*.csv`, { blocksize: 40000, engine: 'papaparse' }, columns);
    assert.is(fast.rows.length, 6000);
    assert.equal(fast.rows, papa.rows);
    assert.equal(dictionaries(fast.batches), dictionaries(papa.batches));
  }
  fs.rmSync(dir, { recursive: true });
});

test.run();
