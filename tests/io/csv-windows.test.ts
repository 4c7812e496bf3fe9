// CSV partitions are parsed in windows of whole rows (io/csv/windows.ts). A window must end exactly where the
// parser ends a row, whatever splits there: quoted fields holding newlines or CRLF, doubled quotes, a quote
// or CR as the last byte, multi-byte UTF-8, comment lines, bad lines, a last line without a newline. Windows
// of a few bytes put a boundary at every byte; every answer, skipped-row count and error must equal the
// answer of one window holding the whole partition (what every partition was before).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';
import { type CsvOptions } from '../../src/io/csv/options.ts';
import { FastParser } from '../../src/io/csv/fast-parser.ts';
import type { PartitionPlan } from '../../src/io/csv/plan.ts';
import { RowProblems } from '../../src/io/csv/problems.ts';
import { csvSource } from '../../src/io/csv/scan.ts';
import { completeRowsEnd, windowTuning } from '../../src/io/csv/windows.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-windows-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const syntax = (comment: string | null = null) => ({ quote: 34, delimiter: 44, comment: comment === null ? null : Buffer.from(comment) });
const end = (text: string, comment: string | null = null) => completeRowsEnd(Buffer.from(text), syntax(comment), !text.includes('"'));

test('completeRowsEnd: the end of the last row the parser would finish, and nothing it cannot decide yet', () => {
  assert.is(end('a,b\nc,d\ne'), 8);
  assert.is(end('a,b'), 0);
  assert.is(end('a,"x\ny",b\nc'), 10, 'a newline inside quotes does not end a row');
  assert.is(end('a,"x\ny'), 0, 'an open quoted field runs on');
  assert.is(end('a,"x""\n'), 0, 'a doubled quote is literal: the field is still open');
  assert.is(end('a,"x"\n"'), 6);
  assert.is(end('a,"x"'), 0, 'a quote at the very end: the next byte may double it');
  assert.is(end('a,"x"\r'), 0, 'a CR after a closing quote at the very end: the next byte decides');
  assert.is(end('a,"x"\r\nb'), 7);
  assert.is(end('a,"x"\rz"\n,\nq'), 11, 'text after a closing quote: a bad line to the next newline, quotes or not');
  assert.is(end('a,"x"z,"\n\nq'), 10);
  assert.is(end('\n\r\n'), 3, 'blank lines');
  assert.is(end('\n\r'), 1, 'a CR at the end may start a blank CRLF line or a field');
  assert.is(end('a,b,\n'), 5);
  assert.is(end('a,b,'), 0);
  assert.is(end('# "quoted\nx,"y\nz"\n', '#'), 18, 'a comment line ends at its newline, quotes or not');
  assert.is(end('x\n#', '##'), 2, 'a comment prefix cut by the window end: undecided');
  assert.is(end('x\n"a,b"\n'), 8);
  assert.is(end('x\nb,"a'), 2);
});

/** Random CSV text that exercises every boundary case, with its header. */
function randomCsv(r: () => number, rows: number, opts: { crlf: boolean; comment: boolean; bad: boolean; bom: boolean }): string {
  const words = ['Zürich', '東京', 'a,b', 'x"y', '', 'plain', 'line\nbreak', 'cr\r\nlf', '😀', 'São Paulo', ' ', '"'];
  const nl = () => (opts.crlf && r() < 0.7 ? '\r\n' : '\n');
  const lines: string[] = [];
  let text = `${opts.bom ? '\uFEFF' : ''}id,name,value,code${nl()}`;
  for (let i = 0; i < rows; i++) {
    const roll = r();
    if (opts.comment && roll < 0.05) { text += `# comment "${i}${nl()}`; continue; }
    if (roll < 0.08) { text += nl(); continue; } // a blank line
    if (opts.bad && roll < 0.12) { text += `${i},"broken"x,1,C${nl()}`; continue; }
    if (opts.bad && roll < 0.15) { text += `${i},too,few${nl()}`; continue; }
    const w = words[Math.floor(r() * words.length)]! + (r() < 0.3 ? 'w'.repeat(Math.floor(r() * 30)) : '');
    const name = /[,"\r\n]/.test(w) || r() < 0.2 ? `"${w.replace(/"/g, '""')}"` : w;
    const value = r() < 0.1 ? '' : (r() * 2000 - 1000).toFixed(Math.floor(r() * 4));
    lines.push(name);
    text += `${i},${name},${value},C${Math.floor(r() * 4)}${nl()}`;
  }
  // Half the files end without a final newline.
  if (r() < 0.5) text = text.replace(/(\r?\n)+$/, '');
  return text;
}

interface Outcome { rows?: unknown[]; error?: string; warnings: string[] }

async function readAll(file: string, options: CsvOptions, windowBytes: number): Promise<Outcome> {
  const saved = windowTuning.bytes;
  windowTuning.bytes = windowBytes;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const t = await readCsv(file, options).compute({ scheduler: 'sync' });
    return { rows: t.toArray().map((x: Record<string, unknown>) => Object.values(x).map((v) => (Object.is(v, -0) ? '-0' : String(v)))), warnings };
  } catch (e) {
    return { error: (e as Error).message, warnings };
  } finally {
    await new Promise((res) => setImmediate(res)); // warnings are emitted on the next tick
    process.off('warning', onWarning);
    windowTuning.bytes = saved;
  }
}

test('seeded random files: windows of 1 to 97 bytes give the answer, skipped rows and errors of one window', async () => {
  const r = rng(20261205);
  let compared = 0;
  for (let k = 0; k < 24; k++) {
    const opts = { crlf: r() < 0.5, comment: r() < 0.4, bad: r() < 0.5, bom: r() < 0.3 };
    const file = path.join(dir, `w${fileNo++}.csv`);
    fs.writeFileSync(file, randomCsv(r, 20 + Math.floor(r() * 120), opts));
    const options: CsvOptions = {
      blocksize: 200 + Math.floor(r() * 3000), // several partitions, cut quote-aware
      dtype: { code: 'category', name: 'string' },
      ...(opts.comment ? { comment: '#' } : {}),
      onBadLines: opts.bad ? (['error', 'skip', 'warn'] as const)[k % 3] : 'error',
    };
    const want = await readAll(file, options, 1 << 30);
    for (const w of [1, 2, 3, 5, 16, 97]) {
      const got = await readAll(file, options, w);
      assert.equal(got, want, `file ${k} (${JSON.stringify(opts)}), window ${w} bytes`);
      compared++;
    }
  }
  assert.is(compared, 24 * 6);
});

test('errors name the same file offset and line from any window: bad line, bad value, invalid UTF-8', async () => {
  const cases: Array<[Buffer, CsvOptions]> = [
    [Buffer.from('a,b\n1,2\n"x\ny",3\n4,5,6\n7,8\n'), {}],
    [Buffer.from('a,b\r\n1,2\r\n3,"q""\r\n"\r\n5,zz\r\n'), { dtype: { b: 'int32' } }],
    [Buffer.concat([Buffer.from('a,b\n1,2\n3,ok\n4,\uFFFD\n5,x'), Buffer.from([0xff, 0x0a]), Buffer.from('6,y\n')]), { dtype: { b: 'string' } }],
  ];
  for (const [bytes, options] of cases) {
    const text = bytes.toString('latin1');
    const file = path.join(dir, `e${fileNo++}.csv`);
    fs.writeFileSync(file, bytes);
    const want = await readAll(file, options, 1 << 30);
    assert.ok(want.error, `${JSON.stringify(text)} fails`);
    for (const w of [1, 2, 4, 9]) assert.equal(await readAll(file, options, w), want, `${JSON.stringify(text)}, window ${w}`);
  }
});

test('a partition parsed window by window equals one parse, at every split point of every two-window split', () => {
  const text = 'n,s\n1,"a\r\nb"\n2,"x""y"\r\n\n3,Zür\n"4",\n5,"😀"';
  const file = path.join(dir, `s${fileNo++}.csv`);
  fs.writeFileSync(file, text);
  const plan = csvSource(file, { dtype: { n: 'int32', s: 'string' } }).partitionTask(0, null).args[0] as PartitionPlan;
  const bytes = fs.readFileSync(file).subarray(plan.start);
  const parse = (cuts: number[]): unknown => {
    const problems = new RowProblems(plan, null);
    const parser = new FastParser(plan, problems, bytes.length);
    let from = 0;
    for (const c of [...cuts, bytes.length]) {
      problems.windowStart = from;
      parser.parse(bytes.subarray(from, c));
      from = c;
    }
    const { builders, rows } = parser.finish();
    return { rows, cols: builders.map((b) => { const d = b.finish(); return Array.from({ length: d.length }, (_, i) => (d.getValid(i) ? String(d.valueOffsets ? Buffer.from(d.values.subarray(d.valueOffsets[i], d.valueOffsets[i + 1])) : d.values[i]) : null)); }) };
  };
  const whole = parse([]);
  assert.is((whole as { rows: number }).rows, 5);
  // Only cuts completeRowsEnd can return are legal: check each prefix's answer is one.
  for (let c = 1; c < bytes.length; c++) {
    const cut = completeRowsEnd(bytes.subarray(0, c), syntax(), false);
    assert.equal(parse(cut > 0 ? [cut] : []), whole, `prefix of ${c} bytes cut at ${cut}`);
  }
});

test.run();
