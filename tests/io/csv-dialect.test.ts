// Delimiter sniffing: the header row must agree with the delimiter, values holding other candidates do not
// mislead it, a trailing blank line is not a row, and comma wins ties. Dropping every row as a bad line is
// never silent, and a bad-line error names the delimiter in use.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';
import { sniffDelimiter } from '../../src/io/csv/dialect.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-dialect-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

test('small comma files whose values hold ; | or tab read as comma files', async () => {
  for (const sep of [';', '|', '\t']) {
    const rows = ['a,b', `1,x${sep}y${sep}z`, `2,p${sep}q${sep}r`, `3,s${sep}t${sep}u`];
    for (const ending of ['\n', '\r\n']) {
      for (const trailing of [true, false]) {
        const p = file('small.csv', rows.join(ending) + (trailing ? ending : ''));
        const t = await readCsv(p).toArrow({ scheduler: 'sync' });
        const what = `${JSON.stringify(sep)} ${JSON.stringify(ending)} trailing ${trailing}`;
        assert.equal(t.schema.fields.map((f) => f.name), ['a', 'b'], what);
        assert.equal([...t.getChild('a')!], [1, 2, 3], what);
        assert.equal([...t.getChild('b')!].map(String), [`x${sep}y${sep}z`, `p${sep}q${sep}r`, `s${sep}t${sep}u`], what);
      }
    }
  }
});

test('other delimiters are still found when values hold commas; one column stays one column', () => {
  assert.is(sniffDelimiter('a;b\n1,5;2,5\n3,5;4,5\n', '"', null), ';');
  assert.is(sniffDelimiter('a\tb\n1,5\tx,y\n', '"', null), '\t');
  assert.is(sniffDelimiter('a|b|c\n1|2|3\n', '"', null), '|');
  assert.is(sniffDelimiter('only\n1\n2\n', '"', null), ',');
  assert.is(sniffDelimiter('', '"', null), ',');
  // Header only: no row can judge, so the candidate splitting the header most wins (fuzz finding F7).
  assert.is(sniffDelimiter('c0|c1|x;y|c3|c4\n', '"', null), '|');
  assert.is(sniffDelimiter('a;b;c,d', '"', null), ';');
  assert.is(sniffDelimiter('a,b\n', '"', null), ',');
  // A tie (both split every row alike) goes to the comma.
  assert.is(sniffDelimiter('a;b,c;d\n1;2,3;4\n', '"', null), ',');
  // Quoted fields holding the comma do not count as splits.
  assert.is(sniffDelimiter('a;b\n"1,2,3";x\n"4,5";y\n', '"', null), ';');
});

test('property: random comma files whose values hold other candidates sniff as comma; and the reverse', () => {
  const R = rng(61);
  const others = [';', '|', '\t'];
  for (let c = 0; c < 200; c++) {
    const delim = c % 2 === 0 ? ',' : others[c % 3]!;
    const noise = delim === ',' ? others : [','];
    const ncol = 2 + Math.floor(R() * 4);
    const nrow = 1 + Math.floor(R() * 5);
    const value = (): string => {
      let v = `v${Math.floor(R() * 100)}`;
      if (R() < 0.6) for (let k = Math.floor(R() * 4); k >= 0; k--) v += noise[Math.floor(R() * noise.length)]! + Math.floor(R() * 10);
      return v;
    };
    const header = Array.from({ length: ncol }, (_, i) => `c${i}`).join(delim);
    const body = Array.from({ length: nrow }, () => Array.from({ length: ncol }, value).join(delim));
    const text = [header, ...body].join('\n') + (R() < 0.5 ? '\n' : '');
    assert.is(sniffDelimiter(text, '"', null), delim, JSON.stringify(text));
  }
});

test('every row a bad line under onBadLines skip warns; the error names the delimiter', async () => {
  const p = file('wrong-delim.csv', 'a,b\n1,x;y;z\n2,p;q;r\n');
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const t = await readCsv(p, { delimiter: ';', onBadLines: 'skip' }).toArrow({ scheduler: 'sync' });
    assert.is(t.numRows, 0);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  assert.ok(warnings.some((w) => /every one of the 2 rows .* is a bad line .*delimiter ";".*options\.delimiter/.test(w)), JSON.stringify(warnings));
  try {
    await readCsv(p, { delimiter: ';' }).toArrow({ scheduler: 'sync' });
    assert.unreachable('a bad line must fail');
  } catch (e) {
    assert.match((e as Error).message, /expected 1 fields, saw 3 \(delimiter ";"\); if the delimiter is wrong pass options\.delimiter/);
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
