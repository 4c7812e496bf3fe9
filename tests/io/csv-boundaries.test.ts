import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readParts, rowsOf } from '../fixtures/csv/expect.ts';
import { readCsv } from '../../src/index.ts';
import { CsvBoundaryConflict } from '../../src/io/csv/errors.ts';
import { csvSource } from '../../src/io/csv/scan.ts';
import { cutTuning } from '../../src/io/csv/partitions.ts';

// These files are tiny: let them take the newline-cut shortcut that only big files take by default.
const defaultTuning = { ...cutTuning };
cutTuning.lookback = 0;
test.after(() => { Object.assign(cutTuning, defaultTuning); });
import { readPartition } from '../../src/io/csv/ops.ts';
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

// Files whose samples hold no quote character are cut at plain newlines; the tasks check their own bytes.
// Here the quoted rows sit between the sampled ranges (sampleBytes 1024: start 1 KiB, spread 256 B at 1/4,
// 2/4, 3/4), and one cut is placed on every byte of them: the compute must re-cut the file and restart.
function unsampledQuotes(eol: string): { content: string; from: number; to: number } {
  const plain = (i: number) => `${i},row${i},${i * 10}`;
  const lines = ['id,text,n'];
  for (let i = 1; i <= 400; i++) lines.push(plain(i));
  const head = lines.join(eol) + eol;
  const tricky = ['1001,"a' + eol + 'b,""c""' + eol + '",5', '1002,"' + eol + '",6', '1003,x"y,7'].join(eol) + eol;
  const tail: string[] = [];
  for (let i = 401; i <= 600; i++) tail.push(plain(i));
  // Put the tricky rows at 5/8 of the file, between the 2/4 and 3/4 samples.
  const cutAt = Math.floor((head.length + tricky.length + tail.join(eol).length) * 5 / 8);
  const headLines = head.split(eol).slice(0, -1);
  let pre = '';
  let k = 0;
  while (k < headLines.length && pre.length < cutAt) pre += headLines[k++] + eol;
  const post = headLines.slice(k).concat(tail).join(eol) + eol;
  const content = pre + tricky + post;
  return { content, from: pre.length, to: pre.length + tricky.length };
}

for (const eol of ['\n', '\r\n']) {
  test(`quotes outside the samples: a cut on every byte of them is re-cut exactly (${JSON.stringify(eol)})`, async () => {
    const { content, from, to } = unsampledQuotes(eol);
    const { file, done } = tmpFile(content);
    const opts = { sampleBytes: 1024 };
    const exact = rowsOf(await readCsv(file, { ...opts, blocksize: 1 << 20 }).toArrow({ scheduler: 'sync' }));
    assert.is(exact.length, 603);
    assert.equal(exact.find((r) => r.id === 1001), { id: 1001, text: `a${eol}b,"c"${eol}`, n: 5 });
    const dataStart = content.indexOf(eol) + eol.length;
    const src = csvSource(file, { ...opts, blocksize: from - dataStart });
    assert.ok(src.description.files[0]!.checkQuotes, 'samples hold no quote: cut at newlines');
    for (let cut = from - 2; cut <= to + 1; cut++) {
      const frame = readCsv(file, { ...opts, blocksize: cut - dataStart });
      const rows = rowsOf(await frame.toArrow({ scheduler: 'sync' }));
      assert.equal(rows, exact, `cut at byte ${cut}`);
    }
    done();
  });
}

test('a task cut at plain newlines that meets a quote raises CsvBoundaryConflict; recut keeps the partition count', () => {
  const { content, from } = unsampledQuotes('\n');
  const { file, done } = tmpFile(content);
  const dataStart = content.indexOf('\n') + 1;
  const src = csvSource(file, { sampleBytes: 1024, blocksize: from + 3 - dataStart });
  const n = src.npartitions;
  assert.throws(() => { for (let i = 0; i < n; i++) readPartition(src.partitionTask(i, null).args[0] as any); }, (e: unknown) => e instanceof CsvBoundaryConflict);
  assert.ok(src.recut(file));
  assert.is(src.npartitions, n);
  const rows = Array.from({ length: n }, (_, i) => readPartition(src.partitionTask(i, null).args[0] as any).numRows);
  assert.is(rows.reduce((a, b) => a + b, 0), 603);
  done();
});

test.run();
