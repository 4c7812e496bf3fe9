// The WebAssembly row tokenizer (io/csv/wasm-rows*.ts) against the JavaScript one it replaces on quote-free
// partitions: hand cases at 16-byte block edges, then seeded random files (field lengths 0-40 so fields
// straddle blocks, signs, leading zeros, long digit runs, CR, blank lines, bad field counts, custom delimiters,
// projections of any shape). Both must give the same columns, the same dropped rows and the same errors.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Tokenizer, parseFast } from '../../src/io/csv/fast-parser.ts';
import type { CsvOptions } from '../../src/io/csv/options.ts';
import type { PartitionPlan } from '../../src/io/csv/plan.ts';
import { RowProblems } from '../../src/io/csv/problems.ts';
import { csvSource } from '../../src/io/csv/scan.ts';
import { WasmRows } from '../../src/io/csv/wasm-rows.ts';
import { DictBuilder, arrowType } from '../../src/io/csv/builders.ts';
import { readCsv } from '../../src/index.ts';
import { rng } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-wasm-rows-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function planOf(text: string, opts: CsvOptions, columns: string[] | null): { plan: PartitionPlan; bytes: Buffer } {
  const file = path.join(dir, `w${fileNo++}.csv`);
  fs.writeFileSync(file, text);
  const src = csvSource(file, { ...opts, blocksize: text.length + 1024 });
  const plan = src.partitionTask(0, columns).args[0] as PartitionPlan;
  const all = fs.readFileSync(file);
  return { plan, bytes: all.subarray(plan.start, plan.end < 0 ? all.length : plan.end) };
}

/** Columns (type and every value, -0 kept apart from 0), rows and skipped rows; or the error's message. */
function parseWith(plan: PartitionPlan, bytes: Buffer, tokenizer: Tokenizer): unknown {
  const problems = new RowProblems(plan, null);
  try {
    const { builders, rows } = parseFast(Buffer.from(bytes), plan, problems, tokenizer);
    const cols = builders.map((b, i) => {
      const d = b.finish();
      const values: unknown[] = [];
      const dict = (d as { dictionary?: { get(i: number): unknown } }).dictionary;
      for (let r = 0; r < d.length; r++) {
        if (!d.getValid(r)) { values.push(null); continue; }
        const v = (d.values as ArrayLike<unknown>)[r];
        if (dict) values.push(dict.get(v as number));
        else if (typeof v === 'number' && Object.is(v, -0)) values.push('-0');
        else if (typeof v === 'bigint') values.push(`${v}n`);
        else values.push(d.valueOffsets ? new TextDecoder().decode(d.values.subarray(d.valueOffsets[r], d.valueOffsets[r + 1])) : v);
      }
      return { name: plan.columns[i]!.name, type: String(d.type), values };
    });
    return { rows, skipped: problems.skipped, cols };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function same(text: string, opts: CsvOptions, columns: string[] | null, label: string): unknown {
  const { plan, bytes } = planOf(text, opts, columns);
  const js = parseWith(plan, bytes, 'js');
  const wasm = parseWith(plan, bytes, 'auto');
  assert.equal(wasm, js, `${label}\n${JSON.stringify(text.slice(0, 400))}`);
  return js;
}

test('WebAssembly SIMD is available here, so the comparisons below run the WebAssembly tokenizer', () => {
  assert.ok(WasmRows.create() !== null);
});

test('hand cases: fields ending on 16-byte block edges, signs, CR, trailing delimiter, no final newline', () => {
  const cases: Array<[string, CsvOptions, string[] | null]> = [
    ['a,b,c\n1,-2,x\n3,+4,y\n\n5,,z\n7,8\n-0,007,w\r\n', { onBadLines: 'skip' }, null],
    ['a,b,c\n1,-2,x\n3,+4,y\n\n5,,z\n7,8\n-0,007,w\r\n', { onBadLines: 'skip' }, ['b']],
    ['a,b,c\n1,-2,x\n3,+4,y\n\n5,,z\n7,8\n-0,007,w\r\n', { onBadLines: 'skip' }, ['c', 'a']],
    // 15, 16 and 17 byte fields, so separators fall on the last byte of a block and the first of the next
    [`x,y\n${'1'.repeat(15)},${'a'.repeat(16)}\n${'2'.repeat(14)},${'b'.repeat(17)}\n${'3'.repeat(16)},c\n`, { dtype: { x: 'string' } }, null],
    [`x,y\n${'a'.repeat(15)},1\n${'b'.repeat(16)},-2\n${'c'.repeat(31)},3\n${'d'.repeat(32)},4`, {}, ['y']],
    ['p,q\n1,2,\n3,4\n5,6,', { onBadLines: 'skip' }, null],
    ['p,q\n1,2\n3,4,', { onBadLines: 'error' }, ['q']],
    ['p,q\n1,2\n3\n', { onBadLines: 'error' }, ['p']],
    ['p;q\r\n1;2\r\n\r\n-3;4\r\n', { delimiter: ';' }, null],
    ['p\tq\n1\t2\r\n3\r\t4\n', { delimiter: '\t', dtype: { p: 'string' } }, null],
    ['n,m\n123456789012345,-123456789012345\n1234567890123456,1\n', { dtype: { n: 'float64', m: 'float64' } }, null],
    ['n,m\n1,2\n1\r,2\n', { dtype: { n: 'string' } }, null],
    ['v\n-\n+\n-0\n+0\n0\n00\n', { dtype: { v: 'string' } }, null],
    ['v\n-0\n+0\n0\n12\n', {}, null],
    ['v\nNA\n12\n\n-4\n', {}, null],
  ];
  cases.forEach(([text, opts, cols], i) => same(text, opts, cols, `case ${i}`));
});

const DELIMS = [',', ';', '\t', '|'];

function randomField(r: () => number): string {
  const len = Math.floor(r() * 41);
  switch (Math.floor(r() * 10)) {
    case 0: return '';
    case 1: return 'NA';
    case 2: return (r() < 0.5 ? '-' : r() < 0.5 ? '+' : '') + String(Math.floor(r() * 10 ** Math.floor(r() * 18)));
    case 3: return (r() < 0.3 ? '-' : '') + '0'.repeat(Math.floor(r() * 3)) + String(Math.floor(r() * 1000));
    case 4: return (r() * 2e6 - 1e6).toExponential(Math.floor(r() * 8));
    case 5: return String(Math.round((r() - 0.5) * 1e6) / 100);
    case 6: return `${Math.floor(r() * 100)}\r`;
    default: {
      const alphabet = 'abcxyz0123456789-+ .é東';
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)];
      return s;
    }
  }
}

test('seeded random quote-free files: same columns, rows, skipped rows and errors as the JavaScript tokenizer', () => {
  const r = rng(1919);
  let wasmCases = 0;
  for (let k = 0; k < 200; k++) {
    const d = DELIMS[Math.floor(r() * DELIMS.length)]!;
    const nf = 1 + Math.floor(r() * (r() < 0.3 ? 40 : 8));
    const names = Array.from({ length: nf }, (_, i) => `c${i}`);
    const crlf = r() < 0.3;
    const lines = [names.join(d)];
    const nrows = Math.floor(r() * 60);
    // Some columns hold only numbers (inline integer parsing), others anything.
    const numeric = names.map(() => r() < 0.5);
    for (let i = 0; i < nrows; i++) {
      if (r() < 0.05) { lines.push(''); continue; }
      const width = r() < 0.08 ? Math.max(1, nf + Math.floor(r() * 5) - 2) : nf;
      const fields = Array.from({ length: width }, (_, f) => (numeric[f] && r() < 0.9 ? String(Math.floor((r() - 0.5) * 10 ** Math.floor(r() * 12))) : randomField(r)));
      lines.push(fields.join(d).replaceAll('"', ''));
    }
    const nl = crlf ? '\r\n' : '\n';
    const text = lines.join(nl) + (r() < 0.8 ? nl : '');
    const cols = r() < 0.3 ? null : names.filter(() => r() < 0.4);
    const dtype: Record<string, 'string' | 'float64' | 'int64'> = {};
    // Forced numeric types on numeric columns only (elsewhere every case would end at the first word).
    names.forEach((n, i) => { if (r() < 0.2) dtype[n] = numeric[i] ? (['string', 'float64', 'int64'] as const)[Math.floor(r() * 3)]! : 'string'; });
    const onBadLines = r() < 0.9 ? 'skip' : 'error';
    const res = same(text, { delimiter: d, dtype, onBadLines, naValues: ['NA', ''] }, cols && cols.length > 0 ? cols : null, `random case ${k}`);
    if (!(res as { error?: string }).error) wasmCases++;
  }
  assert.ok(wasmCases > 150, `${wasmCases} cases parsed without an error`);
});

test('through readCsv on threads: a worker reads partitions straight into the tokenizer memory, same as sync', async () => {
  const r = rng(77);
  const lines = ['id,neg,word,big'];
  for (let i = 0; i < 20000; i++) lines.push(`${i},${-Math.floor(r() * 1e6)},${'w'.repeat(Math.floor(r() * 20))}${i % 7},${Math.floor(r() * 1e14)}`);
  const file = path.join(dir, 'threads.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const df = readCsv(file, { blocksize: 64 * 1024 });
  assert.ok(df.npartitions > 4);
  const rows = (t: { toArray(): Array<Record<string, unknown>> }) => t.toArray().map((x) => [x.id, x.neg, x.word, String(x.big)]);
  const want = rows(await df.compute({ scheduler: 'sync' }));
  const got = rows(await df.compute({ scheduler: 'threads', numWorkers: 2 }));
  assert.is(got.length, 20000);
  assert.equal(got, want);
  assert.equal(want[5], [5, want[5]![1], want[5]![2], want[5]![3]]);
  assert.ok((want as unknown[][]).every((row) => (row[1] as number) <= 0), 'signs kept');
});

test('dictionary codes of short values (the packed-key cache) and long ones match the bytes, seeded', () => {
  const r = rng(4242);
  const pool: Buffer[] = [];
  // 0-5 byte values over a small alphabet with UTF-8 lead/continuation bytes: many share prefixes and lengths.
  const alphabet = [0x41, 0x42, 0x00, 0xc3, 0xa9, 0xff, 0x30];
  for (let i = 0; i < 400; i++) pool.push(Buffer.from(Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]!)));
  const b = new DictBuilder(arrowType('category', 0), 16);
  const want: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const v = pool[Math.floor(r() * pool.length)]!;
    const src = Buffer.concat([Buffer.from('xy'), v, Buffer.from('z')]);
    b.appendBytes(src, 2, 2 + v.length);
    want.push(v.toString('latin1'));
  }
  const d = b.finish();
  const dict = d.dictionary!;
  const bytesOf = (code: number): string => {
    const o = dict.data[0]!.valueOffsets;
    return Buffer.from(dict.data[0]!.values.subarray(o[code]!, o[code + 1]!)).toString('latin1');
  };
  const codes = d.values as Int32Array;
  for (let i = 0; i < want.length; i++) assert.is(bytesOf(codes[i]!), want[i], `row ${i}`);
  const distinct = new Set(want).size;
  assert.is(dict.length, distinct, 'one code per distinct value');
});

test.run();
