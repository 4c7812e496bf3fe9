// Type inference samples: a sample never starts inside a quoted field (CRLF files whose quoted fields hold
// line feeds), never drops its last complete row (tiny sampleBytes, cuts right after a newline or at a
// quote), and the inferred type never depends on where the samples were cut.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-sampling-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

test('CRLF file whose quoted fields hold line feeds and row-like lines: integer columns stay integers', async () => {
  let cases = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const R = rng(seed);
    const rows = ['id,txt,n'];
    let sum = 0;
    const nrows = 20 + Math.floor(R() * 40);
    for (let i = 0; i < nrows; i++) {
      const inner = Array.from({ length: 3 + Math.floor(R() * 60) }, (_, j) => (R() < 0.6 ? `w${j},q,z` : 'x'.repeat(Math.floor(R() * 40))));
      const txt = i >= 15 && R() < 0.7 ? `"${inner.join(R() < 0.5 ? '\n' : '\r\n')}"` : `plain${i}`;
      const n = Math.floor(R() * 1000);
      sum += n;
      rows.push(`${i},${txt},${n}`);
    }
    const p = file(`crlf-${seed}.csv`, `${rows.join('\r\n')}\r\n`);
    for (const sampleBytes of [64, 256, 1024]) {
      for (const blocksize of [300, 1 << 20]) {
        const df = readCsv(p, { sampleBytes, blocksize });
        const what = `seed ${seed} sampleBytes ${sampleBytes} blocksize ${blocksize}`;
        assert.equal(df.dtypes, { id: 'Int32', txt: 'Utf8', n: 'Int32' }, what);
        assert.is(await df.col('n').sum().compute({ scheduler: 'sync' }), sum, what);
        cases++;
      }
    }
  }
  assert.is(cases, 72);
});

test('a sample cut right after a newline or at a quote keeps its last complete row', async () => {
  const plain = file('cut-nl.csv', `n\n${'12345\n'.repeat(50)}`);
  // sampleBytes 6: the first sample is exactly "12345\n", one complete row.
  assert.equal(readCsv(plain, { sampleBytes: 6 }).dtypes, { n: 'Int32' });
  const quoted = file('cut-quote.csv', `n,s\n${'1,"ab"\n'.repeat(50)}`);
  // sampleBytes 6: the first sample ends at the closing quote of its only row.
  assert.equal(readCsv(quoted, { sampleBytes: 6 }).dtypes, { n: 'Int32', s: 'Dictionary<Int32, Utf8>' });
  const crlf = file('cut-crlf.csv', `n\r\n${'7\r\n'.repeat(50)}`);
  for (const sampleBytes of [1, 2, 3]) assert.equal(readCsv(crlf, { sampleBytes }).dtypes, { n: 'Int32' }, `sampleBytes ${sampleBytes}`);
});

test('rows longer than sampleBytes: numbers are still typed as numbers', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i},${'x'.repeat(3000 + i)},${i * 0.5}`);
  const p = file('long-rows.csv', `id,pad,f\n${rows.join('\n')}\n`);
  const df = readCsv(p, { sampleBytes: 100, blocksize: 10000 });
  assert.equal(df.dtypes, { id: 'Int32', pad: 'Utf8', f: 'Float64' });
  assert.is(await df.col('f').sum().compute({ scheduler: 'sync' }), 390);
});

test('an integer beyond int64 among floats: the column type does not depend on where samples were cut', async () => {
  const values = Array.from({ length: 300 }, (_, i) => (i === 150 ? '-99999999999999999999' : `${i}.25`));
  const p = file('beyond-int64.csv', `v\n${values.join('\n')}\n`);
  for (const sampleBytes of [8, 64, 512, 'full' as const]) {
    for (const blocksize of [256, 1 << 20]) {
      const t = await readCsv(p, { sampleBytes, blocksize, dictionaryRatio: 0 }).toArrow({ scheduler: 'sync' });
      assert.is(String(t.getChild('v')!.type), 'Utf8', `sampleBytes ${sampleBytes} blocksize ${blocksize}`);
      assert.equal([...t.getChild('v')!], values);
    }
  }
  // Forced to float64 it reads as a float.
  const f = await readCsv(p, { dtype: { v: 'float64' }, sampleBytes: 8 }).toArrow({ scheduler: 'sync' });
  assert.is(f.getChild('v')!.get(150), -1e20);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
