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

test.run();
