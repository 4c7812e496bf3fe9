// Invalid UTF-8 is an error by default, naming file, line, byte offset and column, on both parsers and in
// the header; encodingErrors: 'replace' reads it as U+FFFD; the option is validated.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv } from '../../src/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-csv-encoding-'));
const file = (name: string, ...parts: (string | number[])[]): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x)))));
  return p;
};

async function failure(p: string, opts: object): Promise<Error> {
  try {
    await readCsv(p, opts).toArrow({ scheduler: 'sync' });
  } catch (e) {
    return e as Error;
  }
  return assert.unreachable('invalid UTF-8 must fail') as never;
}

test('invalid UTF-8 in a string column: an error naming file, line, byte and column, both parsers', async () => {
  // Row 3 holds 0xff 0xfe (never valid), row 4 a truncated 3-byte sequence and an overlong encoding.
  const p = file('bad.csv', 'a,b\n1,ok\n2,"x,', [0xff, 0xfe], '"\n3,', [0xe2, 0x82], '\n4,', [0xc0, 0xaf], '\n');
  for (const engine of ['fast', 'papaparse'] as const) {
    for (const blocksize of [4, 1 << 20]) {
      const e = await failure(p, { engine, blocksize });
      assert.match(e.message, /bad\.csv line 3 \(byte 9\), column 'b': the field at byte 11 is not valid UTF-8; .*encodingErrors: 'replace'/, `${engine} ${blocksize}`);
    }
  }
});

test("encodingErrors: 'replace' reads invalid bytes as U+FFFD; valid multi-byte text is untouched", async () => {
  const p = file('bad2.csv', 'a,b\n1,Zürich\n2,', [0xff], 'x\n3,', [0xe2, 0x82], '\n');
  for (const engine of ['fast', 'papaparse'] as const) {
    const t = await readCsv(p, { engine, encodingErrors: 'replace' }).toArrow({ scheduler: 'sync' });
    assert.equal([...t.getChild('b')!].map(String), ['Zürich', '\ufffdx', '\ufffd'], engine);
    assert.equal([...t.getChild('a')!], [1, 2, 3]);
  }
});

test('invalid bytes in a column that is not read do not fail; a bad header does', async () => {
  const p = file('side.csv', 'a,b\n1,', [0xff], '\n2,y\n');
  const t = await readCsv(p).select(['a']).toArrow({ scheduler: 'sync' });
  assert.equal([...t.getChild('a')!], [1, 2]);
  const h = file('header.csv', 'a,', [0xff], '\n1,2\n');
  assert.throws(() => readCsv(h), /first row of '.*header\.csv' .* is not valid UTF-8.*encodingErrors: 'replace'/);
  const ok = await readCsv(h, { encodingErrors: 'replace' }).toArrow({ scheduler: 'sync' });
  assert.equal(ok.schema.fields.map((f) => f.name), ['a', '\ufffd']);
});

test('encodingErrors is validated', () => {
  assert.throws(() => readCsv(path.join(dir, 'bad.csv'), { encodingErrors: 'ignore' as never }), /options\.encodingErrors must be one of 'error', 'replace', got "ignore"/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
