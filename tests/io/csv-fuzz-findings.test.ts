// Regression tests for the CSV causes the DuckDB differential fuzzer found (tests/differential/FINDINGS.md):
// each case is the shrunk repro, read on both parsers, with the type and values worked out by hand.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CsvOptions, readCsv } from '../../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-findings-'));
let fileNo = 0;
const ENGINES = ['fast', 'papaparse'] as const;

function writeCsv(text: string): string {
  const p = path.join(dir, `f${fileNo++}.csv`);
  fs.writeFileSync(p, text);
  return p;
}

/** Every column's Arrow type and values, as plain arrays. */
async function read(text: string, opts: CsvOptions = {}): Promise<Record<string, { type: string; values: unknown[] }>> {
  const t = await readCsv(writeCsv(text), opts).toArrow({ scheduler: 'sync' });
  const out: Record<string, { type: string; values: unknown[] }> = Object.create(null);
  for (const f of t.schema.fields) out[f.name] = { type: String(f.type), values: [...t.getChild(f.name)!] };
  return out;
}

test('F3: signed 10-digit integers that fit int32 are Int32; one past the edge is Int64', async () => {
  for (const engine of ENGINES) {
    for (const [v, type] of [
      ['-1031404879', 'Int32'], ['-2147483648', 'Int32'], ['+2147483647', 'Int32'], ['-1000000000', 'Int32'],
      ['-2147483649', 'Int64'], ['+2147483648', 'Int64'], ['-10000000000', 'Int64'],
    ] as const) {
      const got = await read(`a\n${v}\n7\n`, { engine });
      assert.is(got.a!.type, type, `${engine} ${v}`);
      const want = type === 'Int32' ? [Number(v), 7] : [BigInt(v), 7n];
      assert.equal(got.a!.values, want, `${engine} ${v}`);
    }
  }
});

test('F2: a row holding only "" in a one-column file is one null row; lines with no bytes stay skipped', async () => {
  for (const engine of ENGINES) {
    for (const [text, want] of [
      ['a\n1\n""\n3\n', [1, null, 3]],
      ['a\r\n1\r\n""\r\n3', [1, null, 3]],
      ['a\n""\n', [null]],
      ['a\n1\n\n""\n\n3\n\n', [1, null, 3]],
      ['a\r\n""\r\n\r\n""\r\n', [null, null]],
    ] as const) {
      const got = await read(text, { engine });
      assert.equal(got.a!.values, want, `${engine} ${JSON.stringify(text)}`);
    }
    const s = await read('s\nx\n""\n\ny\n', { engine });
    assert.equal(s.s!.values.length, 3, `${engine} string column keeps the "" row`);
    assert.is(s.s!.values[1] ?? null, null, `${engine} "" reads as null like an empty field`);
  }
});

test('F4: a file mixing LF and CRLF row ends infers types as the parsers read the values', async () => {
  for (const engine of ENGINES) {
    const bool = await read('a\r\nTRUE\n', { engine });
    assert.equal(bool.a, { type: 'Bool', values: [true] }, engine);
    const big = await read('a\n9007199254740992\r\n', { engine });
    assert.equal(big.a, { type: 'Int64', values: [9007199254740992n] }, engine);
    const two = await read('a,b\r\n1,x\n2,true\r\n', { engine });
    assert.equal(two.a, { type: 'Int32', values: [1, 2] }, engine);
    assert.equal(two.b!.values.map(String), ['x', 'true'], engine);
    // A quoted \r\n is data; a quoted field may end a CRLF row; a final \r ends the last row.
    const quoted = await read('a,b\n1,"x"\r\n2,"y\r\nz"\n-3,w\r', { engine });
    assert.equal(quoted.a, { type: 'Int32', values: [1, 2, -3] }, engine);
    assert.equal(quoted.b!.values.map(String), ['x', 'y\r\nz', 'w'], engine);
    // A lone \r inside a value stays data on both paths.
    const lone = await read('a,b\r\n1,p\rq\n2,r\r\n', { engine });
    assert.equal(lone.a, { type: 'Int32', values: [1, 2] }, engine);
    assert.equal(lone.b!.values.map(String), ['p\rq', 'r'], engine);
  }
});

test('F4: a bad line after mixed row ends is reported at its byte offset in the file (papaparse path)', async () => {
  const text = 'a,b\r\n1,x\r\n2,y\n3,z,extra\r\n';
  try {
    await read(text, { engine: 'papaparse', dtype: { a: 'int32', b: 'string' } });
    assert.unreachable('a bad line must fail');
  } catch (e) {
    assert.match(String((e as Error).message), `byte ${text.indexOf('3,z')}`);
  }
});

test.run();
