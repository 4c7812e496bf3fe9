import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readParts } from '../fixtures/csv/expect.ts';
import { bufferReader, rowStartsAtOrAfter } from '../../src/io/csv/boundaries.ts';

// Rows whose quoted fields hold newlines, delimiters and doubled quotes; every blocksize from 1 byte up
// puts a block boundary on every byte of the file, so each tricky byte is a boundary for some run.
const ROWS = [
  'id,text,n',
  '1,"a\nb",10',
  '2,"x,""y""\n,z",20',
  '3,plain,30',
  '4,"""\n""",40',
  '5,"\r\n",50',
  '6,"end""",60',
  '7,a"b,70',
];

function tmpFile(content: string): { file: string; done: () => void } {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tessera-csv-`);
  fs.writeFileSync(`${dir}/q.csv`, content);
  return { file: `${dir}/q.csv`, done: () => fs.rmSync(dir, { recursive: true }) };
}

for (const eol of ['\n', '\r\n']) {
  test(`quoted newlines on every block boundary (${JSON.stringify(eol)} line ends)`, () => {
    const content = ROWS.join(eol) + eol;
    const { file, done } = tmpFile(content);
    const whole = readParts(file, { blocksize: 1 << 20 }).rows;
    assert.is(whole.length, 7);
    assert.equal(whole[1], { id: 2, text: 'x,"y"\n,z', n: 20 });
    assert.equal(whole[6], { id: 7, text: 'a"b', n: 70 });
    for (let bs = 1; bs <= content.length + 1; bs++) {
      for (const engine of ['fast', 'papaparse'] as const) {
        const { rows, sizes } = readParts(file, { blocksize: bs, engine });
        assert.equal(rows, whole, `blocksize ${bs} ${engine}`);
        assert.ok(sizes.every((s) => s > 0), `no empty partitions at blocksize ${bs}`);
      }
    }
    done();
  });
}

test('row starts: targets inside quoted fields move past the closing row end', () => {
  const text = 'a,b\n1,"x\ny"\n2,z\n';
  const bytes = Buffer.from(text);
  const d = { quote: 34, delimLast: 44 };
  const inside = text.indexOf('y');
  const starts = rowStartsAtOrAfter(bufferReader(bytes), 0, bytes.length, [1, 4, inside, bytes.length], d);
  assert.equal(starts, [4, 4, text.indexOf('2,z'), bytes.length]);
});

test.run();
