// parseDates on columns mixing ISO dates and timestamps: the column is a timestamp column and a plain date
// is its midnight UTC, whether the mix is seen in the samples, found later (widening) or forced by name.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-dates-'));

const texts = ['2028-10-15', '2028-10-15T10:00:00', '1969-12-31 23:59:59.5', '2000-02-29', '2024-01-01T00:00Z', '1999-12-31T22:00:00-02:00'];
const want = [Date.UTC(2028, 9, 15), Date.UTC(2028, 9, 15, 10), Date.UTC(1969, 11, 31, 23, 59, 59, 500), Date.UTC(2000, 1, 29), Date.UTC(2024, 0, 1), Date.UTC(2000, 0, 1)];

test('dates mixed with timestamps read as timestamps (dates at midnight UTC), sampled or not, inferred or forced', async () => {
  // Dates first and many of them, so a tiny sample sees only dates and the timestamps widen the column later.
  const rows = [...Array.from({ length: 200 }, () => texts[0]!), ...texts];
  const p = path.join(dir, 'mixed.csv');
  fs.writeFileSync(p, `t,k\n${rows.map((t, i) => `${t},${i}`).join('\n')}\n`);
  const expected = [...Array.from({ length: 200 }, () => want[0]!), ...want];
  for (const engine of ['fast', 'papaparse'] as const) {
    for (const opts of [{ parseDates: true }, { parseDates: ['t'] }, { parseDates: true, sampleBytes: 16 }, { parseDates: ['t'], sampleBytes: 16 }]) {
      for (const blocksize of [200, 1 << 20]) {
        const what = `${engine} ${JSON.stringify(opts)} blocksize ${blocksize}`;
        const t = await readCsv(p, { ...opts, engine, blocksize }).toArrow({ scheduler: 'sync' });
        assert.is(String(t.getChild('t')!.type), 'Timestamp<MILLISECOND>', what);
        assert.equal([...t.getChild('t')!].map(Number), expected, what);
      }
    }
  }
});

test('a column of dates only stays a date column; a non-date value in a listed column is still an error', async () => {
  const p = path.join(dir, 'dates.csv');
  fs.writeFileSync(p, 'd\n2028-10-15\n2000-02-29\n');
  const t = await readCsv(p, { parseDates: true }).toArrow({ scheduler: 'sync' });
  assert.is(String(t.getChild('d')!.type), 'Date32<DAY>');
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'd\n2028-10-15\nsoon\n');
  assert.throws(() => readCsv(bad, { parseDates: ['d'] }), /'soon'|"soon"/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
