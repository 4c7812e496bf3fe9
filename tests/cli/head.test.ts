import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLIGHTS_A, FLIGHTS_B, fixtureDir, tessera, tesseraHere } from './run.ts';

const dir = fixtureDir({ 'a.csv': FLIGHTS_A, 'b.csv': FLIGHTS_B, 'notes.txtx': 'x' });
const glob = path.join(dir, '*.csv');

test('head -n 5 crosses into the second file; table with a header, a rule and a count line', async () => {
  const r = await tessera(['head', glob, '-n', '5', '--scheduler', 'sync']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^carrier\s+delay\s+distance\s+cancelled$/);
  assert.match(lines[1]!, /^─+/);
  assert.is(lines.length, 2 + 5 + 1);
  assert.match(lines[4]!, /^AA\s+null\s+300\s+1$/);
  assert.match(lines[6]!, /^AA\s+0\s+500\s+0$/);
  assert.is(lines[7], '(5 rows, 4 columns)');
});

test('head --json: one object per row; default is 10 rows (all 7 here)', async () => {
  const r = await tesseraHere(['head', glob, '--json', '--scheduler', 'sync']);
  assert.is(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(rows.length, 7);
  assert.equal(rows[0], { carrier: 'AA', delay: 10, distance: 100, cancelled: 0 });
  assert.is(rows[5].carrier, null);
});

test('head bad input: missing file (1), unknown extension (2), negative -n (2)', async () => {
  const missing = await tessera(['head', path.join(dir, 'nope.csv')]);
  const ext = await tesseraHere(['head', path.join(dir, 'notes.txtx')]);
  const neg = await tesseraHere(['head', glob, '-n', '-3']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^tessera head: error: .*not found/);
  assert.is(ext.code, 2);
  assert.match(ext.stderr, /cannot tell the format of .*notes\.txtx.*--from/);
  assert.is(neg.code, 2);
  assert.is(neg.stderr.trim().split('\n').length, 1);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
